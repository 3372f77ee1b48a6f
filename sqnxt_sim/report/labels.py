"""Words shared by every report: names of the memory levels and of the losses, energy units, batch.

One definition each, so the terminal, the CSV headers and the figures say the same thing.
"""

from __future__ import annotations

from typing import Iterable

from ..engine.results import Results
from ..hardware.energy import EnergyUnit

# The energy levels, in the order of engine.energy.LEVELS.
LEVEL_LABELS = {"mac": "MAC", "register_file": "register file", "inter_pe": "inter-PE",
                "global_buffer": "global buffer", "dram": "DRAM", "static": "static (leakage)"}
# Where a layer's idle PE-cycles went (engine.results.LOSS_COLUMNS); the README's vocabulary.
LOSS_LABELS = {
    "loss_small_dims": "small dimensions", "loss_fold_remainder": "fold remainders", "loss_fill_drain": "fill/drain",
    "loss_array_bus": "on-chip buses",
    "loss_core_imbalance": "idle cores", "loss_memory_stall": "memory stalls", "loss_non_mac": "non-MAC layers",
}


NOT_APPLICABLE = "-"  # how tables and CSV show a column that does not apply to a layer


def is_picojoules(results: Results) -> bool:
    """True when the config's energy table is in pJ, False for MAC-normalized units."""
    return results.energy_unit.picojoules


def energy_unit_label(unit: EnergyUnit) -> str:
    """The energy unit in full: ``pJ``, or what one MAC-normalized unit is."""
    return "pJ" if unit.picojoules else f"MAC-normalized units (1 = one {unit.word_bits}-bit MAC)"


def units_of(results: Results) -> dict[str, str]:
    """The units of the result columns, as the JSON report states them."""
    return {
        "cycles": "clock cycles", "time_us": "microseconds", "time_ms": "milliseconds",
        "utilization": "MACs / (cycles x all PEs)", "energy": energy_unit_label(results.energy_unit),
        "gb_read_words": f"{results.energy_unit.word_bits}-bit words", "dram_read_bytes": "bytes",
        "energy_column_suffix": results.energy_unit.column_suffix,
    }


def notes_of(results: Results) -> list[str]:
    """What a reader must know about the network before trusting the numbers."""
    network = results.network
    notes = []
    if network.get("reconstruction"):
        notes.append(f"{network['name']} is a reconstruction, not a published definition: {network['description']}")
    unmodelled = network.get("unmodelled") or []
    if unmodelled:
        notes.append(f"{len(unmodelled)} imported operator(s) not modelled (no time or energy charged): " + ", ".join(
            f"{op['name']} ({op['op_type']}, {op['output_elements']:,} output elements)" for op in unmodelled))
    return notes


def assumptions_of(hardware: dict) -> list[str]:
    """The modelling assumptions a result rests on (the hardware keys that choose them)."""
    overlap = hardware.get("fold_overlap", False)
    packed = hardware.get("pack_groups", False)
    bandwidth = hardware.get("memory", {}).get("dram_bandwidth_bytes_per_cycle")
    return [
        "folds overlap their fill and drain (fold_overlap: true)" if overlap
        else "folds run back to back, each paying its fill and drain (SCALE-Sim; fold_overlap: false)",
        "groups of a grouped layer share the array where they fit (pack_groups: true; ws, is; os cannot)" if packed
        else "groups run one at a time on ws, is and os (SCALE-Sim; pack_groups: false; rs packs them always)",
        "DRAM bandwidth unlimited: compute-only timing" if bandwidth is None else f"DRAM {bandwidth:g} bytes per cycle",
    ]


def energy_unit(results: Results) -> str:
    """The energy unit for an axis or a sentence: ``pJ`` or ``MAC-normalized units``."""
    return "pJ" if is_picojoules(results) else "MAC-normalized units"


def energy_column_unit(results: Results) -> str:
    """The energy unit for a table header: ``pJ`` or ``E(MAC=1)``."""
    return "pJ" if is_picojoules(results) else "E(MAC=1)"


def batch_of(results: Results) -> int:
    """Inferences per run (the network input's batch); cycles, time, MACs and energy cover all of them."""
    return int(results.network.get("input", {}).get("batch", 1))


def per_run_text(batches: Iterable[int]) -> str:
    """What one total covers: ``per inference`` (batch 1), ``per batch of 4``, or ``per batch``.

    ``per batch`` alone when the batches differ: the reader then needs each run's batch.
    """
    sizes = set(batches)
    if sizes <= {1}:
        return "per inference"
    if len(sizes) == 1:
        return f"per batch of {sizes.pop()}"
    return "per batch"
