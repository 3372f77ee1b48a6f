"""The dataflow registry: every value of a config's ``dataflow`` (and every candidate of
``best``) comes from here. Adding a dataflow is one module implementing
base.DataflowModel plus one line below (docs/model.md, "Adding a dataflow")."""

from __future__ import annotations

from .base import DataflowModel
from .gemm import IS, OS, WS
from .rs import RS

REGISTRY: dict[str, DataflowModel] = {model.name: model for model in (OS, WS, IS, RS)}

BEST = "best"  # per layer, the candidate with the fewest cycles (ties: least energy)


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def choices() -> tuple[str, ...]:
    """Values a config's ``dataflow`` may take."""
    return names() + (BEST,)


def code(name: str) -> int:
    """Integer code of a dataflow in the engine's arrays (``best`` is one past the last)."""
    return len(REGISTRY) if name == BEST else names().index(name)


def model(name: str) -> DataflowModel:
    return REGISTRY[name]
