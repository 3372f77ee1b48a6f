"""Output formats: each module renders :class:`~sqnxt_sim.report.tables.Table` values as text.
A new format is one module here and one entry in FORMATS."""

from __future__ import annotations

from typing import Callable, Sequence

from ..tables import Table
from . import csv, json, markdown, text

FORMATS: dict[str, Callable[[Sequence[Table]], str]] = {
    "table": text.render,
    "csv": csv.render,
    "json": json.render,
    "markdown": markdown.render,
}


def render(tables: Table | Sequence[Table], fmt: str) -> str:
    """``tables`` in format ``fmt`` (a key of FORMATS)."""
    return FORMATS[fmt]([tables] if isinstance(tables, Table) else list(tables))


def names() -> tuple[str, ...]:
    return tuple(FORMATS)
