"""Find a hardware file by path or by the name of a shipped config (``32pe_os``)."""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import InputError
from ..paths import data_dir
from .config import Hardware, load_hardware


def shipped_configs() -> list[str]:
    return sorted(path.stem for path in data_dir("hwconfigs").glob("*.yaml"))


def resolve_hardware(name_or_path: str | Path) -> Hardware:
    text = str(name_or_path)
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        return load_hardware(path)
    shipped = data_dir("hwconfigs") / f"{text}.yaml"
    if shipped.is_file():
        return load_hardware(shipped)
    names = shipped_configs()
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"shipped configs: {', '.join(names)}"
    raise InputError("--hw", None, f"unknown hardware config '{text}' and no such file; {hint}")
