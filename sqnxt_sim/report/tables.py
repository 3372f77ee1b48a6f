"""What every command's output is made of: tables of plain rows, rendered by report/formats."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence


@dataclass(frozen=True)
class Table:
    """A titled table: ``columns`` of ``rows`` (plain values; None where a column does not
    apply), the unit of each column that carries one in its header (``energy`` ->
    ``macnorm``: CSV ``energy_macnorm``, text ``energy (macnorm)``), and notes to print
    beside it. ``cells`` formats a column's values for the text and markdown formats."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Mapping[str, Any]]
    units: Mapping[str, str] = field(default_factory=dict)
    notes: Sequence[str] = ()
    cells: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)

    def header(self, column: str, joiner: str = "_") -> str:
        unit = self.units.get(column)
        return column if not unit else (f"{column}_{unit}" if joiner == "_" else f"{column} ({unit})")


def energy_units(columns: Sequence[str], suffix: str | None) -> dict[str, str]:
    """The energy columns' unit (``energy``, ``energy_dram``...), not the unitless ones (a ratio,
    a share, ``energy_unit``) - the convention of every CSV header."""
    unitless = ("_ratio", "_share", "share_", "_saving")
    if not suffix:
        return {}
    return {c: suffix for c in columns if (c == "energy" or c.startswith("energy_")) and c != "energy_unit"
            and not any(part in c for part in unitless)}
