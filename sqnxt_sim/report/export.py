"""Results as CSV and JSON text (report/formats for tables of rows). Deterministic: the same
results give the same bytes."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..engine.results import Results
from .formats.csv import cell as _cell, header_with_unit, rows_csv
from .formats.json import json_text
from .labels import NOT_APPLICABLE, assumptions_of, notes_of, units_of
from .table import selected_rows

__all__ = ["energy_header", "json_text", "layers_csv", "results_dict", "results_json", "rows_csv"]


def energy_header(key: str, suffix: str | None) -> str:
    """Energy columns carry their unit in the header (energy_macnorm, energy_dram_pJ...); not
    ``energy_unit`` and not ratios or shares of energies, which have no unit."""
    return header_with_unit(suffix)(key)


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
