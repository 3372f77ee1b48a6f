"""Load a network by zoo name or path: YAML (explicit or family), ONNX or a SCALE-Sim topology."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from ..paths import find_named_file, shipped_names
from ..yamlfile import read_yaml_mapping
from .build import network_from_dict
from .graph import Network

__all__ = ["load_network", "network_from_dict", "zoo_names"]


def zoo_names() -> list[str]:
    return shipped_names("networks")


def load_network(name_or_path: str | Path, batch: int | None = None) -> Network:
    """A zoo name (``sqnxt23_v1``) or a path to a ``.yaml``/``.yml``/``.onnx`` file, or a
    SCALE-Sim topology ``.csv`` (:mod:`sqnxt_sim.workload.topology`).

    ``batch`` overrides the batch size the file gives (YAML ``input.batch``, the ONNX input's
    first dimension).
    """
    text = str(name_or_path)
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= 1_000_000):
        raise InputError("--batch", None, f"must be an integer from 1 to 1,000,000, got {batch!r}")
    if Path(text).suffix.lower() == ".onnx":
        from .onnx.read import load_onnx  # optional extra; imported only when asked for

        return load_onnx(Path(text), batch=batch)
    if Path(text).suffix.lower() == ".csv":
        from .topology import read_topology  # noqa: PLC0415

        if batch not in (None, 1):
            raise InputError("--batch", None, "SCALE-Sim topologies have no batch: only 1")
        path = Path(text)
        if not path.is_file():
            raise InputError(text, None, "no such file" if not path.exists() else "not a file")
        return network_from_dict(read_topology(path), text)
    path = find_named_file(text, "networks", "--net", "network")
    return network_from_dict(_with_batch(read_yaml_mapping(path), batch), str(path))


def _with_batch(data: dict[str, Any], batch: int | None) -> dict[str, Any]:
    if batch is None or not isinstance(data.get("input"), dict):
        return data  # a malformed input section is reported by the validation that follows
    return {**data, "input": {**data["input"], "batch": batch}}
