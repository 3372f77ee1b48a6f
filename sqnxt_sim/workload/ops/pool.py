"""Pooling on the vector unit: a max pool compares, an average pool adds, once per window
element of every output (the divide by the window size is folded into the next layer)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..layer import conv_output_size
from .base import LayerEntry, OpSpec, Pair, PadPair, ShapeError, as_pair, image, window


class PoolEntry(LayerEntry):
    op: Literal["maxpool", "avgpool"] = Field(
        description="maxpool (a compare per window element) or avgpool (an add per window element; the divide "
                    "folds into the next layer), on the vector unit.")
    kernel: Pair | None = Field(None, description="Window size: an integer (square) or [height, width]; required "
                                                  "unless global.")
    stride: Pair | None = Field(None, description="Stride: an integer or [height, width]. Default (null): the "
                                                  "kernel.")
    padding: PadPair = Field(0, description="Padding on each side: an integer or [height, width] (default 0).")
    ceil_mode: bool = Field(False, description="Round the output size up, as Caffe does (default false: down).")
    global_: bool = Field(default=False, alias="global",
                          description="Pool the whole height and width to 1x1; then give no kernel, stride, "
                                      "padding or ceil_mode (default false).")


FUNCTION = {"maxpool": "max", "avgpool": "add"}


def infer_pool(entry: PoolEntry, producers, names) -> dict:
    x = producers[0]
    channels, h, w = image(x, entry.op)
    if entry.global_:
        given = sorted({"kernel", "stride", "padding", "ceil_mode"} & entry.model_fields_set)
        if given:  # they would be ignored: say so rather than drop them silently
            raise ShapeError(f"a global pool takes no {' or '.join(given)}", "global")
        r, s, sh, sw, ph, pw, ceil = h, w, 1, 1, 0, 0, False
    else:
        if entry.kernel is None:
            raise ShapeError("required for a pool that is not global", "kernel")
        r, s = as_pair(entry.kernel)
        sh, sw = as_pair(entry.stride if entry.stride is not None else entry.kernel)
        ph, pw = as_pair(entry.padding)
        ceil = entry.ceil_mode
    p, q = window(h, w, r, s, sh, sw, ph, pw, ceil)
    return dict(kind="vector", n=x.n, c=channels, k=channels, h=h, w=w, p=p, q=q, r=r, s=s, stride_h=sh, stride_w=sw,
                pad_h=ph, pad_w=pw, dims=(channels, p, q), function=FUNCTION[entry.op],
                vector_elements=x.n * channels * p * q * r * s)


def _write(kind: str):
    def write(b, layer) -> None:
        x = b.input(layer.inputs[0], (layer.c, layer.h, layer.w))
        whole = ((layer.r, layer.s) == (layer.h, layer.w) and (layer.stride_h, layer.stride_w) == (1, 1)
                 and (layer.pad_h, layer.pad_w) == (0, 0) and (layer.p, layer.q) == (1, 1))
        if whole:
            b.node(f"Global{kind}Pool", [x], layer)
            return
        sizes = [(conv_output_size(layer.h, layer.r, layer.stride_h, layer.pad_h, ceil),
                  conv_output_size(layer.w, layer.s, layer.stride_w, layer.pad_w, ceil)) for ceil in (False, True)]
        b.node(f"{kind}Pool", [x], layer, kernel_shape=[layer.r, layer.s], strides=[layer.stride_h, layer.stride_w],
               pads=[layer.pad_h, layer.pad_w, layer.pad_h, layer.pad_w], ceil_mode=int(sizes[0] != (layer.p, layer.q)))

    return write


SPECS = (
    OpSpec("maxpool", PoolEntry, infer_pool, write_onnx=_write("Max"), summary="max pooling (or global)"),
    OpSpec("avgpool", PoolEntry, infer_pool, write_onnx=_write("Average"), summary="average pooling (or global)"),
)


# --- ONNX readers ---------------------------------------------------------------------------


def _read_pool(op: str):
    def read(t, node, name: str):
        from ..onnx.padding import NodeError  # noqa: PLC0415

        if op == "maxpool" and len(node.output) > 1 and node.output[1]:
            raise NodeError("the Indices output of MaxPool is not modelled")
        attrs = t.attrs(node)
        x, extra = t.window_data(node)
        if "kernel_shape" not in attrs:
            raise NodeError("kernel_shape is required", "kernel_shape")
        _, height, width = t.layer_dims[t.tensors[x].layer]
        ceil = bool(attrs.get("ceil_mode", 0))
        entry = t.window(node, height, width, tuple(attrs["kernel_shape"]), ceil, extra)
        note = entry.pop("_note")
        t.emit(node, name, {"op": op, **entry, "ceil_mode": ceil}, [x], note)

    return read


def read_global(op: str):
    def read(t, node, name: str):
        x = t.image(t.data(node, 0))
        t.emit(node, name, {"op": op, "global": True}, [x])

    return read


ONNX_READERS = {"MaxPool": _read_pool("maxpool"), "AveragePool": _read_pool("avgpool"),
                "GlobalAveragePool": read_global("avgpool"), "GlobalMaxPool": read_global("maxpool")}
