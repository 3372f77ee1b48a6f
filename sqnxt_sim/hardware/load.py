"""Find a hardware file by path or by the name of a shipped config (``32pe_os``)."""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import InputError, one_line_text
from ..paths import data_dir
from ..yamlfile import path_exists
from .config import Hardware, load_hardware


def shipped_configs() -> list[str]:
    return sorted(path.stem for path in data_dir("hwconfigs").glob("*.yaml"))


def resolve_hardware(name_or_path: str | Path) -> Hardware:
    text = str(name_or_path)
    if not text.strip():
        raise InputError("--hw", None, "no hardware config given (empty name)")
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path_exists(path):
        return load_hardware(path)
    shipped = data_dir("hwconfigs") / f"{text}.yaml"
    if "/" not in text and path_exists(shipped):
        return load_hardware(shipped)
    names = shipped_configs()
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"shipped configs: {', '.join(names)}"
    raise InputError("--hw", None, f"unknown hardware config {one_line_text(text, 80)!r} and no such file; {hint}")
