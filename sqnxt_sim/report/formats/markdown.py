"""Markdown: a heading per titled table, a pipe table (numbers right-aligned), notes below."""

from __future__ import annotations

from typing import Sequence

from ..tables import Table
from .text import cells


def markdown_table(header: list[str], rows: list[list[str]], right: set[int] | None = None) -> str:
    """A markdown table; ``right``: right-aligned columns (default: all but the first)."""
    right = right if right is not None else set(range(1, len(header)))
    align = ["---:" if i in right else ":---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(tables: Sequence[Table]) -> str:
    out = []
    for table in tables:
        right = {i for i, c in enumerate(table.columns)
                 if not any(isinstance(row.get(c), str) for row in table.rows)}
        block = ([f"### {table.title}", ""] if table.title else [])
        block.append(markdown_table([table.header(c, " ") for c in table.columns], cells(table), right))
        if table.notes:
            block += [""] + list(table.notes)
        out.append("\n".join(block))
    return "\n\n".join(out) + "\n"
