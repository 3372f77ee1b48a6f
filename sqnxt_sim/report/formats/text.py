"""Terminal text: columns padded to their widest cell, numbers right-aligned."""

from __future__ import annotations

from typing import Any, Sequence

from ..tables import Table

NOT_APPLICABLE = "-"


def text_table(header: list[str], lines: list[list[str]], left: set[int]) -> str:
    """Columns padded to their widest cell; ``left`` holds the indices of left-aligned columns."""
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]

    def fmt(cells) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(line) for line in lines])


def value_text(value: Any) -> str:
    if value is None:
        return NOT_APPLICABLE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def cells(table: Table) -> list[list[str]]:
    return [[table.cells.get(c, value_text)(row.get(c)) for c in table.columns] for row in table.rows]


def render(tables: Sequence[Table]) -> str:
    out = []
    for table in tables:
        lines = cells(table)
        left = {i for i, c in enumerate(table.columns)
                if any(isinstance(row.get(c), str) for row in table.rows)}
        block = ([table.title] if table.title else []) + [text_table([table.header(c, " ") for c in table.columns], lines, left)]
        out.append("\n".join(block + list(table.notes)))
    return "\n\n".join(out) + "\n"
