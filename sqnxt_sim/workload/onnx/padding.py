"""Windows (conv, pool) from ONNX attributes, and explicit Pad nodes folded into them.

Layers pad symmetrically. Asymmetric ``pads`` (or ``auto_pad`` SAME with an odd total, or a
Pad node before the window) are accepted when a symmetric padding gives exactly the same
output size: the cost model depends on padding only through the output size, so the result
is exact; the layer's note records the original pads. Otherwise the import fails naming the
node.
"""

from __future__ import annotations

from typing import Any

from ..layer import conv_output_size
from .fold import attribute_values


class NodeError(Exception):
    """A node that cannot be imported: ``attribute`` names the attribute to blame, if any."""

    def __init__(self, problem: str, attribute: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.attribute = attribute


def onnx_window_output(size: int, kernel: int, stride: int, total_pad: int, ceil: bool) -> int:
    span = size + total_pad - kernel
    return (-(-span // stride) if ceil else span // stride) + 1


def window(node, height: int, width: int, kernel: tuple[int, ...], ceil: bool, out_dims,
           extra: tuple[int, int, int, int] = (0, 0, 0, 0)) -> dict[str, Any]:
    """kernel/stride/padding entries of a 2-D window; ``extra`` = a folded Pad node's
    (top, left, bottom, right)."""
    attrs = attribute_values(node)
    if len(kernel) != 2:
        raise NodeError(f"{len(kernel)}-D windows are not modelled (2-D only)", "kernel_shape")
    strides = attrs.get("strides", [1, 1])
    dilations = attrs.get("dilations", [1, 1])
    if len(strides) != 2 or any(s < 1 for s in strides):
        raise NodeError(f"invalid strides {list(strides)}", "strides")
    if any(d != 1 for d in dilations):
        raise NodeError(f"dilations {list(dilations)} are not modelled (only 1)", "dilations")
    auto_pad = attrs.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else str(auto_pad)
    sizes = (height, width)
    if auto_pad in ("NOTSET", ""):
        pads = list(attrs.get("pads", [0, 0, 0, 0]))
        if len(pads) != 4 or any(p < 0 for p in pads):
            raise NodeError(f"invalid pads {pads}", "pads")
        begins, ends = pads[:2], pads[2:]
    elif auto_pad == "VALID":
        begins, ends = [0, 0], [0, 0]
    elif auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begins, ends = [], []
        for size, k, s in zip(sizes, kernel, strides, strict=True):
            total = max((-(-size // s) - 1) * s + k - size, 0)
            small, large = total // 2, total - total // 2
            begins.append(small if auto_pad == "SAME_UPPER" else large)
            ends.append(large if auto_pad == "SAME_UPPER" else small)
    else:
        raise NodeError(f"unknown auto_pad {auto_pad!r}", "auto_pad")
    begins = [b + e for b, e in zip(begins, extra[:2])]
    ends = [b + e for b, e in zip(ends, extra[2:])]
    symmetric, notes = [], []
    for axis, (size, k, s, begin, end) in enumerate(zip(sizes, kernel, strides, begins, ends, strict=True)):
        if begin == end:
            symmetric.append(begin)
            continue
        expected = out_dims[2 + axis] if out_dims and len(out_dims) == 4 and isinstance(out_dims[2 + axis], int) else None
        if expected is None:
            expected = onnx_window_output(size, k, s, begin + end, ceil)
        total = begin + end
        match = [pad for pad in (total // 2, total - total // 2) if conv_output_size(size, k, s, pad, ceil) == expected]
        if not match:
            field = "auto_pad" if auto_pad.startswith("SAME") else "pads"
            raise NodeError(
                f"asymmetric padding ({begin} before, {end} after on {'HW'[axis]}) cannot be modelled: "
                "sqnxt-sim layers pad symmetrically and no symmetric padding gives the same output size", field)
        symmetric.append(match[0])
        notes.append(f"{'HW'[axis]} pads {begin}/{end} modelled as {match[0]}/{match[0]} (same output size)")
    if any(extra):
        notes.append(f"a Pad node's {list(extra)} (top, left, bottom, right) folded in")
    return {"kernel": list(kernel), "stride": list(strides), "padding": symmetric, "_note": "; ".join(notes)}


def pad_amounts(pads, rank: int) -> tuple[list[int], list[int]] | None:
    """An ONNX Pad's (begins, ends) per axis, or None when unknown."""
    if pads is None or len(pads) != 2 * rank:
        return None
    values = [int(p) for p in pads]
    return values[:rank], values[rank:]
