"""Element-wise operators on the vector unit: fused ReLU (free: applied as values leave the
array), unary functions, and binary operators that broadcast (numpy rules) or take a
constant second operand (one input: ``x * 0.5``, a learned scale)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from .base import LayerEntry, OpSpec, ShapeError, dims_text, same_batch, same_shape_fields

UNARY = ("sigmoid", "tanh", "hardsigmoid", "hardswish", "gelu", "erf", "exp", "sqrt", "reciprocal", "square", "abs")
BINARY = ("mul", "sub", "div", "pow", "max", "min")
ONNX_UNARY = {"sigmoid": "Sigmoid", "tanh": "Tanh", "hardsigmoid": "HardSigmoid", "hardswish": "HardSwish",
              "gelu": "Gelu", "erf": "Erf", "exp": "Exp", "sqrt": "Sqrt", "reciprocal": "Reciprocal", "abs": "Abs"}
ONNX_BINARY = {"mul": "Mul", "sub": "Sub", "div": "Div", "pow": "Pow", "max": "Max", "min": "Min"}


class ReluEntry(LayerEntry):
    op: Literal["relu"] = Field(description="relu: fused into its producer's write-back; free.")


class UnaryEntry(LayerEntry):
    op: Literal[UNARY] = Field(  # type: ignore[valid-type]
        description="An element-wise function on the vector unit, per element of its one input.")


class BinaryEntry(LayerEntry):
    op: Literal[BINARY] = Field(  # type: ignore[valid-type]
        description="An element-wise operator on the vector unit: of two inputs (broadcast, numpy rules) or of "
                    "one input and a constant.")
    constant: bool = Field(False, description="true: one input and a constant operand (x * 0.5, a learned scale); "
                                              "false (default): two inputs.")


def infer_relu(entry: ReluEntry, producers, names) -> dict:
    x = producers[0]
    return dict(kind="view", **same_shape_fields(x.dims, x.n))


def infer_unary(entry: UnaryEntry, producers, names) -> dict:
    x = producers[0]
    return dict(kind="vector", function=entry.op, vector_elements=x.n * math.prod(x.dims), **same_shape_fields(x.dims, x.n))


def broadcast(producers, names) -> tuple[int, ...]:
    """numpy broadcasting of the inputs' per-sample dims (aligned on the last axis)."""
    rank = max(len(p.dims) for p in producers)
    out = [1] * rank
    for layer, name in zip(producers, names):
        for i, d in enumerate((1,) * (rank - len(layer.dims)) + tuple(layer.dims)):
            if d != out[i] and 1 not in (d, out[i]):
                raise ShapeError(f"shapes do not broadcast: '{names[0]}' is {dims_text(producers[0].dims)}, "
                                 f"'{name}' is {dims_text(layer.dims)}", "inputs")
            out[i] = max(out[i], d)
    return tuple(out)


def infer_binary(entry: BinaryEntry, producers, names) -> dict:
    if entry.constant != (len(producers) == 1):
        raise ShapeError(f"{entry.op} takes one input with constant: true, else two inputs; got {len(producers)}", "inputs")
    n = same_batch(producers)
    dims = broadcast(producers, names)
    return dict(kind="vector", function=entry.op, vector_elements=n * math.prod(dims), params=(("constant", entry.constant),),
                **same_shape_fields(dims, n))


def write_relu(b, layer) -> None:
    b.node("Relu", [b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))], layer)


def write_unary(b, layer) -> None:
    x = b.input(layer.inputs[0], b.layer_dims(layer.inputs[0]))
    if layer.op == "square":
        b.node("Mul", [x, x], layer)
    else:
        b.node(ONNX_UNARY[layer.op], [x], layer)


def write_binary(b, layer) -> None:
    inputs = [b.input(name, b.layer_dims(name)) for name in layer.inputs]
    if layer.param("constant"):  # the constant operand: a scalar (its value does not change the cost)
        inputs.append(b.scalar(f"{layer.name}.operand", 2.0 if layer.op == "pow" else 1.0))
    b.node(ONNX_BINARY[layer.op], inputs, layer)


SPECS = (
    OpSpec("relu", ReluEntry, infer_relu, write_onnx=write_relu, summary="ReLU fused into its producer (free)"),
    *(OpSpec(name, UnaryEntry, infer_unary, write_onnx=write_unary, summary=f"element-wise {name}") for name in UNARY),
    *(OpSpec(name, BinaryEntry, infer_binary, max_inputs=2, write_onnx=write_binary,
             summary=f"element-wise {name} of two activations (broadcast) or with a constant") for name in BINARY),
)


# --- ONNX readers ---------------------------------------------------------------------------

_FROM_ONNX_UNARY = {onnx_op: name for name, onnx_op in ONNX_UNARY.items()}
_FROM_ONNX_BINARY = {onnx_op: name for name, onnx_op in ONNX_BINARY.items()}


def read_relu(t, node, name: str):
    x = t.laid_out(t.data(node, 0))
    t.emit(node, name, {"op": "relu"}, [x])


def read_clip(t, node, name: str):
    attrs = t.attrs(node)
    if "min" in attrs:  # opset < 11
        low = attrs["min"]
    elif len(node.input) > 1 and node.input[1]:
        value = t.value(node.input[1])
        low = None if value is None or value.size != 1 else float(value.reshape(-1)[0])
    else:
        low = None
    if low != 0:
        return False  # not a ReLU (ReLU6 clips at 0): unmodelled
    return read_relu(t, node, name)


def read_unary(t, node, name: str):
    x = t.laid_out(t.data(node, 0))
    t.emit(node, name, {"op": _FROM_ONNX_UNARY[node.op_type]}, [x])


def read_binary(t, node, name: str, op: str | None = None):
    """Two activations (broadcast), or an activation and a constant operand."""
    op = op or _FROM_ONNX_BINARY[node.op_type]
    data = t.data_inputs(node)
    if len(data) == 1:
        x = t.laid_out(t.data(node, list(node.input).index(data[0])))
        constant = next((c for c in node.input if c and c != data[0]), "")
        value = t.value(constant)
        scalar = value is not None and value.size == 1
        out_dims = t.shapes.get(node.output[0])
        if out_dims is not None and t.shapes.get(x) is not None and list(out_dims) != list(t.shapes[x]):
            return False  # the constant broadcasts the activation larger: unmodelled (listed)
        note = ""
        if op == "pow" and scalar and float(value.reshape(-1)[0]) in (2.0, 0.5):
            op = "square" if float(value.reshape(-1)[0]) == 2.0 else "sqrt"
        elif op == "div" and list(node.input).index(data[0]) == 0:
            op, note = "mul", "a division by a constant is a multiply by its reciprocal"
        t.emit(node, name, {"op": op, "constant": True} if op not in UNARY else {"op": op}, [x], note=note)
        return None
    first, second = (t.data(node, i) for i in range(2))
    if first == second and op == "mul":
        t.emit(node, name, {"op": "square"}, [first])
        return None
    ranks = {len(t.shapes.get(x) or ()) for x in (first, second)}
    offset = t.offsets_for([first, second]) if len(ranks) == 1 else 0
    if offset == 0:
        t.require_batch_one()
    inputs = [t.laid_out(x, offset) for x in (first, second)]
    t.emit(node, name, {"op": op}, inputs, offset=offset)
    return None


ONNX_READERS = {"Relu": read_relu, "Clip": read_clip, **{op: read_unary for op in _FROM_ONNX_UNARY},
                **{op: read_binary for op in _FROM_ONNX_BINARY}}
