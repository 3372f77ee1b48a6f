"""DRAM traffic of every layer, in words.

Baseline model: every layer reads its input activations and weights from DRAM once and
writes its output once (real tensor sizes, no im2col duplication).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..hardware.config import Hardware
from ..workload.graph import Network
from .layer_table import LayerTable


@dataclass(frozen=True)
class DramTraffic:
    read: dict[str, np.ndarray]  # operand -> words
    write: dict[str, np.ndarray]

    @property
    def read_words(self) -> np.ndarray:
        return sum(self.read.values())

    @property
    def write_words(self) -> np.ndarray:
        return sum(self.write.values())


def dram_traffic(network: Network, table: LayerTable, hardware: Hardware) -> DramTraffic:
    zero = np.zeros(len(table), dtype=np.int64)
    moves = np.array([op.value not in ("concat", "relu") for op in table.ops], dtype=bool)
    return DramTraffic(
        read={"ifmap": np.where(moves, table.input_words, 0), "filter": table.weights.copy(), "psum": zero},
        write={"ifmap": zero, "filter": zero, "psum": np.where(moves, table.output_words, 0)},
    )


def stalled_cycles(compute, read_bytes, write_bytes, steps, bandwidth):
    """Cycles with double buffering: max(compute, transfer) plus the first load and the last
    write-back, which cannot overlap (one of ``steps`` equal transfer steps each)."""
    if bandwidth is None:
        return np.asarray(compute)
    steps = np.maximum(steps, 1)
    transfer = (read_bytes + write_bytes) / bandwidth
    exposed = (read_bytes + write_bytes) / steps / bandwidth
    total = np.maximum(compute, transfer) + np.where(compute > 0, exposed, 0)
    return np.ceil(np.maximum(total, compute)).astype(np.int64)
