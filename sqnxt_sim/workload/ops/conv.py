"""Layers with weights on the PE array: conv, fc (flattens its input) and linear (acts on
the last axis of its input, as a transformer's projections and MLPs do)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from .base import LayerEntry, OpSpec, Pair, PadPair, PositiveInt, ShapeError, as_pair, image, window


class ConvEntry(LayerEntry):
    op: Literal["conv"] = Field(description="conv: a 2-D convolution (groups, strides, padding) on the PE array.")
    out_channels: PositiveInt = Field(description="Output channels (filters).")
    kernel: Pair = Field(description="Kernel size: an integer (square) or [height, width].")
    stride: Pair = Field(1, description="Stride: an integer or [height, width] (default 1).")
    padding: PadPair = Field(0, description="Zero padding on each side: an integer or [height, width] (default 0).")
    groups: PositiveInt = Field(1, description="Groups; must divide the input channels and out_channels (default "
                                               "1; depthwise: groups = channels).")
    bias: bool = Field(False, description="A bias per output channel: counted in parameters, not in weights "
                                          "(batch norm is folded away). Default false.")


class FcEntry(LayerEntry):
    op: Literal["fc", "linear"] = Field(
        description="fc: fully connected, flattens its input; linear: fully connected on the last axis (per "
                    "token), a 1x1 convolution over the other axes.")
    out_features: PositiveInt = Field(description="Output features.")
    bias: bool = Field(False, description="A bias per output feature: counted in parameters, not in weights. "
                                          "Default false.")


def infer_conv(entry: ConvEntry, producers, names) -> dict:
    x = producers[0]
    channels, h, w = image(x, "conv")
    r, s = as_pair(entry.kernel)
    sh, sw = as_pair(entry.stride)
    ph, pw = as_pair(entry.padding)
    g, k = entry.groups, entry.out_channels
    if channels % g or k % g:
        raise ShapeError(f"groups={g} must divide input channels ({channels}) and out_channels ({k})", "groups")
    p, q = window(h, w, r, s, sh, sw, ph, pw, False)
    c = channels // g
    return dict(kind="weights", n=x.n, c=c, k=k, g=g, h=h, w=w, p=p, q=q, r=r, s=s, stride_h=sh, stride_w=sw,
                pad_h=ph, pad_w=pw, bias=entry.bias, dims=(k, p, q), macs=x.n * k * p * q * c * r * s, weights=k * c * r * s)


def infer_fc(entry: FcEntry, producers, names) -> dict:
    # A 1x1 convolution on a 1x1 input of all flattened features.
    x, k = producers[0], entry.out_features
    c = math.prod(x.dims)
    return dict(kind="weights", n=x.n, c=c, k=k, h=1, w=1, p=1, q=1, bias=entry.bias, dims=(k, 1, 1),
                macs=x.n * k * c, weights=k * c)


def infer_linear(entry: FcEntry, producers, names) -> dict:
    # A 1x1 convolution over a column of rows (tokens): the last axis is the features.
    x, k = producers[0], entry.out_features
    c, rows = x.dims[-1], math.prod(x.dims[:-1])
    return dict(kind="weights", n=x.n, c=c, k=k, h=rows, w=1, p=rows, q=1, bias=entry.bias, dims=(*x.dims[:-1], k),
                macs=x.n * rows * c * k, weights=k * c)


def write_conv(b, layer) -> None:
    x = b.input(layer.inputs[0], (layer.in_channels, layer.h, layer.w))
    weights = b.weights(layer, (layer.k, layer.c, layer.r, layer.s))
    b.node("Conv", [x, *weights], layer, kernel_shape=[layer.r, layer.s], strides=[layer.stride_h, layer.stride_w],
           pads=[layer.pad_h, layer.pad_w, layer.pad_h, layer.pad_w], group=layer.g)


def write_fc(b, layer) -> None:
    x = b.input(layer.inputs[0], (layer.c,))
    b.node("Gemm", [x, *b.weights(layer, (layer.k, layer.c))], layer, dims=(layer.k,), transB=1)


def write_linear(b, layer) -> None:
    x = b.input(layer.inputs[0], b.dims(layer.inputs[0]))
    weight = b.weights(layer, (layer.c, layer.k))  # MatMul's right operand is features x outputs
    if layer.bias:  # MatMul (the node named after the layer) + Add of the bias, which the importer folds back
        product = b.fresh(f"{layer.name}.matmul")
        b.raw_node("MatMul", [x, weight[0]], product, name=layer.name)
        b.node("Add", [product, weight[1]], layer, name=b.fresh(f"{layer.name}.bias"))
    else:
        b.node("MatMul", [x, weight[0]], layer)


SPECS = (
    OpSpec("conv", ConvEntry, infer_conv, write_onnx=write_conv, summary="2-D convolution (groups, strides, padding)"),
    OpSpec("fc", FcEntry, infer_fc, write_onnx=write_fc, summary="fully connected: flattens its input"),
    OpSpec("linear", FcEntry, infer_linear, write_onnx=write_linear,
           summary="fully connected on the last axis (per token): a 1x1 convolution over the other axes"),
)


# --- ONNX readers (workload/onnx/handlers.py calls them with its Translation) ---------------


def read_conv(t, node, name: str):
    from ..onnx.padding import NodeError  # noqa: PLC0415 - ONNX is an optional extra

    x, extra = t.window_data(node)
    weight = t.static(node, 1, "weight")
    if weight is None or len(weight) != 4:
        raise NodeError("only 2-D convolutions (4-D weights) are modelled")
    attrs = t.attrs(node)
    kernel = tuple(attrs.get("kernel_shape", weight[2:]))
    if list(kernel) != weight[2:]:
        raise NodeError(f"kernel_shape {list(kernel)} disagrees with the weight shape {weight}", "kernel_shape")
    channels, height, width = t.layer_dims[t.tensors[x].layer]
    groups = int(attrs.get("group", 1))
    if groups < 1 or channels % groups or weight[1] * groups != channels:
        raise NodeError(f"weight shape {weight} with group={groups} does not fit the {channels} input channels", "group")
    window_entry = t.window(node, height, width, kernel, False, extra)
    bias = len(node.input) > 2 and bool(node.input[2])
    if bias:
        t.static(node, 2, "bias")
    note = window_entry.pop("_note")
    t.emit(node, name, {"op": "conv", "out_channels": weight[0], **window_entry, "groups": groups, "bias": bias}, [x], note)


def read_gemm(t, node, name: str):
    from ..onnx.padding import NodeError  # noqa: PLC0415

    attrs = t.attrs(node)
    if attrs.get("transA", 0):
        raise NodeError("transA=1 is not modelled (the activation must be the left operand)", "transA")
    weight = t.static(node, 1, "weight")
    if weight is None or len(weight) != 2:
        raise NodeError(f"weight must be 2-D, got {weight}")
    features, out = (weight[1], weight[0]) if attrs.get("transB", 0) else (weight[0], weight[1])
    bias = len(node.input) > 2 and bool(node.input[2])
    if bias:
        t.static(node, 2, "bias")
    _dense(t, node, name, features, out, bias)


def read_matmul(t, node, name: str):
    from ..onnx.padding import NodeError  # noqa: PLC0415
    from .matmul import read_activation_matmul  # noqa: PLC0415

    if len(t.data_inputs(node)) == 2:
        return read_activation_matmul(t, node, name)
    if not t.is_data(node.input[0]):
        raise NodeError("MatMul is modelled with the activation as the left operand")
    weight = t.static(node, 1, "weight")
    if weight is None or len(weight) != 2:
        raise NodeError(f"MatMul by a constant is modelled with a 2-D weight, got {weight}")
    return _dense(t, node, name, weight[0], weight[1], False)


def _dense(t, node, name: str, features: int, out: int, bias: bool) -> None:
    """fc when the input is one vector per sample (N x F), linear (per row) otherwise."""
    from ..onnx.padding import NodeError  # noqa: PLC0415

    x = t.data(node, 0)
    dims = t.per_sample(x)
    if len(dims) == 1 or (t.tensors[x].offset == 1 and len(t.shapes[x]) == 2):
        have = math.prod(t.layer_dims[t.tensors[x].layer])
        if features != have:
            raise NodeError(f"weight expects {features} input features, the input has {have}")
        t.emit(node, name, {"op": "fc", "out_features": out, "bias": bias}, [x])
        return
    x = t.laid_out(x)
    if dims[-1] != features:
        raise NodeError(f"weight expects {features} input features, the input's last axis has {dims[-1]}")
    t.emit(node, name, {"op": "linear", "out_features": out, "bias": bias}, [x])


def fold_bias(t, tensor: str, constant: str) -> bool:
    """Fold ``layer + per-channel constant`` into a conv, fc or linear layer's bias."""
    layer = t.tensors[tensor].layer
    if layer not in t.layer_index or t.layer_output.get(layer, ("",))[0] != tensor or len(t.consumers.get(tensor, [])) != 1:
        return False
    entry = t.layers[t.layer_index[layer]]
    if entry["op"] not in ("conv", "fc", "linear") or entry.get("bias"):
        return False
    channels = entry.get("out_channels") or entry.get("out_features")
    dims = t.static_dims.get(constant) or t.shapes.get(constant)
    data_rank = len(t.shapes.get(tensor) or ())
    if dims is None or len(dims) > data_rank:
        return False
    axis = (1 if entry["op"] == "conv" else data_rank - 1) - (data_rank - len(dims))  # right-aligned broadcasting
    if axis < 0 or dims[axis] != channels or any(d != 1 for i, d in enumerate(dims) if i != axis):
        return False
    entry["bias"] = True
    entry["note"] += f"; bias from {constant!r}"
    return True


ONNX_READERS = {"Conv": read_conv, "Gemm": read_gemm, "MatMul": read_matmul}
