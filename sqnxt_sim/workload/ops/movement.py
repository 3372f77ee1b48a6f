"""Data movement: what a layout change costs.

* ``reshape``: a view (row-major data reinterpreted): free.
* ``slice``: a view when the part is one contiguous block of each sample (every axis before
  the sliced one has size 1: channels of an image, a range of tokens); otherwise a copy.
* ``transpose``, ``gather``, ``expand``, ``pad``: copies. A copy is one vector-unit operation per
  element written (the function ``copy``): the output is read back from the buffer by its
  readers as any activation is.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from .base import Axis, Dims, LayerEntry, MAX_RANK, NonNegativeInt, OpSpec, PositiveInt, ShapeError, dims_text, normalize_axis, same_shape_fields


class TransposeEntry(LayerEntry):
    op: Literal["transpose"] = Field(description="transpose: permute the axes (a copy; a view when it moves only "
                                                 "axes of size 1).")
    perm: list[Annotated[int, Field(ge=0, lt=MAX_RANK, strict=True)]] = Field(
        min_length=1, max_length=MAX_RANK,
        description="The input axis of each output axis, per sample: a permutation of 0 .. rank - 1.")


class ReshapeEntry(LayerEntry):
    op: Literal["reshape"] = Field(description="reshape: reinterpret the shape (a view, free).")
    shape: list[int] = Field(min_length=1, max_length=MAX_RANK,
                             description="The new sizes per sample, positive; one -1 is inferred.")


class SliceEntry(LayerEntry):
    op: Literal["slice"] = Field(description="slice: a range along one axis (a view when contiguous, else a copy).")
    axis: Axis = Field(description="The axis, per sample (negative: from the end).")
    start: NonNegativeInt = Field(0, description="First index taken (default 0).")
    end: PositiveInt = Field(description="End index, exclusive: after start and at most the axis size.")
    step: PositiveInt = Field(1, description="Step between the indices taken (default 1).")


class GatherEntry(LayerEntry):
    op: Literal["gather"] = Field(description="gather: take indices along an axis (a copy).")
    axis: Axis = Field(description="The axis, per sample (negative: from the end).")
    count: PositiveInt = Field(1, description="Indices taken along the axis (default 1).")
    keep_axis: bool = Field(False, description="true: the axis stays, with count entries; false (default): one "
                                               "index and the axis goes (x[:, 0] of the class token).")


class PadEntry(LayerEntry):
    op: Literal["pad"] = Field(description="pad: zeros (or a constant such as a class token) around a tensor (a "
                                           "copy).")
    before: list[NonNegativeInt] = Field(min_length=1, max_length=MAX_RANK,
                                         description="Elements added before the data, per sample: one per axis.")
    after: list[NonNegativeInt] = Field(min_length=1, max_length=MAX_RANK,
                                        description="Elements added after the data, per sample: one per axis.")


class ExpandEntry(LayerEntry):
    op: Literal["expand"] = Field(description="expand: broadcast to a larger shape (a copy).")
    shape: Dims = Field(description="The target sizes per sample (numpy broadcasting from the input).")


def _copy(dims, n, **params) -> dict:
    return dict(kind="vector", function="copy", vector_elements=n * math.prod(dims), params=tuple(params.items()),
                **same_shape_fields(tuple(dims), n))


def infer_transpose(entry: TransposeEntry, producers, names) -> dict:
    x = producers[0]
    if sorted(entry.perm) != list(range(len(x.dims))):
        raise ShapeError(f"must be a permutation of 0..{len(x.dims) - 1} for a {dims_text(x.dims)} input", "perm")
    dims = tuple(x.dims[i] for i in entry.perm)
    if [i for i in entry.perm if x.dims[i] != 1] == sorted(i for i in entry.perm if x.dims[i] != 1):
        return dict(kind="view", params=(("perm", tuple(entry.perm)),), **same_shape_fields(dims, x.n))  # moves only 1s
    return _copy(dims, x.n, perm=tuple(entry.perm))


def infer_reshape(entry: ReshapeEntry, producers, names) -> dict:
    x = producers[0]
    total = math.prod(x.dims)
    unknown = [i for i, d in enumerate(entry.shape) if d == -1]
    if len(unknown) > 1 or any(d == 0 or d < -1 for d in entry.shape):
        raise ShapeError("sizes must be positive, with at most one -1", "shape")
    known = math.prod(d for d in entry.shape if d != -1)
    dims = [total // known if d == -1 else d for d in entry.shape]
    if math.prod(dims) != total:
        raise ShapeError(f"{dims_text(tuple(entry.shape))} does not hold the {total:,} elements of {dims_text(x.dims)}",
                         "shape")
    return dict(kind="view", **same_shape_fields(tuple(dims), x.n))


def infer_slice(entry: SliceEntry, producers, names) -> dict:
    x = producers[0]
    axis = normalize_axis(entry.axis, len(x.dims))
    if not entry.start < entry.end <= x.dims[axis]:
        raise ShapeError(f"start {entry.start}, end {entry.end} do not fit axis {entry.axis} of size {x.dims[axis]}", "end")
    dims = tuple(-(-(entry.end - entry.start) // entry.step) if i == axis else d for i, d in enumerate(x.dims))
    params = dict(axis=axis, start=entry.start, end=entry.end, step=entry.step)
    if all(d == 1 for d in x.dims[:axis]) and (entry.step == 1 or dims[axis] == 1):
        return dict(kind="view", params=tuple(params.items()), **same_shape_fields(dims, x.n))
    return _copy(dims, x.n, **params)


def infer_gather(entry: GatherEntry, producers, names) -> dict:
    x = producers[0]
    axis = normalize_axis(entry.axis, len(x.dims))
    if entry.count > x.dims[axis] * 1_000:
        raise ShapeError(f"{entry.count:,} indices along an axis of {x.dims[axis]}", "count")
    if not entry.keep_axis and entry.count != 1:
        raise ShapeError("several indices keep the axis: set keep_axis: true", "keep_axis")
    dims = tuple(x.dims[:axis]) + ((entry.count,) if entry.keep_axis else ()) + tuple(x.dims[axis + 1:])
    return _copy(dims or (1,), x.n, axis=axis, count=entry.count, keep_axis=entry.keep_axis)


def infer_expand(entry: ExpandEntry, producers, names) -> dict:
    x = producers[0]
    target = tuple(entry.shape)
    padded = (1,) * (len(target) - len(x.dims)) + tuple(x.dims)
    if len(target) < len(x.dims) or any(d != t and d != 1 for d, t in zip(padded, target)):
        raise ShapeError(f"{dims_text(x.dims)} does not expand to {dims_text(target)}", "shape")
    return _copy(target, x.n)


def infer_pad(entry: PadEntry, producers, names) -> dict:
    x = producers[0]
    if len(entry.before) != len(x.dims) or len(entry.after) != len(x.dims):
        raise ShapeError(f"give one amount per axis of the {dims_text(x.dims)} input", "before")
    dims = tuple(d + b + a for d, b, a in zip(x.dims, entry.before, entry.after))
    return _copy(dims, x.n, before=tuple(entry.before), after=tuple(entry.after))


def write_pad(b, layer) -> None:
    x = b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))
    pads = [0, *layer.param("before"), 0, *layer.param("after")]
    b.node("Pad", [x, b.ints(f"{layer.name}.pads", pads)], layer)


def write_transpose(b, layer) -> None:
    b.node("Transpose", [b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))], layer,
           perm=[0, *(i + 1 for i in layer.param("perm"))])


def write_reshape(b, layer) -> None:
    x = b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))
    b.node("Reshape", [x, b.ints(f"{layer.name}.shape", [-1, *layer.dims])], layer)


def write_slice(b, layer) -> None:
    x = b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))
    axis, start, end, step = (layer.param(k) for k in ("axis", "start", "end", "step"))
    b.node("Slice", [x, b.ints(f"{layer.name}.starts", [start]), b.ints(f"{layer.name}.ends", [end]),
                     b.ints(f"{layer.name}.axes", [axis + 1]), b.ints(f"{layer.name}.steps", [step])], layer)


def write_gather(b, layer) -> None:
    x = b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))
    count, keep = layer.param("count"), layer.param("keep_axis")
    indices = b.ints(f"{layer.name}.indices", list(range(count)) if keep else 0)
    b.node("Gather", [x, indices], layer, axis=layer.param("axis") + 1)


def write_expand(b, layer) -> None:
    source = b.layer_dims(layer.inputs[0])
    x = b.input(layer.inputs[0], (1,) * (len(layer.dims) - len(source)) + tuple(source))  # equal ranks: the batch stays first
    b.node("Expand", [x, b.ints(f"{layer.name}.shape", [layer.n, *layer.dims])], layer)


SPECS = (
    OpSpec("transpose", TransposeEntry, infer_transpose, write_onnx=write_transpose, summary="permute axes (a copy)"),
    OpSpec("reshape", ReshapeEntry, infer_reshape, write_onnx=write_reshape, summary="reinterpret the shape (a view)"),
    OpSpec("slice", SliceEntry, infer_slice, write_onnx=write_slice,
           summary="a range along one axis (a view when contiguous, else a copy)"),
    OpSpec("gather", GatherEntry, infer_gather, write_onnx=write_gather, summary="take indices along an axis (a copy)"),
    OpSpec("pad", PadEntry, infer_pad, write_onnx=write_pad,
           summary="zeros (or a constant such as a class token) around a tensor (a copy)"),
    OpSpec("expand", ExpandEntry, infer_expand, write_onnx=write_expand, summary="broadcast to a larger shape (a copy)"),
)


# --- ONNX readers ---------------------------------------------------------------------------


def read_transpose(t, node, name: str):
    x = t.data(node, 0)
    rank = len(t.shapes.get(x) or ())
    perm = list(t.attrs(node).get("perm", list(reversed(range(rank)))))
    offset = t.tensors[x].offset
    if offset == 1 and perm[0] != 0:
        offset = 0  # the batch axis moves: read the tensor whole (batch 1 only)
    x = t.laid_out(x, offset)
    per_sample = [p - offset for p in perm[offset:]]
    t.emit(node, name, {"op": "transpose", "perm": per_sample}, [x], offset=offset)


def _slices(t, node):
    from ..onnx.padding import NodeError  # noqa: PLC0415

    get = lambda i: None if len(node.input) <= i or not node.input[i] else t.value(node.input[i])  # noqa: E731
    attrs = t.attrs(node)
    if "starts" in attrs:
        starts, ends, axes, steps = attrs["starts"], attrs["ends"], attrs.get("axes"), None
    else:
        starts, ends, axes, steps = get(1), get(2), get(3), get(4)
        if starts is None or ends is None or (len(node.input) > 3 and node.input[3] and axes is None):
            raise NodeError("slice bounds computed at run time are not modelled")
    starts, ends = list(np.reshape(starts, -1)), list(np.reshape(ends, -1))
    axes = list(range(len(starts))) if axes is None else list(np.reshape(axes, -1))
    steps = [1] * len(axes) if steps is None else list(np.reshape(steps, -1))
    return starts, ends, axes, steps


def read_slice(t, node, name: str):
    from ..onnx.padding import NodeError  # noqa: PLC0415

    x = t.data(node, 0)
    dims = t.shapes.get(x) or []
    current = t.laid_out(x)
    offset = t.tensors[x].offset
    pieces = []
    for start, end, axis, step in zip(*_slices(t, node)):
        axis = int(axis) % len(dims)
        size = dims[axis]
        if step < 1:
            raise NodeError("negative slice steps are not modelled")
        start = min(max(int(start) + size if start < 0 else int(start), 0), size)
        end = min(max(int(end) + size if end < 0 else int(end), 0), size)
        if (start, end, step) != (0, size, 1):
            pieces.append((t.axis(x, axis, offset), start, end, int(step)))
    if not pieces:
        t.alias(node, current)
        return None
    for index, (axis, start, end, step) in enumerate(pieces):
        last = index == len(pieces) - 1
        layer_name = name if last else t.fresh_name(f"{name}.axis{axis}")
        entry = {"op": "slice", "axis": axis, "start": start, "end": end, "step": step}
        if last:
            t.emit(node, layer_name, entry, [current])
        else:
            t.add_layer(layer_name, node.op_type, entry, [t.tensors[current].layer], stage=t.stage_of(node, name))
            current = _chain(t, layer_name, offset)
    return None


def _chain(t, layer: str, offset: int) -> str:
    from ..onnx.handlers import Tensor  # noqa: PLC0415

    tensor = f"{layer}:out"
    t.tensors[tensor] = Tensor("data", layer, offset, node=layer)
    t.shapes[tensor] = [t.batch] * offset + list(t.layer_dims[layer])
    return tensor


def read_split(t, node, name: str):
    from ..onnx.padding import NodeError  # noqa: PLC0415

    x = t.laid_out(t.data(node, 0))
    dims = t.shapes.get(x) or []
    attrs = t.attrs(node)
    onnx_axis = attrs.get("axis", 0) % len(dims)
    outputs = [o for o in node.output]
    sizes = attrs.get("split")
    if sizes is None and len(node.input) > 1 and node.input[1]:
        value = t.value(node.input[1])
        if value is None:
            raise NodeError("split sizes computed at run time are not modelled")
        sizes = [int(v) for v in value.reshape(-1)]
    if sizes is None:
        total = dims[onnx_axis]
        part = -(-total // len(outputs))
        sizes = [min(part, total - i * part) for i in range(len(outputs))]
    axis = t.axis(x, onnx_axis)
    start = 0
    for index, (output, size) in enumerate(zip(outputs, sizes)):
        if output:
            layer_name = name if index == 0 else t.fresh_name(f"{name}_{index}")
            t.emit(node, layer_name, {"op": "slice", "axis": axis, "start": start, "end": start + size}, [x], output=index)
        start += size
    return None


def read_split_to_sequence(t, node, name: str):
    """A sequence of parts (the dynamo exporter's torch.split): no layer until SequenceAt picks one."""
    from ..onnx.handlers import Tensor  # noqa: PLC0415

    x = t.data(node, 0)
    dims = t.shapes.get(x) or []
    attrs = t.attrs(node)
    onnx_axis = attrs.get("axis", 0) % len(dims)
    split = t.value(node.input[1]) if len(node.input) > 1 and node.input[1] else None
    total = dims[onnx_axis]
    if split is None and len(node.input) > 1 and node.input[1]:
        return False
    if split is None:
        if not attrs.get("keepdims", 1):
            return False  # parts without the axis: unmodelled
        sizes = [1] * total
    elif split.ndim == 0:
        sizes = [int(split)] * (total // int(split)) + ([total % int(split)] if total % int(split) else [])
    else:
        sizes = [int(v) for v in split.reshape(-1)]
    t.tensors[node.output[0]] = Tensor("sequence", t.tensors[x].layer, t.tensors[x].offset, node=name)
    t.sequences[node.output[0]] = (x, onnx_axis, sizes)
    return None


def read_sequence_at(t, node, name: str):
    from ..onnx.padding import NodeError  # noqa: PLC0415

    parts = t.sequences.get(node.input[0])
    index = t.value(node.input[1]) if len(node.input) > 1 else None
    if parts is None or index is None or index.size != 1:
        raise NodeError("only a constant position in a sequence made by SplitToSequence is modelled")
    x, onnx_axis, sizes = parts
    position = int(index.reshape(-1)[0]) % len(sizes)
    start = sum(sizes[:position])
    x = t.laid_out(x)
    t.emit(node, name, {"op": "slice", "axis": t.axis(x, onnx_axis), "start": start, "end": start + sizes[position]}, [x])
    return None


def read_gather(t, node, name: str):
    from ..onnx.handlers import read_view  # noqa: PLC0415

    x = t.data(node, 0)
    indices = t.value(node.input[1]) if len(node.input) > 1 else None
    dims = t.shapes.get(x) or []
    if indices is not None and len(dims) == 1 and np.array_equal(indices.reshape(-1), np.arange(dims[0])):
        return read_view(t, node, name)  # every element once, in order (torch's as_strided): a reshape
    if indices is None or indices.ndim > 1:
        return False  # indices computed at run time (an embedding lookup): unmodelled
    x = t.laid_out(x)
    axis = t.axis(x, t.attrs(node).get("axis", 0))
    keep = indices.ndim == 1
    t.emit(node, name, {"op": "gather", "axis": axis, "count": int(indices.size) if keep else 1, "keep_axis": keep}, [x])
    return None


def read_expand(t, node, name: str):
    x = t.data(node, 0)
    out = t.shapes.get(node.output[0])
    if out is None or any(not isinstance(d, int) for d in out):
        return False
    if list(out) == list(t.shapes.get(x) or []):
        t.alias(node, x)
        return None
    offset = t.tensors[x].offset
    same_rank = len(out) == len(t.shapes.get(x) or [])
    if offset == 1 and not (out[0] == t.batch and (same_rank or t.batch == 1)):
        offset = 0  # the expansion reaches the batch axis: read the tensor whole (batch 1 only)
    strip = lambda dims: tuple(dims)[next((i for i, d in enumerate(dims) if d != 1), len(dims)):]  # noqa: E731
    if offset != t.tensors[x].offset or strip(t.layer_dims[t.tensors[x].layer]) != strip(t.per_sample(x, offset)):
        x = t.laid_out(x, offset)  # leading 1s aside, expand broadcasts what it is given
    t.emit(node, name, {"op": "expand", "shape": list(out[offset:])}, [x], offset=offset)
    return None


ONNX_READERS = {"Transpose": read_transpose, "Slice": read_slice, "Split": read_split, "Gather": read_gather,
                "Expand": read_expand, "SplitToSequence": read_split_to_sequence, "SequenceAt": read_sequence_at}
