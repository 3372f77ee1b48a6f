"""Where the shipped data (networks/, hwconfigs/, sweeps/, searches/) lives: beside the package in a source
checkout, or inside it (``sqnxt_sim/_data``) in an installed wheel."""

from __future__ import annotations

import difflib
from pathlib import Path

from .errors import InputError, one_line_text
from .yamlfile import path_exists

_PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: str) -> Path:
    for candidate in (_PACKAGE / "_data" / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent / kind


def shipped_names(kind: str) -> list[str]:
    """Stems of the shipped YAML files of ``kind`` (networks, hwconfigs)."""
    return sorted(path.stem for path in data_dir(kind).glob("*.yaml"))


def find_named_file(text: str, kind: str, option: str, what: str) -> Path:
    """A path as given (a .yaml/.yml name or an existing file), else the shipped file named
    ``text``; otherwise an error on ``option`` suggesting the closest shipped names."""
    if not text.strip():
        raise InputError(option, None, f"no {what} given (empty name)")
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path_exists(path):
        return path
    shipped = data_dir(kind) / f"{text}.yaml"
    if "/" not in text and path_exists(shipped):
        return shipped
    names = shipped_names(kind)
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"shipped: {', '.join(names)}"
    raise InputError(option, None, f"unknown {what} {one_line_text(text, 80)!r} and no such file; {hint}")
