"""Accelerator parameters as numpy columns, one row per configuration.

The engine broadcasts these (shape (H, 1)) against the layer columns (shape (L,)), so one
call evaluates a network on H configurations at once; a single Hardware is the case H = 1.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Sequence

import numpy as np

from ..hardware.config import Hardware
from ..hardware.energy import access_costs
from ..hardware.vector import FUNCTION_NAMES
from . import dataflows
from .dataflows.base import ArrayShape


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
    dataflow: np.ndarray  # dataflows.code
    candidates: np.ndarray  # bool (configs, registered dataflows): what this config may run
    spad_ifmap: np.ndarray  # scratchpad words per PE, by operand
    spad_filter: np.ndarray
    spad_psum: np.ndarray
    bus_ifmap: np.ndarray  # words per cycle from the buffer to the array, by operand
    bus_filter: np.ndarray
    bus_psum: np.ndarray
    mac: np.ndarray  # energy per access, by level
    register_file: np.ndarray
    inter_pe: np.ndarray  # a systolic neighbour hop
    multicast: np.ndarray  # a delivery over a multicast bus
    global_buffer: np.ndarray
    dram: np.ndarray
    rf_per_mac: np.ndarray  # bool: the legacy convention, an RF read per operand per MAC
    load_drain_hops: np.ndarray  # bool: charge the hops that load or drain the array
    vector_lanes: np.ndarray  # vector-unit operations per cycle per core
    vector_costs: np.ndarray  # (configs, functions): operations per element, by hardware.vector.FUNCTION_NAMES
    static_per_us: np.ndarray  # leakage of the chip per microsecond, in the energy unit
    fold_overlap: np.ndarray  # bool: consecutive folds overlap their fill and drain
    pack_groups: np.ndarray  # bool: groups of a grouped layer share the array side by side

    @property
    def pes(self) -> np.ndarray:
        return self.rows * self.cols

    @property
    def chip_pes(self) -> np.ndarray:
        return self.pes * self.cores

    @property
    def array(self) -> ArrayShape:
        return ArrayShape(self.rows, self.cols, self.spad_ifmap, self.spad_filter, self.spad_psum,
                          self.bus_ifmap, self.bus_filter, self.bus_psum, self.fold_overlap, self.pack_groups)

    def take(self, configs) -> "HardwareArrays":
        """The rows of ``configs`` only."""
        return HardwareArrays(**{f.name: getattr(self, f.name)[configs] for f in fields(self)})

    def dataflows_needed(self) -> tuple[str, ...]:
        """Registered dataflows some configuration may run, in registry order."""
        used = self.candidates.any(axis=0)
        return tuple(name for name, needed in zip(dataflows.names(), used.tolist()) if needed)


def hardware_arrays(configs: Sequence[Hardware]) -> HardwareArrays:
    def column(values, dtype) -> np.ndarray:
        return np.array(list(values), dtype=dtype).reshape(-1, 1)

    costs = [access_costs(h) for h in configs]
    spads = [h.memory.scratchpad_words(h.word_bits) for h in configs]
    buses = [h.memory.array_buses(h.pe_array.rows, h.pe_array.cols) for h in configs]
    return HardwareArrays(
        rows=column((h.pe_array.rows for h in configs), np.int64),
        cols=column((h.pe_array.cols for h in configs), np.int64),
        cores=column((h.cores for h in configs), np.int64),
        word_bits=column((h.word_bits for h in configs), np.int64),
        bandwidth=column((h.memory.dram_bandwidth_bytes_per_cycle or np.inf for h in configs), float),
        buffer_words=column((h.memory.global_buffer_kib * 1024 * 8 / h.word_bits for h in configs), float),
        activation_share=column((h.memory.activation_share for h in configs), float),
        clock_mhz=column((h.clock_mhz for h in configs), float),
        dataflow=column((dataflows.code(h.dataflow) for h in configs), np.int64),
        candidates=np.array([[name in h.candidates for name in dataflows.names()] for h in configs], dtype=bool),
        spad_ifmap=column((s["ifmap"] for s in spads), np.int64),
        spad_filter=column((s["filter"] for s in spads), np.int64),
        spad_psum=column((s["psum"] for s in spads), np.int64),
        bus_ifmap=column((b["ifmap"] for b in buses), float),
        bus_filter=column((b["filter"] for b in buses), float),
        bus_psum=column((b["psum"] for b in buses), float),
        mac=column((c.mac for c in costs), float),
        register_file=column((c.register_file for c in costs), float),
        inter_pe=column((c.inter_pe_hop for c in costs), float),
        multicast=column((c.multicast for c in costs), float),
        global_buffer=column((c.global_buffer for c in costs), float),
        dram=column((c.dram for c in costs), float),
        rf_per_mac=column((c.rf_per_mac for c in costs), bool),
        load_drain_hops=column((c.load_drain_hops for c in costs), bool),
        vector_lanes=column((h.vector_unit.lanes or h.pe_array.pes for h in configs), np.int64),
        vector_costs=np.array([[h.vector_unit.cost(f) for f in FUNCTION_NAMES] for h in configs], dtype=float).reshape(
            len(configs), len(FUNCTION_NAMES)),
        static_per_us=column((c.static_per_us for c in costs), float),
        fold_overlap=column((h.fold_overlap for h in configs), bool),
        pack_groups=column((h.pack_groups for h in configs), bool),
    )
