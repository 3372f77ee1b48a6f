"""The energy model of a hardware config: the cost of one word's access at each level, the
conventions that decide what counts as an access, and the unit the costs are in.

Sources of the defaults: docs/model.md, "Energy". Everything that prices an access reads it
from here, so a new energy table or convention touches this module and the counts only.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import sram
from .config import GLOBAL_BUFFER, Energy, Hardware

# The conventions of sqnxt-sim before the sourced defaults: every systolic hop at the
# Eyeriss multicast-network cost, an RF read per operand per MAC, no load or drain hops.
LEGACY_CONVENTIONS = {"inter_pe_hop": 2.0, "register_file_accesses": "per_mac", "load_drain_hops": False}


@dataclass(frozen=True)
class EnergyUnit:
    """What the energy numbers are in: picojoules, or multiples of one MAC of ``word_bits``."""

    picojoules: bool
    word_bits: int

    @property
    def column_suffix(self) -> str:
        """Unit part of column names: energy_pJ or energy_macnorm."""
        return "pJ" if self.picojoules else "macnorm"


@dataclass(frozen=True)
class AccessCosts:
    """Energy of one word's access, by level, and the conventions of counting."""

    mac: float
    register_file: float
    inter_pe_hop: float  # systolic neighbour hop (wire + pipeline register)
    multicast: float  # delivery over a multicast network (unused by the systolic presets)
    global_buffer: float
    dram: float
    rf_per_mac: bool  # register_file_accesses: per_mac
    load_drain_hops: bool
    unit: EnergyUnit
    static_per_us: float = 0.0  # leakage of the whole chip per microsecond (0: not charged)


def access_costs(hardware: Hardware) -> AccessCosts:
    e: Energy = hardware.energy
    picojoules = e.unit == "pJ"
    kib = hardware.memory.global_buffer_kib
    if e.global_buffer_by_capacity is not None:
        buffer = sram.buffer_energy(e.global_buffer_by_capacity, kib, picojoules, hardware.word_bits)
    else:
        buffer = GLOBAL_BUFFER if e.global_buffer is None else e.global_buffer
    return AccessCosts(
        mac=e.mac, register_file=e.register_file, inter_pe_hop=e.inter_pe_hop, multicast=e.inter_pe,
        global_buffer=buffer, dram=e.dram, rf_per_mac=e.register_file_accesses == "per_mac",
        load_drain_hops=e.load_drain_hops, unit=EnergyUnit(picojoules, hardware.word_bits),
        static_per_us=sram.static_per_us(e.static_power, hardware.pes, kib, picojoules),
    )
