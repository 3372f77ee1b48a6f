"""Normalization and reductions on the vector unit.

softmax and layernorm keep the shape and cost their function's operations per element (the
per-row reciprocal or square root is not counted: one per row against hundreds of elements);
a reduction costs one operation per element read and writes the reduced tensor.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from .base import Axis, LayerEntry, OpSpec, ShapeError, normalize_axis, same_shape_fields

REDUCE = {"reduce_mean": "add", "reduce_sum": "add", "reduce_max": "max"}
ONNX_REDUCE = {"reduce_mean": "ReduceMean", "reduce_sum": "ReduceSum", "reduce_max": "ReduceMax"}


class SoftmaxEntry(LayerEntry):
    op: Literal["softmax", "layernorm"] = Field(
        description="softmax along an axis, or layernorm over an axis and every later one, on the vector unit.")
    axis: Axis = Field(-1, description="The axis, per sample (negative: from the end; default -1, the last); "
                                       "layernorm normalizes over this axis and every later one.")


class ReduceEntry(LayerEntry):
    op: Literal[tuple(REDUCE)] = Field(  # type: ignore[valid-type]
        description="A reduction (mean, sum or max) over axes, on the vector unit: one operation per element read.")
    axes: list[Axis] = Field(min_length=1, max_length=8, description="The axes reduced, per sample (negative: from "
                                                                     "the end), each at most once.")
    keepdims: bool = Field(True, description="Keep the reduced axes with size 1 (default true); false drops them.")


def infer_normalize(entry: SoftmaxEntry, producers, names) -> dict:
    x = producers[0]
    axis = normalize_axis(entry.axis, len(x.dims))
    return dict(kind="vector", function=entry.op, vector_elements=x.n * math.prod(x.dims), params=(("axis", axis),),
                **same_shape_fields(x.dims, x.n))


def infer_reduce(entry: ReduceEntry, producers, names) -> dict:
    x = producers[0]
    axes = {normalize_axis(a, len(x.dims), "axes") for a in entry.axes}
    if len(axes) != len(entry.axes):
        raise ShapeError("names an axis twice", "axes")
    dims = tuple(1 if i in axes else d for i, d in enumerate(x.dims)) if entry.keepdims else \
        tuple(d for i, d in enumerate(x.dims) if i not in axes) or (1,)
    fields = same_shape_fields(dims, x.n)
    return dict(kind="vector", function=REDUCE[entry.op], vector_elements=x.n * math.prod(x.dims),
                params=(("axes", tuple(sorted(axes))), ("keepdims", entry.keepdims)), **fields)


def write_normalize(b, layer) -> None:
    x = b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))
    axis = layer.param("axis")
    if layer.op == "softmax":
        b.node("Softmax", [x], layer, axis=axis + 1)
    else:
        scale = b.ones(f"{layer.name}.scale", layer.dims[axis:])
        b.node("LayerNormalization", [x, scale], layer, axis=axis + 1)


def write_reduce(b, layer) -> None:
    x = b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))
    axes = [a + 1 for a in layer.param("axes")]
    keep = int(layer.param("keepdims"))
    # ReduceSum takes its axes as an input from opset 13, the others from opset 18.
    if layer.op == "reduce_sum" or b.opset >= 18:
        b.node(ONNX_REDUCE[layer.op], [x, b.ints(f"{layer.name}.axes", axes)], layer, keepdims=keep)
    else:
        b.node(ONNX_REDUCE[layer.op], [x], layer, axes=axes, keepdims=keep)


SPECS = (
    OpSpec("softmax", SoftmaxEntry, infer_normalize, write_onnx=write_normalize, summary="softmax along an axis"),
    OpSpec("layernorm", SoftmaxEntry, infer_normalize, write_onnx=write_normalize,
           summary="layer normalization over an axis and the ones after it"),
    *(OpSpec(name, ReduceEntry, infer_reduce, write_onnx=write_reduce, summary=f"{name.replace('_', ' ')} over axes")
      for name in REDUCE),
)


# --- ONNX readers ---------------------------------------------------------------------------


def read_softmax(t, node, name: str):
    x = t.laid_out(t.data(node, 0))
    axis = t.axis(x, t.attrs(node).get("axis", -1))
    t.emit(node, name, {"op": "softmax", "axis": axis}, [x])


def read_layernorm(t, node, name: str):
    x = t.laid_out(t.data(node, 0))
    axis = t.axis(x, t.attrs(node).get("axis", -1))
    t.emit(node, name, {"op": "layernorm", "axis": axis}, [x])


def _read_reduce(op: str):
    def read(t, node, name: str):
        from .pool import read_global  # noqa: PLC0415

        x = t.data(node, 0)
        attrs = t.attrs(node)
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            value = t.value(node.input[1])
            if value is None:
                return False  # axes computed at run time and not foldable: unmodelled
            axes = [int(a) for a in value.reshape(-1)]
        dims = t.shapes.get(x) or []
        if axes is None:
            if attrs.get("noop_with_empty_axes", 0):
                t.alias(node, x)
                return None
            axes = list(range(len(dims)))
        axes = sorted({a % len(dims) for a in axes}) if dims else axes
        if op in ("reduce_mean", "reduce_max") and len(dims) == 4 and axes == [2, 3] and t.tensors[x].offset == 1:
            return read_global("avgpool" if op == "reduce_mean" else "maxpool")(t, node, name)
        x = t.laid_out(x)
        per_sample = [t.axis(x, a) for a in axes]
        t.emit(node, name, {"op": op, "axes": per_sample, "keepdims": bool(attrs.get("keepdims", 1))}, [x])
        return None

    return read


ONNX_READERS = {"Softmax": read_softmax, "LayerNormalization": read_layernorm,
                **{onnx_op: _read_reduce(name) for name, onnx_op in ONNX_REDUCE.items()}}
