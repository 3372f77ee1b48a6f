"""The op registry: every layer kind a network file, the importer and the exporter know.

Each family module lists its ops in ``SPECS``; this registry is the one list everything
else derives from (the network-file schema, shape inference, the exporter's writers).
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from . import conv, elementwise, matmul, merge, movement, normalize, pool, source
from .base import LayerEntry, OpSpec, ShapeError

FAMILIES = (conv, pool, merge, elementwise, normalize, matmul, movement, source)
REGISTRY: dict[str, OpSpec] = {spec.name: spec for family in FAMILIES for spec in family.SPECS}


def spec(name: str) -> OpSpec:
    return REGISTRY[name]


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def _entry_union():
    entries = tuple(dict.fromkeys(spec.entry for spec in REGISTRY.values()))
    return Annotated[Union[entries], Field(discriminator="op")]  # type: ignore[valid-type]


LayerEntryUnion = _entry_union()

__all__ = ["REGISTRY", "LayerEntry", "LayerEntryUnion", "OpSpec", "ShapeError", "names", "spec"]
