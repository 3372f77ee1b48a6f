"""Builders that expand a compact family description into an explicit layer list.

SqueezeNext (Gholami et al., 2018): a stem convolution and max-pool, four stages of
SqueezeNext blocks, and a head (1x1 conv, global average pool, FC). Every convolution has
batch norm and ReLU folded into it, so they are not separate layers.
"""

from __future__ import annotations

from typing import Any

from .netfile import SqueezeNextFamily


def expand_squeezenext(spec: SqueezeNextFamily) -> dict[str, Any]:
    """Return the explicit network description (the dict form of a NetworkFile)."""
    layers: list[dict[str, Any]] = [
        _conv("conv1", spec.stem.channels, spec.stem.kernel, stride=spec.stem.stride, stage="stem"),
        {"name": "pool1", "op": "maxpool", "kernel": 3, "stride": 2, "ceil_mode": True, "stage": "stem"},
    ]
    block_in = "pool1"
    block_number = 0
    for stage_index, (width, count, stride) in enumerate(
        zip(spec.widths, spec.blocks, spec.strides, strict=True), start=1
    ):
        stage = f"stage{stage_index}"
        for index in range(1, count + 1):
            block_number += 1
            prefix = f"s{stage_index}b{index}"
            first = index == 1
            block_stride = stride if first else 1
            if first and spec.first_block == "shared":
                shared = f"{prefix}_shared"
                layers.append(_conv(shared, width, 1, stride=block_stride, stage=stage, inputs=[block_in]))
                block_in, block_stride, shortcut = shared, 1, shared
            elif first:
                shortcut = f"{prefix}_proj"
                layers.append(_conv(shortcut, width, 1, stride=block_stride, stage=stage, inputs=[block_in]))
            else:
                shortcut = block_in
            layers += _block(prefix, width, block_in, block_stride, spec.groups, block_number, stage)
            layers.append({"name": f"{prefix}_add", "op": "add", "inputs": [f"{prefix}_expand", shortcut], "stage": stage})
            block_in = f"{prefix}_add"
    layers += [
        _conv("conv_head", spec.head_channels, 1, stage="head", inputs=[block_in]),
        {"name": "avgpool", "op": "avgpool", "global": True, "stage": "head"},
        {"name": "fc", "op": "fc", "out_features": spec.classes, "stage": "head"},
    ]
    return {
        "name": spec.name,
        "description": spec.description,
        "reconstruction": spec.reconstruction,
        "input": spec.input.model_dump(),
        "layers": layers,
    }


def _block(prefix: str, width: int, block_in: str, stride: int, groups: int, number: int, stage: str) -> list[dict[str, Any]]:
    """Main branch: 1x1 -> C/2 (strided), 1x1 -> C/4, 3x1 and 1x3 -> C/2, 1x1 -> C.

    The separable pair alternates order from block to block (odd blocks start with 3x1).
    """
    vertical = {"kernel": [3, 1], "padding": [1, 0]}
    horizontal = {"kernel": [1, 3], "padding": [0, 1]}
    first_sep, second_sep = (vertical, horizontal) if number % 2 == 1 else (horizontal, vertical)
    return [
        _conv(f"{prefix}_reduce1", width // 2, 1, stride=stride, groups=groups, stage=stage, inputs=[block_in]),
        _conv(f"{prefix}_reduce2", width // 4, 1, stage=stage),
        {**_conv(f"{prefix}_sep1", width // 2, 1, groups=groups, stage=stage), **first_sep},
        {**_conv(f"{prefix}_sep2", width // 2, 1, groups=groups, stage=stage), **second_sep},
        _conv(f"{prefix}_expand", width, 1, stage=stage),
    ]


def _conv(name: str, out: int, kernel: int, *, stride: int = 1, groups: int = 1, stage: str, inputs: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "op": "conv", "out_channels": out, "kernel": kernel, "stage": stage}
    if stride != 1:
        entry["stride"] = stride
    if groups != 1:
        entry["groups"] = groups
    if inputs is not None:
        entry["inputs"] = inputs
    return entry
