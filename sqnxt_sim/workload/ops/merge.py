"""Joining activations: add (the residual sum, same shapes) and concat (along any axis; a view
when the parts are contiguous blocks of the result, which producers then write in place)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from .base import Axis, LayerEntry, OpSpec, ShapeError, dims_text, normalize_axis, same_batch, same_shape_fields


class AddEntry(LayerEntry):
    op: Literal["add"] = Field(description="add: element-wise sum on the vector unit: a residual shortcut, "
                                           "broadcast inputs, or one input plus a constant.")
    constant: bool = Field(False, description="true: one input plus a constant operand (a bias, a position "
                                              "embedding, an epsilon); false (default): at least two inputs.")


class ConcatEntry(LayerEntry):
    op: Literal["concat"] = Field(description="concat: concatenation of at least two inputs along an axis (a view "
                                              "when its parts are contiguous blocks, else a copy).")
    axis: Axis = Field(0, description="The axis, per sample (negative: from the end); default 0, the channels of "
                                      "an image.")


def infer_add(entry: AddEntry, producers, names) -> dict:
    """Same-shaped inputs (a residual sum), inputs that broadcast, or one input and a constant
    operand (a position embedding, an epsilon)."""
    from .elementwise import broadcast  # noqa: PLC0415

    first = producers[0]
    n = same_batch(producers)
    if entry.constant != (len(producers) == 1):
        raise ShapeError(f"add takes one input with constant: true, else at least two inputs; got {len(producers)}"
                         if entry.constant else "add needs at least two inputs (or one and constant: true), got 1",
                         "inputs")
    if len(producers) == 1:
        return dict(kind="vector", function="add", vector_elements=n * math.prod(first.dims), params=(("constant", True),),
                    **same_shape_fields(first.dims, n))
    if any(other.dims != first.dims for other in producers[1:]):
        try:
            dims = broadcast(producers, names)
        except ShapeError:
            dims = None
        if dims is not None:
            return dict(kind="vector", function="add", vector_elements=n * math.prod(dims) * (len(producers) - 1),
                        **same_shape_fields(dims, n))
    for other, name in zip(producers[1:], names[1:]):
        if other.dims != first.dims:
            if len(first.dims) == len(other.dims) == 3 and first.dims[1:] == other.dims[1:]:
                raise ShapeError(f"channel mismatch at add: '{names[0]}' has {first.dims[0]} channels, "
                                 f"'{name}' has {other.dims[0]}", "inputs")
            raise ShapeError(f"size mismatch at add: '{names[0]}' is {dims_text(first.dims[1:] if len(first.dims) == 3 else first.dims)}, "
                             f"'{name}' is {dims_text(other.dims[1:] if len(other.dims) == 3 else other.dims)}", "inputs")
    fields = same_shape_fields(first.dims, n)
    return dict(kind="vector", function="add", vector_elements=n * math.prod(first.dims) * (len(producers) - 1), **fields)


def infer_concat(entry: ConcatEntry, producers, names) -> dict:
    first = producers[0]
    n = same_batch(producers)
    rank = len(first.dims)
    axis = normalize_axis(entry.axis, rank)
    for other, name in zip(producers[1:], names[1:]):
        if len(other.dims) != rank or any(a != b for i, (a, b) in enumerate(zip(first.dims, other.dims)) if i != axis):
            if rank == 3 and len(other.dims) == 3 and axis == 0:
                raise ShapeError(f"size mismatch at concat: '{names[0]}' is {dims_text(first.dims[1:])}, "
                                 f"'{name}' is {dims_text(other.dims[1:])}", "inputs")
            raise ShapeError(f"shape mismatch at concat along axis {entry.axis}: '{names[0]}' is {dims_text(first.dims)}, "
                             f"'{name}' is {dims_text(other.dims)}", "inputs")
    dims = tuple(sum(p.dims[axis] for p in producers) if i == axis else d for i, d in enumerate(first.dims))
    fields = same_shape_fields(dims, n)
    # Contiguous blocks (every axis before ``axis`` of size 1): the producers write in place.
    if all(d == 1 for d in dims[:axis]):
        return dict(kind="view", **fields)
    return dict(kind="vector", function="copy", vector_elements=n * math.prod(dims), **fields)


def write_add(b, layer) -> None:
    inputs = [b.input(name, b.layer_dims(name)) for name in layer.inputs]
    if layer.param("constant"):  # a scalar stands for the constant operand (its value costs nothing)
        inputs.append(b.scalar(f"{layer.name}.operand", 1.0))
    b.node("Add" if len(inputs) == 2 else "Sum", inputs, layer)


def write_concat(b, layer) -> None:
    rank = len(layer.dims)
    inputs = [b.input(name, b.layer_dims(name)) for name in layer.inputs]
    axis = next((i for i in range(rank) if any(b.layer_dims(n)[i] != layer.dims[i] for n in layer.inputs)), 0)
    b.node("Concat", inputs, layer, axis=axis + 1)


SPECS = (
    OpSpec("add", AddEntry, infer_add, min_inputs=1, max_inputs=None, write_onnx=write_add,
           summary="element-wise sum: a residual shortcut, broadcast inputs, or one input plus a constant"),
    OpSpec("concat", ConcatEntry, infer_concat, min_inputs=2, max_inputs=None, write_onnx=write_concat,
           summary="concatenation along an axis (a view when its parts are contiguous blocks)"),
)


# --- ONNX readers ---------------------------------------------------------------------------


def read_add(t, node, name: str):
    from .conv import fold_bias  # noqa: PLC0415
    from .elementwise import read_binary  # noqa: PLC0415

    data, static = t.data_inputs(node), t.static_inputs(node)
    if len(data) == 1 and len(static) == 1 and fold_bias(t, data[0], static[0]):
        t.alias(node, data[0])
        return None
    if len(data) == 2 and _same_shape(t, data):
        return read_sum(t, node, name)
    return read_binary(t, node, name, "add")


def _same_shape(t, tensors) -> bool:
    shapes = {tuple(t.shapes.get(x) or ()) for x in tensors}
    return len(shapes) == 1 and () not in shapes and all(isinstance(d, int) for d in next(iter(shapes)))


def read_sum(t, node, name: str):
    inputs = [x for x in node.input if x]
    if any(not t.is_data(x) for x in inputs) or not _same_shape(t, inputs):
        return False  # broadcasting several tensors: unmodelled
    if len(inputs) == 1:
        t.alias(node, inputs[0])
        return None
    offset = t.offsets_for(inputs)
    checked = [t.laid_out(t.data(node, i), offset) for i, x in enumerate(node.input) if x]
    t.emit(node, name, {"op": "add"}, checked, offset=offset)
    return None


def read_concat(t, node, name: str):
    from ..onnx.padding import NodeError  # noqa: PLC0415

    inputs = [x for x in node.input if x]
    data = [x for x in inputs if t.is_data(x)]
    if len(inputs) == 1:
        t.alias(node, inputs[0])
        return None
    offset = t.offsets_for(data)
    onnx_axis = t.attrs(node).get("axis", 1)
    axis = t.axis(data[0], onnx_axis, offset)
    parts = [t.laid_out(t.data(node, i), offset) if t.is_data(x) else x for i, x in enumerate(node.input) if x]
    if len(data) == len(parts):
        t.emit(node, name, {"op": "concat", "axis": axis}, parts, offset=offset)
        return None
    # Constant parts (a class token): the activation is copied into a larger tensor.
    if len(data) != 1:
        raise NodeError("a concat of several activations and constants is not modelled")
    sizes = [(t.shapes.get(x) or [None] * (axis + offset + 1))[axis + offset] for x in parts]
    if any(not isinstance(s, int) for s in sizes):
        raise NodeError("the sizes of the constant parts cannot be inferred")
    where = parts.index(data[0])
    rank = len(t.layer_dims[t.tensors[data[0]].layer])
    before = [0] * rank
    after = [0] * rank
    before[axis], after[axis] = sum(sizes[:where]), sum(sizes[where + 1:])
    constants = ", ".join(repr(x) for x in parts if x != data[0])
    t.emit(node, name, {"op": "pad", "before": before, "after": after}, [data[0]], offset=offset,
           note=f"constant parts {constants} written around the activation")
    return None


ONNX_READERS = {"Add": read_add, "Sum": read_sum, "Concat": read_concat}
