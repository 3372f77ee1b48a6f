"""CSV: a header row (units in the names), then one row per row; one table per file. Floats
as repr (every digit kept), None as an empty cell. Deterministic."""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Sequence

from ..tables import Table, energy_units


def cell(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if value is None:
        return ""
    return value


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([table.header(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([cell(row.get(column, "")) for column in table.columns])
    return buffer.getvalue()


def render(tables: Sequence[Table]) -> str:
    """The tables one after another, a blank line between (one table: a plain CSV file)."""
    return "\n".join(table_csv(table) for table in tables)


def rows_csv(rows: Iterable[dict[str, Any]], columns: list[str] | None = None, energy_suffix: str | None = None) -> str:
    """Rows of plain values as CSV; energy columns get ``energy_suffix`` in their headers."""
    rows = list(rows)
    keys = columns if columns is not None else (list(rows[0]) if rows else [])
    return table_csv(Table("", keys, rows, energy_units(keys, energy_suffix)))


def header_with_unit(suffix: str | None):
    """The header of a column, with the energy unit where it has one (energy -> energy_macnorm)."""
    def header(key: str) -> str:
        return Table("", [key], [], energy_units([key], suffix)).header(key)

    return header
