"""Results as CSV and JSON text. Deterministic: the same results give the same bytes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable

from ..engine.results import Results
from .labels import NOT_APPLICABLE, assumptions_of, notes_of, units_of
from .table import selected_rows


# Parts of a column name that make an energy column a pure number (energy_ratio,
# energy_per_mac_ratio, energy_saving, a share): it gets no unit.
DIMENSIONLESS_PARTS = ("_ratio", "_share", "share_", "_saving")


def energy_header(key: str, suffix: str | None) -> str:
    """Energy columns carry their unit in the header (energy_macnorm, energy_dram_pJ...).

    Not ``energy_unit`` and not ratios or shares of energies, which have no unit.
    """
    if not suffix or key == "energy_unit" or any(part in key for part in DIMENSIONLESS_PARTS):
        return key
    if key == "energy" or key.startswith("energy_"):
        return f"{key}_{suffix}"
    return key


def _energy_header(key: str, results: Results) -> str:
    return energy_header(key, results.energy_unit.column_suffix)


def layers_csv(results: Results, sort: str | None = None, top: int | None = None) -> str:
    """Every column of every layer (``sort``/``top``: as the table, report/table.py)."""
    keys = list(results.layers)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_energy_header(key, results) for key in keys])
    for row in selected_rows(results, sort, top):
        writer.writerow([NOT_APPLICABLE if row[key] is None else _cell(row[key]) for key in keys])
    # Imported operators sqnxt-sim does not model: a row each, nothing charged ('-'), so a
    # reader of the CSV alone sees what its totals leave out.
    for op in results.network.get("unmodelled") or []:
        cells = {"name": op["name"], "op": f"not modelled: {op['op_type']}",
                 "shape": "x".join(map(str, op["output_shape"][1:] or op["output_shape"])), "stage": ""}
        writer.writerow([cells.get(key, NOT_APPLICABLE) for key in keys])
    return buffer.getvalue()


def rows_csv(rows: Iterable[dict[str, Any]], columns: list[str] | None = None,
             energy_suffix: str | None = None) -> str:
    """Rows of plain values as CSV; ``energy*`` headers get ``energy_suffix`` appended."""
    rows = list(rows)
    keys = columns if columns is not None else (list(rows[0]) if rows else [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([energy_header(key, energy_suffix) for key in keys])
    for row in rows:
        writer.writerow([_cell(row.get(key, "")) for key in keys])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if value is None:
        return ""
    return value


def json_text(data: Any) -> str:
    """Indented JSON, keys in the order given, no NaN: the same data gives the same bytes."""
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def results_dict(results: Results) -> dict[str, Any]:
    """Everything about a run as plain data; a column that does not apply is null."""
    return {
        "network": results.network,
        "hardware": results.hardware,
        "units": units_of(results),
        "assumptions": assumptions_of(results.hardware),
        "notes": notes_of(results),
        "totals": results.totals,
        "layers": results.rows(),
    }


def results_json(results: Results) -> str:
    return json_text(results_dict(results))
