"""On-chip SRAM cost by capacity: energy per word access, leakage and area, from CACTI.

The built-in table (``BUILT_IN``) was produced by benchmarks/cacti_buffer_table.py (CACTI 7,
65 nm, the settings are in benchmarks/cacti_buffer_table.json, which holds every point). Its
pJ values are CACTI's; the MAC-normalized ones divide them by the pJ of one MAC-normalized
unit, defined by Eyeriss's own table (ISCA 2016, Table IV): a global buffer of Eyeriss's size
(108 KiB) costs 6 MACs per access. That is the unit conversion the shipped presets' tables
already rest on (their global_buffer is 6), not a fit: only the ratios between capacities,
and the leakage, come from CACTI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BUILT_IN = "cacti_65nm"
WORD_BITS = 16  # the table's energies are per 16-bit word
EYERISS_BUFFER_KIB = 108.0  # Eyeriss v1's global buffer (JSSC 2017, Sec. III)
EYERISS_BUFFER_MACS = 6.0  # its cost per access, MAC-normalized (ISCA 2016, Table IV)


@dataclass(frozen=True)
class SramTable:
    kib: tuple[float, ...]  # capacities, increasing
    pj_per_word: tuple[float, ...]  # mean of read and write energy per 16-bit word (64-bit access / 4)
    leakage_uw_per_kib: tuple[float, ...]  # leakage power per KiB at each capacity
    register_file_pj_per_word: float  # a 512-byte PE register file
    register_file_leakage_uw: float
    area_kib: tuple[float, ...]  # capacities of the area points, increasing (the 512-byte register file first)
    area_mm2: tuple[float, ...]  # the array's area at each (data and periphery, one bank)


def interpolate(kib: tuple[float, ...], values: tuple[float, ...], capacity: float) -> float:
    """Log-log interpolation at ``capacity``, extended along the end segments."""
    if len(kib) == 1:
        return values[0]
    i = next((j for j in range(1, len(kib) - 1) if capacity < kib[j]), len(kib) - 1)
    x0, x1, y0, y1 = (math.log(v) for v in (kib[i - 1], kib[i], values[i - 1], values[i]))
    slope = (y1 - y0) / (x1 - x0)
    return math.exp(y0 + slope * (math.log(capacity) - x0))


def pj_per_mac_unit(table: SramTable) -> float:
    """pJ of one MAC-normalized unit: Eyeriss's 108 KiB buffer at 6 units per access."""
    return interpolate(table.kib, table.pj_per_word, EYERISS_BUFFER_KIB) / EYERISS_BUFFER_MACS


def buffer_energy(points, capacity_kib: float, picojoules: bool, word_bits: int) -> float:
    """Energy of one word access of a ``capacity_kib`` buffer. ``points``: BUILT_IN (scaled from
    16-bit words to ``word_bits``, in pJ or MAC-normalized units) or the config's {kib, energy}
    points, already in the config's unit."""
    if points == BUILT_IN:
        table = TABLE
        pj = interpolate(table.kib, table.pj_per_word, capacity_kib) * word_bits / WORD_BITS
        return pj if picojoules else pj / pj_per_mac_unit(table)
    return interpolate(tuple(p.kib for p in points), tuple(p.energy for p in points), capacity_kib)


def static_per_us(static, pes: int, capacity_kib: float, picojoules: bool) -> float:
    """Leakage of the chip per microsecond, in the config's unit. ``static``: None, BUILT_IN
    or a StaticPower (per_pe, per_buffer_kib)."""
    if static is None:
        return 0.0
    if static == BUILT_IN:
        table = TABLE
        uw = pes * table.register_file_leakage_uw + capacity_kib * interpolate(
            table.kib, table.leakage_uw_per_kib, capacity_kib)
        return uw if picojoules else uw / pj_per_mac_unit(table)  # 1 uW = 1 pJ per microsecond
    return pes * static.per_pe + capacity_kib * static.per_buffer_kib


# benchmarks/cacti_buffer_table.json (itrs-hp cells and periphery at 360 K: CACTI's and ZigZag's
# default, a worst case for leakage; itrs-lstp cells leak about 2,500x less). Per word: the mean
# of a 64-bit access's read and write energy / 4.
TABLE = SramTable(
    kib=(8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0),
    pj_per_word=(2.5347, 3.9936, 5.9162, 9.7876, 11.696, 15.3876, 20.1827, 28.0693, 39.0531),
    leakage_uw_per_kib=(1455.9, 1348.0, 1336.0, 1207.3, 1207.3, 1207.3, 1146.8, 1145.5, 1207.3),
    register_file_pj_per_word=0.6642,
    register_file_leakage_uw=767.3,
    area_kib=(0.5, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0),
    area_mm2=(0.00449938, 0.0549269, 0.10597, 0.198064, 0.38325, 0.80845, 1.66156, 3.43231, 6.80955, 13.0268),
)


def area_mm2(capacity_kib: float) -> float:
    """Area of a ``capacity_kib`` SRAM at 65 nm (CACTI 7, log-log between the table's points)."""
    return interpolate(TABLE.area_kib, TABLE.area_mm2, capacity_kib)
