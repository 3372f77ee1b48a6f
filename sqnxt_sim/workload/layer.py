"""A layer's shape: the loop bounds every cost model starts from.

Dimension letters follow the accelerator literature (Eyeriss, SCALE-Sim, Timeloop):

    N batch          K output channels (all groups)   C input channels per group
    G groups         H x W input size                 P x Q output size
    R x S kernel     stride and padding per axis

An FC layer is a 1x1 convolution on a 1x1 input. A depthwise convolution has G equal to the
channel count and C = 1. Pooling, element-wise add, concat and fused ReLU carry no MACs but
keep their shapes, so later stages can charge them for time and data movement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Op(str, Enum):
    INPUT = "input"
    CONV = "conv"
    FC = "fc"
    MAXPOOL = "maxpool"
    AVGPOOL = "avgpool"
    ADD = "add"
    CONCAT = "concat"
    RELU = "relu"

    @property
    def has_macs(self) -> bool:
        return self in (Op.CONV, Op.FC)

    @property
    def has_weights(self) -> bool:
        return self in (Op.CONV, Op.FC)


@dataclass(frozen=True)
class Layer:
    name: str
    op: Op
    n: int  # batch
    c: int  # input channels per group (for pool/add/concat: the channels of the output)
    k: int  # output channels
    h: int
    w: int
    p: int
    q: int
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
    # Not part of the shape: where the layer came from (ONNX node, family block), for reports.
    note: str = field(default="", compare=False)

    @property
    def in_channels(self) -> int:
        """All input channels (C x G for a convolution)."""
        return self.c * self.g if self.op.has_macs else self.c

    @property
    def macs(self) -> int:
        if not self.op.has_macs:
            return 0
        return self.n * self.k * self.p * self.q * self.c * self.r * self.s

    @property
    def weights(self) -> int:
        """Weight count (no bias, batch norm folded)."""
        return self.k * self.c * self.r * self.s if self.op.has_weights else 0

    @property
    def biases(self) -> int:
        return self.k if self.bias and self.op.has_weights else 0

    @property
    def output_elements(self) -> int:
        return self.n * self.k * self.p * self.q

    @property
    def input_elements(self) -> int:
        """Elements of each input tensor read (for add/concat: summed over inputs)."""
        if self.op is Op.CONCAT:
            return self.output_elements
        count = self.n * self.in_channels * self.h * self.w
        return count * max(1, len(self.inputs)) if self.op is Op.ADD else count

    @property
    def elementwise_ops(self) -> int:
        """Non-MAC arithmetic: compares/adds of pooling, adds of an element-wise sum."""
        if self.op in (Op.MAXPOOL, Op.AVGPOOL):
            return self.output_elements * self.r * self.s
        if self.op is Op.ADD:
            return self.output_elements * max(0, len(self.inputs) - 1)
        return 0

    def shape_text(self) -> str:
        """Compact shape for tables: CxHxW -> KxPxQ, with kernel/stride/groups when they matter."""
        text = f"{self.in_channels}x{self.h}x{self.w} -> {self.k}x{self.p}x{self.q}"
        if self.op in (Op.CONV, Op.MAXPOOL, Op.AVGPOOL) and (self.r, self.s) != (1, 1) or (
            self.op is Op.CONV and (self.stride_h, self.stride_w) != (1, 1)
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
