"""JSON: indented, keys in the order given, no NaN. One table: its rows (a list of objects,
keys without units); several: {title: rows}. Deterministic."""

from __future__ import annotations

import json
from typing import Any, Sequence

from ..tables import Table


def json_text(data: Any) -> str:
    """Indented JSON, keys in the order given, no NaN: the same data gives the same bytes."""
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def render(tables: Sequence[Table]) -> str:
    rows = [[{column: row.get(column) for column in t.columns} for row in t.rows] for t in tables]
    return json_text(rows[0] if len(tables) == 1 else {t.title: r for t, r in zip(tables, rows)})
