"""Accelerator parameters as numpy columns, one row per configuration.

The engine broadcasts these (shape (H, 1)) against the layer columns (shape (L,)), so one
call evaluates a network on H configurations at once; a single Hardware is the case H = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..hardware.config import Dataflow, Hardware
from ..hardware.energy import access_costs
from .dataflow import PRESETS

DATAFLOW_CODES = {Dataflow.OS: 0, Dataflow.WS: 1, Dataflow.IS: 2, Dataflow.BEST: 3}


@dataclass(frozen=True)
class HardwareArrays:
    rows: np.ndarray
    cols: np.ndarray
    cores: np.ndarray
    word_bits: np.ndarray
    bandwidth: np.ndarray  # bytes per cycle; inf = unlimited
    buffer_words: np.ndarray
    activation_share: np.ndarray  # of the buffer, for activations kept on chip
    clock_mhz: np.ndarray
    dataflow: np.ndarray  # DATAFLOW_CODES
    mac: np.ndarray  # energy per access, by level
    register_file: np.ndarray
    inter_pe: np.ndarray
    global_buffer: np.ndarray
    dram: np.ndarray
    rf_per_mac: np.ndarray  # bool: the legacy convention, an RF read per operand per MAC
    load_drain_hops: np.ndarray  # bool: charge the hops that load or drain the array

    @property
    def pes(self) -> np.ndarray:
        return self.rows * self.cols

    @property
    def chip_pes(self) -> np.ndarray:
        return self.pes * self.cores

    def presets_needed(self) -> tuple[Dataflow, ...]:
        codes = set(self.dataflow.ravel().tolist()) if self.dataflow.size <= 64 else set(np.unique(self.dataflow).tolist())
        if DATAFLOW_CODES[Dataflow.BEST] in codes:
            return PRESETS
        return tuple(p for p in PRESETS if DATAFLOW_CODES[p] in codes)


def hardware_arrays(configs: Sequence[Hardware]) -> HardwareArrays:
    def column(values, dtype) -> np.ndarray:
        return np.array(list(values), dtype=dtype).reshape(-1, 1)

    costs = [access_costs(h) for h in configs]
    return HardwareArrays(
        rows=column((h.pe_array.rows for h in configs), np.int64),
        cols=column((h.pe_array.cols for h in configs), np.int64),
        cores=column((h.cores for h in configs), np.int64),
        word_bits=column((h.word_bits for h in configs), np.int64),
        bandwidth=column((h.memory.dram_bandwidth_bytes_per_cycle or np.inf for h in configs), float),
        buffer_words=column((h.memory.global_buffer_kib * 1024 * 8 / h.word_bits for h in configs), float),
        activation_share=column((h.memory.activation_share for h in configs), float),
        clock_mhz=column((h.clock_mhz for h in configs), float),
        dataflow=column((DATAFLOW_CODES[h.dataflow] for h in configs), np.int64),
        mac=column((c.mac for c in costs), float),
        register_file=column((c.register_file for c in costs), float),
        inter_pe=column((c.inter_pe_hop for c in costs), float),  # the presets move data by neighbour hops
        global_buffer=column((c.global_buffer for c in costs), float),
        dram=column((c.dram for c in costs), float),
        rf_per_mac=column((c.rf_per_mac for c in costs), bool),
        load_drain_hops=column((c.load_drain_hops for c in costs), bool),
    )
