"""Where the shipped data (networks/, hwconfigs/) lives: beside the package in a source
checkout, or inside it (``sqnxt_sim/_data``) in an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    for candidate in (_PACKAGE / "_data" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent / kind
