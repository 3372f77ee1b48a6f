"""What every dataflow is given and what it returns.

A dataflow sees one core's share of a layer as its full geometry (``Geometry``) and the
array it runs on (``ArrayShape``), and returns a ``MappingCost``: cycles, where the
PE-cycles went, and access counts per level and operand. Arrays broadcast: the geometry
columns have shape (layers,) and the array columns (configs, 1).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

OPERANDS = ("ifmap", "filter", "psum")
LEVEL_TABLES = ("gb_read", "gb_write", "inter_pe", "register_file")


@dataclass(frozen=True)
class Geometry:
    """One group's loop bounds of the work a core is given (int64 columns)."""

    n: np.ndarray  # images
    k: np.ndarray  # filters per group
    c: np.ndarray  # input channels per group
    g: np.ndarray  # groups
    p: np.ndarray  # output rows
    q: np.ndarray  # output columns
    r: np.ndarray  # kernel rows
    s: np.ndarray  # kernel columns
    stride_h: np.ndarray
    stride_w: np.ndarray
    pixels: np.ndarray  # GEMM M: n*p*q, or a core's share of it when split by pixels

    @property
    def reduction(self) -> np.ndarray:  # GEMM D
        return self.r * self.s * self.c

    @property
    def macs(self) -> np.ndarray:
        return self.g * self.pixels * self.reduction * self.k

    def with_(self, **changes) -> "Geometry":
        return replace(self, **changes)


@dataclass(frozen=True)
class ArrayShape:
    """One core's PE array and what each PE can hold."""

    rows: np.ndarray
    cols: np.ndarray
    # Register-file (scratchpad) words per PE for each operand (used by dataflows that
    # keep several values per PE, such as row-stationary).
    spad_ifmap: np.ndarray
    spad_filter: np.ndarray
    spad_psum: np.ndarray
    # Words per cycle the buffer's buses carry to the array (psum: each direction).
    bus_ifmap: np.ndarray = np.inf
    bus_filter: np.ndarray = np.inf
    bus_psum: np.ndarray = np.inf
    # Modelling options (hardware keys fold_overlap and pack_groups; bool columns, default off:
    # SCALE-Sim's assumptions). See docs/model.md, "Fold overlap and packed groups".
    fold_overlap: np.ndarray | bool = False  # consecutive folds overlap their fill and drain
    pack_groups: np.ndarray | bool = False  # several groups of a grouped layer share the array

    @property
    def pes(self) -> np.ndarray:
        return np.multiply(self.rows, self.cols, dtype=np.float64)


@dataclass(frozen=True)
class Conventions:
    """What counts as an access (hardware.energy.AccessCosts): (configs, 1) bool columns."""

    rf_per_mac: np.ndarray | bool = False  # every operand read from the RF at every MAC
    load_drain_hops: np.ndarray | bool = True  # charge the hops that load or drain the array


@dataclass(frozen=True)
class MappingCost:
    """One core's cost of its piece. PE-cycle columns count one core's array."""

    cycles: np.ndarray  # no DRAM stalls (on-chip bus stalls included)
    folds: np.ndarray  # ways the mapping is folded onto the array (the ``folds`` column)
    runs: np.ndarray  # array passes run back to back (each pays its fill)
    streaming: np.ndarray  # PE-cycles while streaming (the whole array)
    mapped: np.ndarray  # of those, PE-cycles of PEs the mapping gives work
    fill_cycles: np.ndarray  # cycles spent filling and draining, all passes
    gb_read: dict[str, np.ndarray]
    gb_write: dict[str, np.ndarray]
    inter_pe: dict[str, np.ndarray]
    register_file: dict[str, np.ndarray]
    feasible: np.ndarray | bool = True  # False: the piece cannot be mapped (a scratchpad too small)
    bus_stall_cycles: np.ndarray | int = 0  # of ``cycles``, waiting for the buffer's buses


class DataflowModel(Protocol):
    """A dataflow plug-in (see docs/model.md, "Adding a dataflow")."""

    name: str
    summary: str  # one line for help texts
    interconnect: str  # "hop" (systolic neighbour links) or "multicast" (buses to PEs)

    def plan(self, piece: Geometry, array: ArrayShape):
        """The per-layer mapping choice (None when fixed), computed once and passed to both below."""

    def cost(self, piece: Geometry, array: ArrayShape, chunks, conventions: Conventions, plan=None) -> MappingCost: ...

    def waiting_partial_sums(self, piece: Geometry, array: ArrayShape, plan=None) -> np.ndarray:
        """Words of partial sums that wait in the global buffer between passes."""

    def stream_length(self, layer: Geometry) -> np.ndarray:
        """Length of the dimension that chunks cut when waiting sums overflow (1: never cut)."""

    def pixel_units(self, layer: Geometry) -> np.ndarray:
        """Units a split by output pixels shares out over cores."""

    def with_pixel_units(self, layer: Geometry, units) -> Geometry:
        """The layer restricted to ``units`` of its pixel units."""


def convention(flag, when_true, when_false):
    """Per-configuration choice between two counts, computed once when all configs agree."""
    flag = np.asarray(flag)
    if not flag.any():
        return when_false()
    if flag.all():
        return when_true()
    return np.where(flag, when_true(), when_false())


def ceil_div(a, b):
    return -(-a // b)
