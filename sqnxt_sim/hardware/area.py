"""Silicon area of an accelerator, in mm^2, at the config's technology node.

The chip is its PEs (a MAC unit, a register file and the pipeline registers that pass
operands to the neighbours: the inter-PE network of a systolic array), the global buffer,
an explicit vector unit, and a fixed overhead per core (control, sequencer). Defaults are
published numbers at a named node, scaled to ``area.technology_nm`` by the square of the
feature size (ideal scaling, the rule CACTI applies beyond its nodes):

* MAC and pipeline registers: the Aladdin component table (Shao et al., ISCA 2014) as the
  Accelergy Aladdin plug-in ships it (accelergy-aladdin-plug-in, data/multiplier.csv,
  adder.csv; the register's area per bit), 40 nm, 32-bit units: multiplier and adder by the
  cycle period they are synthesized for. A word_bits MAC is a multiplier scaled by the square
  of the width and an accumulator adder twice as wide, scaled linearly (the plug-in's width
  rules); the row is the slowest one that still meets the config's clock.
* Register file and global buffer: SRAM by capacity from CACTI 7 at 65 nm (hardware/sram.py,
  benchmarks/cacti_buffer_table.json).
* Per core: nothing by default (a chip's control area is not a published constant one can
  scale); set ``area.per_core_mm2``.

What it leaves out (docs/model.md, "Area"): the clock tree, control, top-level wiring, I/O
and the placement density of a real layout, which is why a modelled Eyeriss is several times
smaller than its die.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import sram

REFERENCE_NM = 65.0  # the node of the SRAM table (CACTI) and Eyeriss's process
ALADDIN_NM = 40.0
# Aladdin (Accelergy Aladdin plug-in data/*.csv), 40 nm, 32-bit units, um^2, by the cycle
# period in ns they are synthesized for: (period, multiplier, adder). 5 to 10 ns share a row.
ALADDIN_32BIT = ((0.5, 8340.0, 379.0), (1.0, 6350.0, 278.0), (2.0, 5140.0, 179.0), (3.0, 4970.0, 179.0),
                 (4.0, 4620.0, 179.0), (5.0, 4600.0, 179.0))
ALADDIN_REGISTER_BIT_UM2 = 5.98  # a flip-flop, per bit
# Words of pipeline registers per PE: the two operands it forwards to its neighbours and the
# partial sum or output it passes on (os: input right, weight down, output out; ws/is: input
# right, partial sum down, and the stationary operand's next value loading behind it).
PIPELINE_WORDS = 3


def _scaled(um2: float, from_nm: float, to_nm: float) -> float:
    return um2 * (to_nm / from_nm) ** 2


def aladdin_row(clock_mhz: float) -> tuple[float, float, float]:
    """The slowest Aladdin row that meets the clock (the fastest one when none does)."""
    period_ns = 1e3 / clock_mhz
    meeting = [row for row in ALADDIN_32BIT if row[0] <= period_ns]
    return meeting[-1] if meeting else ALADDIN_32BIT[0]


def mac_um2(word_bits: int, clock_mhz: float, technology_nm: float = REFERENCE_NM) -> float:
    """A word_bits MAC: the multiplier and an accumulator adder twice as wide."""
    _, multiplier, adder = aladdin_row(clock_mhz)
    at_40 = multiplier * (word_bits / 32) ** 2 + adder * (2 * word_bits / 32)
    return _scaled(at_40, ALADDIN_NM, technology_nm)


def pipeline_registers_um2(word_bits: int, technology_nm: float = REFERENCE_NM) -> float:
    return _scaled(PIPELINE_WORDS * word_bits * ALADDIN_REGISTER_BIT_UM2, ALADDIN_NM, technology_nm)


def sram_mm2(capacity_kib: float, technology_nm: float = REFERENCE_NM) -> float:
    return sram.area_mm2(capacity_kib) * (technology_nm / REFERENCE_NM) ** 2


@dataclass(frozen=True)
class AreaBreakdown:
    """mm^2 of the whole chip, by part; ``total`` is their sum."""

    mac: float
    register_file: float
    inter_pe: float
    global_buffer: float
    vector_unit: float
    cores: float  # the per-core overhead, times the cores

    @property
    def total(self) -> float:
        return self.mac + self.register_file + self.inter_pe + self.global_buffer + self.vector_unit + self.cores

    def columns(self) -> dict[str, float]:
        """The totals' area columns: area_mm2 and one per part, to ten significant digits like
        every reported number (a budget is compared with the number shown)."""
        parts = {f"area_{name}_mm2": _shown(getattr(self, name)) for name in AREA_PARTS}
        return {"area_mm2": _shown(self.total), **parts}


def _shown(value: float) -> float:
    return float(f"{value:.10g}")


AREA_PARTS = ("mac", "register_file", "inter_pe", "global_buffer", "vector_unit", "cores")
AREA_COLUMNS = ("area_mm2", *(f"area_{name}_mm2" for name in AREA_PARTS))


@dataclass(frozen=True)
class AreaTerms:
    """What a chip's area depends on, but its clock: the clock only picks the MAC's Aladdin row,
    so a sweep over clocks prices each array once (:func:`area_at`)."""

    pes: int
    cores: int
    lanes: int  # of an explicit vector unit, per core (0: the PEs do the vector work)
    word_bits: int
    technology_nm: float
    mac_override_um2: float | None
    register_file_um2: float
    inter_pe_um2: float
    global_buffer_mm2: float
    per_core_mm2: float


def area_terms(hardware) -> AreaTerms:
    """The clock-free inputs of a validated Hardware's area (each default or its override)."""
    a = hardware.area
    nm = a.technology_nm
    rf = (a.register_file_um2 if a.register_file_um2 is not None
          else sram_mm2(hardware.memory.register_file_bytes / 1024, nm) * 1e6)
    links = a.inter_pe_um2 if a.inter_pe_um2 is not None else pipeline_registers_um2(hardware.word_bits, nm)
    kib = hardware.memory.global_buffer_kib
    if a.global_buffer_by_capacity == sram.BUILT_IN:
        buffer = sram_mm2(kib, nm)
    else:
        points = a.global_buffer_by_capacity
        buffer = sram.interpolate(tuple(p.kib for p in points), tuple(p.mm2 for p in points), kib)
    return AreaTerms(hardware.pes, hardware.cores, hardware.vector_unit.lanes or 0, hardware.word_bits, nm,
                     a.mac_um2, rf, links, buffer, a.per_core_mm2)


