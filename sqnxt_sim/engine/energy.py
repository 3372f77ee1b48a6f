"""Energy = access counts x energy per access, by memory level and by operand."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np


if TYPE_CHECKING:
    from .hardware_arrays import HardwareArrays

LEVELS = ("mac", "register_file", "inter_pe", "global_buffer", "dram", "static")


def energy_by_level(costs: "HardwareArrays", inter_pe_cost, compute_ops, rf: dict, inter_pe: dict, gb: dict,
                    dram: dict, cycles) -> dict[str, dict[str, np.ndarray]]:
    """Energy of each level, split by operand (``compute`` for the MAC/ALU level).

    ``costs`` has one attribute per level (mac, register_file, ...): (configs, 1) columns of
    HardwareArrays, from hardware.energy.access_costs.

    ``inter_pe_cost``: the price of one inter-PE transfer on the dataflow's interconnect
    (a systolic hop or a multicast delivery). ``gb`` and ``dram`` hold words read plus
    written per operand. ``cycles`` (stalls included) times the chip's leakage per
    microsecond gives the static energy (``leakage``; zero unless the config opts in).
    """
    return {
        "mac": {"compute": compute_ops * costs.mac},
        "register_file": {op: words * costs.register_file for op, words in rf.items()},
        "inter_pe": {op: words * inter_pe_cost for op, words in inter_pe.items()},
        "global_buffer": {op: words * costs.global_buffer for op, words in gb.items()},
        "dram": {op: words * costs.dram for op, words in dram.items()},
        "static": {"leakage": cycles / costs.clock_mhz * costs.static_per_us},
    }
