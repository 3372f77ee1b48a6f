"""A network description (a mapping: explicit layers or a family) validated and built into
its graph. Every reader (YAML, ONNX, SCALE-Sim topologies) ends here."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import InputError, describe_pydantic_error, one_line_text
from ..yamlfile import check_plain_data
from . import ops
from .families import expand_squeezenext
from .graph import Network, build_network
from .netfile import NetworkFile, SqueezeNextFamily

FAMILIES = {"squeezenext": (SqueezeNextFamily, expand_squeezenext)}


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