def area_at(terms: AreaTerms, clock_mhz: float) -> AreaBreakdown:
    """The chip area of ``terms`` clocked at ``clock_mhz``."""
    mac = terms.mac_override_um2 if terms.mac_override_um2 is not None else mac_um2(terms.word_bits, clock_mhz,
                                                                                    terms.technology_nm)
    pes = terms.pes
    # An explicit vector unit is lanes PE-class datapaths per core; by default the PEs do the work.
    return AreaBreakdown(
        mac=pes * mac * 1e-6, register_file=pes * terms.register_file_um2 * 1e-6, inter_pe=pes * terms.inter_pe_um2 * 1e-6,
        global_buffer=terms.global_buffer_mm2, vector_unit=terms.cores * terms.lanes * mac * 1e-6,
        cores=terms.cores * terms.per_core_mm2,
    )


def area_of(hardware) -> AreaBreakdown:
    """The chip area of a validated Hardware (each default or its override in ``hardware.area``)."""
    return area_at(area_terms(hardware), hardware.clock_mhz)


def area_columns(configs) -> dict[str, list[float]]:
    """The area columns of many configurations (a sweep's chunk), computed once per distinct
    area-relevant part of their configs."""
    cache: dict[tuple, dict[str, float]] = {}
    out: dict[str, list[float]] = {key: [] for key in AREA_COLUMNS}
    for hw in configs:
        key = (hw.pe_array.rows, hw.pe_array.cols, hw.cores, hw.word_bits, hw.clock_mhz, hw.memory.register_file_bytes,
               hw.memory.global_buffer_kib, hw.vector_unit.lanes, hw.area)
        columns = cache.get(key)
        if columns is None:
            columns = cache[key] = area_of(hw).columns()
        for name, value in columns.items():
            out[name].append(value)
    return out
