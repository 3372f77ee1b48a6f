"""Constant folding: the values exporters compute from constants and from static shapes.

Unoptimized exports carry whole subgraphs that compute a Reshape target, pooling axes or a
conv bias from ``Shape``, ``Gather``, ``Concat``, ``CastLike``... at run time. Their values
are known before any data flows: this pass evaluates them with numpy (a small, exact
interpreter for the operators such subgraphs use), so the translation sees constants and
ONNX's shape inference can be re-run with them as initializers.

A tensor is *static* when every input of the node that makes it is static (or it is the
output of ``Shape``/``Size``, which read only a shape). Its *value* is known when the
interpreter covers the op and the inputs' values are known (large weights are never read:
their values stay unknown, their shapes are enough).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

MAX_FOLDED_ELEMENTS = 1 << 16  # a folded value is metadata (shapes, axes, scalars), never a weight


def attribute_values(node) -> dict[str, Any]:
    from onnx import helper  # noqa: PLC0415

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def constant_value(node):
    """The value of a Constant node in any of its attribute forms, or None (sparse, strings)."""
    from onnx import numpy_helper  # noqa: PLC0415

    attrs = attribute_values(node)
    if "value" in attrs:
        try:
            return numpy_helper.to_array(attrs["value"]) if not attrs["value"].data_location else None
        except Exception:  # noqa: BLE001 - an unreadable constant is simply unknown
            return None
    for key, dtype in (("value_float", np.float32), ("value_floats", np.float32), ("value_int", np.int64),
                       ("value_ints", np.int64)):
        if key in attrs:
            return np.array(attrs[key], dtype=dtype)
    return None


def _axes(node, values, position: int = 1):
    attrs = attribute_values(node)
    if "axes" in attrs:
        return [int(a) for a in attrs["axes"]]
    if len(node.input) > position and node.input[position]:
        value = values.get(node.input[position])
        return None if value is None else [int(a) for a in np.reshape(value, -1)]
    return []


def _slice(node, values, data):
    attrs = attribute_values(node)
    if "starts" in attrs:  # opset < 10
        starts, ends, axes, steps = attrs["starts"], attrs["ends"], attrs.get("axes"), None
    else:
        get = lambda i: None if len(node.input) <= i or not node.input[i] else values.get(node.input[i])  # noqa: E731
        starts, ends, axes, steps = get(1), get(2), get(3), get(4)
        if starts is None or ends is None or (len(node.input) > 3 and node.input[3] and axes is None):
            return None
    axes = list(range(len(starts))) if axes is None else list(np.reshape(axes, -1))
    steps = [1] * len(axes) if steps is None else list(np.reshape(steps, -1))
    index = [slice(None)] * data.ndim
    for axis, start, end, step in zip(axes, np.reshape(starts, -1), np.reshape(ends, -1), steps):
        index[int(axis)] = slice(int(max(min(start, 2**62), -2**62)), int(max(min(end, 2**62), -2**62)), int(step))
    return data[tuple(index)]


def _unsqueeze(node, values, data, *axes_input):
    axes = _axes(node, values)
    if axes is None:
        return None
    out = data
    for axis in sorted(a % (data.ndim + len(axes)) for a in axes):
        out = np.expand_dims(out, axis)
    return out


def _squeeze(node, values, data, *axes_input):
    axes = _axes(node, values)
    if axes is None:
        return None
    return np.squeeze(data, axis=tuple(axes)) if axes else np.squeeze(data)


def _binary(function: Callable) -> Callable:
    return lambda node, values, a, b: function(a, b)


def _cast(node, values, data):
    from onnx import helper  # noqa: PLC0415

    return data.astype(helper.tensor_dtype_to_np_dtype(attribute_values(node)["to"]))


# op -> evaluator(node, values, *input values) -> value (None: cannot fold)
EVALUATORS: dict[str, Callable[..., Any]] = {
    "Identity": lambda node, values, x: x,
    "Cast": _cast,
    "CastLike": lambda node, values, x, like: x.astype(like.dtype),
    "Gather": lambda node, values, x, i: np.take(x, i, axis=attribute_values(node).get("axis", 0)),
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": lambda node, values, *xs: np.concatenate([np.atleast_1d(x) for x in xs], axis=attribute_values(node)["axis"]),
    "Reshape": lambda node, values, x, shape: np.reshape(x, [d if d != 0 else x.shape[i] for i, d in enumerate(shape)]),
    "Expand": lambda node, values, x, shape: x * np.ones([int(d) for d in shape], dtype=x.dtype),
    "Slice": lambda node, values, x, *rest: _slice(node, values, x),
    "ConstantOfShape": lambda node, values, shape: np.full([int(d) for d in shape], constant_value(node).reshape(-1)[0]
                                                          if constant_value(node) is not None else 0.0,
                                                          dtype=constant_value(node).dtype if constant_value(node) is not None
                                                          else np.float32),
    "Range": lambda node, values, start, limit, delta: np.arange(start, limit, delta),
    "Add": _binary(np.add), "Sub": _binary(np.subtract), "Mul": _binary(np.multiply),
    "Div": lambda node, values, a, b: (a // b) if np.issubdtype(a.dtype, np.integer) else a / b,
    "Mod": _binary(np.mod), "Pow": _binary(np.power), "Equal": _binary(np.equal), "Less": _binary(np.less),
    "Greater": _binary(np.greater), "And": _binary(np.logical_and), "Or": _binary(np.logical_or),
    "Min": lambda node, values, *xs: np.minimum.reduce(xs), "Max": lambda node, values, *xs: np.maximum.reduce(xs),
    "Where": lambda node, values, c, a, b: np.where(c, a, b),
    "Neg": lambda node, values, x: -x, "Abs": lambda node, values, x: np.abs(x), "Sqrt": lambda node, values, x: np.sqrt(x),
    "Not": lambda node, values, x: np.logical_not(x), "Floor": lambda node, values, x: np.floor(x),
    "Ceil": lambda node, values, x: np.ceil(x), "Reciprocal": lambda node, values, x: 1 / x,
    "ReduceProd": lambda node, values, x, *rest: np.prod(x, keepdims=bool(attribute_values(node).get("keepdims", 1))),
    "Transpose": lambda node, values, x: np.transpose(x, attribute_values(node).get("perm")),
    "Tile": lambda node, values, x, reps: np.tile(x, [int(r) for r in reps]),
}


def shape_value(node, dims) -> np.ndarray | None:
    """``Shape`` (with start/end) or ``Size`` of a tensor whose dims are all known."""
    if dims is None or any(not isinstance(d, int) for d in dims):
        return None
    if node.op_type == "Size":
        return np.array(math.prod(dims), dtype=np.int64)
    attrs = attribute_values(node)
    return np.array(dims[attrs.get("start", 0): attrs.get("end", len(dims))], dtype=np.int64)


def evaluate(node, values: dict[str, np.ndarray]):
    """The folded outputs of ``node`` ({tensor: value}), empty when it cannot be folded."""
    evaluator = EVALUATORS.get(node.op_type)
    inputs = [values.get(t) if t else None for t in node.input]
    if evaluator is None or any(v is None for t, v in zip(node.input, inputs) if t):
        return {}
    try:
        with np.errstate(all="ignore"):
            out = evaluator(node, values, *[v for t, v in zip(node.input, inputs) if t])
    except Exception:  # noqa: BLE001 - an op the interpreter cannot evaluate stays unknown
        return {}
    if out is None or np.size(out) > MAX_FOLDED_ELEMENTS:
        return {}
    return {node.output[0]: np.asarray(out)}
