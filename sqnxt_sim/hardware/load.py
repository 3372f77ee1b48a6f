"""Find a hardware file by path or by the name of a shipped config (``32pe_os``)."""

from __future__ import annotations

from pathlib import Path

from ..paths import find_named_file, shipped_names
from .config import Hardware, load_hardware


def shipped_configs() -> list[str]:
    return shipped_names("hwconfigs")


def resolve_hardware(name_or_path: str | Path) -> Hardware:
    """A validated Hardware from a shipped config's name (``"32pe_os"``) or a YAML path;
    an unknown name raises InputError naming the closest shipped ones."""
    return load_hardware(hardware_file(name_or_path))


def hardware_file(name_or_path: str | Path) -> Path:
    """The file a --hw argument names: a path as given, or the shipped config of that name."""
    return find_named_file(str(name_or_path), "hwconfigs", "--hw", "hardware config")
