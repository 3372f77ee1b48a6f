"""A matrix product of two activations (attention's Q K^T and A V), on the PE array.

``[..., M, K] x [..., K, N] -> [..., M, N]`` per sample; the leading axes (heads) must agree,
or the second operand has none and is shared. Both operands stream from the buffer: no
weights. The engine sees it as a grouped 1x1 convolution: M output pixels, K channels in,
N filters, one group per image and head; the second operand takes the weights' place in the
mapping (a stationary operand of ws, the filter of rs) and its DRAM traffic is that of an
activation: none while it stays on chip.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from .base import LayerEntry, OpSpec, ShapeError, dims_text, same_batch


class MatmulEntry(LayerEntry):
    op: Literal["matmul"] = Field(
        description="matmul: the product of two activations, [..., M, K] x [..., K, N] (attention's Q K^T and A "
                    "V), on the PE array; two inputs.")


def infer_matmul(entry: MatmulEntry, producers, names) -> dict:
    a, b = producers
    n = same_batch(producers)
    if len(a.dims) < 2 or len(b.dims) < 2:
        raise ShapeError(f"matmul needs two operands of at least 2 axes per sample; '{names[0]}' is "
                         f"{dims_text(a.dims)}, '{names[1]}' is {dims_text(b.dims)}", "inputs")
    *heads, m, k = a.dims
    *b_heads, k2, cols = b.dims
    if k != k2:
        raise ShapeError(f"inner sizes differ: '{names[0]}' is {dims_text(a.dims)}, '{names[1]}' is {dims_text(b.dims)}",
                         "inputs")
    if b_heads and b_heads != heads:
        raise ShapeError(f"leading axes differ: '{names[0]}' is {dims_text(a.dims)}, '{names[1]}' is {dims_text(b.dims)} "
                         "(broadcasting the second operand is not modelled)", "inputs")
    groups = math.prod(heads) if b_heads else 1
    rows = m if b_heads else math.prod(heads) * m  # a shared second operand: the heads are more rows
    return dict(kind="matmul", n=n, c=k, k=groups * cols, g=groups, h=rows, w=1, p=rows, q=1,
                dims=(*heads, m, cols), macs=n * math.prod(heads) * m * k * cols)


def write_matmul(b, layer) -> None:
    left, right = (b.input(name, b.layer_dims(name)) for name in layer.inputs)
    b.node("MatMul", [left, right], layer)


SPECS = (OpSpec("matmul", MatmulEntry, infer_matmul, min_inputs=2, max_inputs=2, write_onnx=write_matmul,
                summary="matrix product of two activations (attention), batched over leading axes"),)


# --- ONNX reader (MatMul of two activations; conv.read_matmul sends them here) -------------


def read_activation_matmul(t, node, name: str):
    from ..onnx.padding import NodeError  # noqa: PLC0415

    first, second = (t.data(node, i) for i in range(2))
    ranks = {len(t.shapes.get(x) or ()) for x in (first, second)}
    if len(ranks) != 1:
        raise NodeError("a MatMul of activations of different ranks (broadcast) is not modelled")
    offset = t.offsets_for([first, second])
    inputs = [t.laid_out(x, offset) for x in (first, second)]
    t.emit(node, name, {"op": "matmul"}, inputs, offset=offset)
