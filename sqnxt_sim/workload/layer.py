"""A layer: its shape, the loop bounds every cost model starts from, and its counts.

Dimension letters follow the accelerator literature (Eyeriss, SCALE-Sim, Timeloop):

    N batch          K output channels (all groups)   C input channels per group
    G groups         H x W input size                 P x Q output size
    R x S kernel     stride and padding per axis

An FC layer is a 1x1 convolution on a 1x1 input; a linear layer on tokens is a 1x1
convolution over a column of tokens; a depthwise convolution has G equal to the channel
count and C = 1; a matmul of two activations is a grouped 1x1 convolution whose "weights"
are the second activation (one group per image and head). Every other layer keeps the loop
bounds of its output (``dims``, any rank, per sample) for time and data movement.

The counts (MACs, weights, vector-unit elements) are worked out by the op that builds the
layer (:mod:`sqnxt_sim.workload.ops`) and carried here as plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What the engine does with a layer (see workload/ops/base.py): MACs with weights, MACs of two
# activations, vector-unit work, a view of its inputs, or a further network input (source).
MAC_KINDS = ("weights", "matmul")
INPUT_OP = "input"


@dataclass(frozen=True)
class Layer:
    name: str
    op: str  # the network file's op name (``conv``, ``softmax``...)
    kind: str  # weights | matmul | vector | view | source (ops/base.py), or input
    n: int  # batch
    c: int  # input channels per group (other kinds: the output's k)
    k: int  # output channels
    h: int
    w: int
    p: int
    q: int
    dims: tuple[int, ...] = ()  # output per sample, in the layer's own layout (C x H x W for images)
    in_dims: tuple[int, ...] = ()  # its first input's, per sample
    g: int = 1
    r: int = 1
    s: int = 1
    stride_h: int = 1
    stride_w: int = 1
    pad_h: int = 0
    pad_w: int = 0
    inputs: tuple[str, ...] = ()
    stage: str = ""
    bias: bool = False
    macs: int = 0
    weights: int = 0  # weight count (no bias, batch norm folded)
    function: str = ""  # vector kind: the operation per element (a key of the vector unit's costs)
    vector_elements: int = 0  # vector kind: elements the function is applied to
    read_elements: int = 0  # elements read from the producers (every input, the whole batch)
    # The op's own settings that no count depends on but a writer needs (axis, perm...).
    params: tuple[tuple[str, object], ...] = ()
    # Not part of the shape: where the layer came from (ONNX node, family block), for reports.
    note: str = field(default="", compare=False)

    def param(self, key: str, default: object = None) -> object:
        return dict(self.params).get(key, default)

    @property
    def has_macs(self) -> bool:
        return self.kind in MAC_KINDS

    @property
    def is_view(self) -> bool:
        return self.kind == "view"

    @property
    def is_source(self) -> bool:
        return self.kind in ("source", INPUT_OP)

    @property
    def in_channels(self) -> int:
        """All input channels (C x G for a convolution)."""
        return self.c * self.g if self.kind == "weights" else self.c

    @property
    def biases(self) -> int:
        return self.k if self.bias and self.kind == "weights" else 0

    @property
    def output_elements(self) -> int:
        return self.n * self.k * self.p * self.q

    @property
    def input_elements(self) -> int:
        return self.read_elements

    @property
    def elementwise_ops(self) -> int:
        """Vector-unit elements (each costs the function's operations per element)."""
        return self.vector_elements

    def shape_text(self) -> str:
        """Compact shape for tables: CxHxW -> KxPxQ, with kernel/stride/groups when they matter."""
        if self.kind == "source":
            return f"-> {'x'.join(map(str, self.dims))}"
        if self.op in ("linear", "matmul") or (self.kind in ("vector", "view") and (len(self.dims) != 3 or self.in_dims != self.dims)
                                               and self.op not in ("maxpool", "avgpool")):
            return f"{'x'.join(map(str, self.in_dims))} -> {'x'.join(map(str, self.dims))}"
        text = f"{self.in_channels}x{self.h}x{self.w} -> {self.k}x{self.p}x{self.q}"
        if self.op in ("conv", "maxpool", "avgpool") and (self.r, self.s) != (1, 1) or (
            self.op == "conv" and (self.stride_h, self.stride_w) != (1, 1)
        ):
            text += f" k{self.r}x{self.s}"
            if (self.stride_h, self.stride_w) != (1, 1):
                text += f"/{self.stride_h}" if self.stride_h == self.stride_w else f"/{self.stride_h}x{self.stride_w}"
        if self.g > 1:
            text += f" g{self.g}"
        return text


def conv_output_size(size: int, kernel: int, stride: int, pad: int, ceil_mode: bool = False) -> int:
    """Output length of a sliding window; ``ceil_mode`` is Caffe's pooling rounding."""
    span = size + 2 * pad - kernel
    if span < 0:
        return 0
    steps = -(-span // stride) if ceil_mode else span // stride
    out = steps + 1
    # Caffe (and PyTorch) drop a last window that would start inside the right padding only.
    if ceil_mode and pad > 0 and (out - 1) * stride >= size + pad:
        out -= 1
    return out
