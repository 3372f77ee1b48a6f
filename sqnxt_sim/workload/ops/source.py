"""A further network input (``tensor``): an activation that starts in DRAM, as the network
input does, with no producer. Networks with several inputs (SCALE-Sim topologies, whose
layers each read their own input; ONNX models with several graph inputs) use it."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from .base import MAX_RANK, Dims, LayerEntry, OpSpec, PositiveInt, same_shape_fields


class TensorEntry(LayerEntry):
    op: Literal["tensor"] = Field(description="tensor: a further network input that starts in DRAM; no inputs.")
    shape: Dims = Field(description=f"The tensor's sizes per sample (1 to {MAX_RANK} axes).")
    batch: PositiveInt = Field(1, description="Samples (default 1).")

    @model_validator(mode="after")
    def _no_inputs(self) -> "TensorEntry":
        if self.inputs:
            raise ValueError("a tensor is a network input: it takes no inputs")
        return self


def infer_tensor(entry: TensorEntry, producers, names) -> dict:
    if math.prod(entry.shape) * entry.batch > 10**11:
        from .base import ShapeError  # noqa: PLC0415

        raise ShapeError("too large: more than 100,000,000,000 elements", "shape")
    return dict(kind="source", **same_shape_fields(tuple(entry.shape), entry.batch))


def write_tensor(b, layer) -> None:
    b.graph_input(layer)


SPECS = (OpSpec("tensor", TensorEntry, infer_tensor, min_inputs=0, max_inputs=0, write_onnx=write_tensor,
                summary="a further network input: a tensor that starts in DRAM"),)
