"""Load a network by zoo name or path: YAML (explicit or family) or ONNX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InputError, describe_pydantic_error, one_line_text
from ..paths import find_named_file, shipped_names
from ..yamlfile import check_plain_data, read_yaml_mapping
from . import ops
from .families import expand_squeezenext
from .graph import Network, build_network
from .netfile import NetworkFile, SqueezeNextFamily

FAMILIES = {"squeezenext": (SqueezeNextFamily, expand_squeezenext)}


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


def network_from_dict(data: dict[str, Any], source: str = "<dict>") -> Network:
    """Validate a network description (explicit or family form) and build its graph."""
    if not isinstance(data, dict):
        raise InputError(source, None, "top level must be a mapping of keys")
    check_plain_data(data, source)
    family = data.get("family")
    if family is None:
        return build_network(_validate(NetworkFile, data, source), source)
    if not isinstance(family, str) or family not in FAMILIES:
        shown = one_line_text(repr(family), 40)
        raise InputError(source, "family", f"unknown family {shown}; known: {', '.join(FAMILIES)}")
    model, expand = FAMILIES[family]
    explicit = expand(_validate(model, data, source))
    try:
        return build_network(_validate(NetworkFile, explicit, source), source)
    except InputError as error:
        # The user did not write these layers: say they come from the family expansion.
        field = f"{error.field} (expanded from family {family})" if error.field else f"family {family}"
        raise InputError(error.source, field, error.problem) from None


def _validate(model, data: dict[str, Any], source: str):
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _name_layer(describe_pydantic_error(source, error), data) from None


def _name_layer(error: InputError, data: dict[str, Any]) -> InputError:
    """Add the layer's name to ``layers[3].kernel`` so users find it without counting."""
    field = error.field or ""
    if field.startswith("layers[") and isinstance(data.get("layers"), list):
        index_text, _, rest = field[len("layers["):].partition("]")
        layers = data["layers"]
        if index_text.isdigit() and int(index_text) < len(layers):
            # Drop the discriminator tag pydantic puts in the path (layers[3].conv.kernel).
            parts = rest.lstrip(".").split(".", 1)
            if parts[0] in ops.names():
                rest = "." + parts[1] if len(parts) > 1 else ""
            layer = layers[int(index_text)]
            name = layer.get("name") if isinstance(layer, dict) else None
            label = f"layers[{index_text}] '{name}'" if isinstance(name, str) else f"layers[{index_text}]"
            return InputError(error.source, label + rest, error.problem)
    return error
