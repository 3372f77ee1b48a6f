"""Results as CSV and JSON text. Deterministic: the same results give the same bytes."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..engine.results import Results


def _energy_header(key: str, results: Results) -> str:
    """energy columns carry their unit in the header (energy_macnorm, energy_pJ...)."""
    suffix = results.units["energy_column_suffix"]
    return f"{key}_{suffix}" if key == "energy" or key.startswith("energy_") else key


def layers_csv(results: Results) -> str:
    keys = list(results.layers)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_energy_header(key, results) for key in keys])
    for row in results.rows():
        writer.writerow([_cell(row[key]) for key in keys])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    return value


def results_json(results: Results) -> str:
    return json.dumps(results.to_dict(), indent=2, allow_nan=False) + "\n"


def summary_json(results: Results) -> str:
    """Like results_json: the whole result, totals first, for summary.json."""
    return results_json(results)
