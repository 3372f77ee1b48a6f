"""The network file format: what a user may write, validated at the boundary.

Two forms share one loader:

* explicit: ``name``, ``input`` and a ``layers`` list (the format users write);
* family:   ``family: squeezenext`` plus stem, widths and blocks per stage, expanded by
  :mod:`sqnxt_sim.workload.families` into the explicit form.

Only syntax and value ranges are checked here; graph rules (known inputs, no cycles, channel
agreement) are checked where the graph is built, in :mod:`sqnxt_sim.workload.graph`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator, model_validator

from .ops import LayerEntryUnion
from .ops.base import MAX_RANK, PositiveInt, Strict as _Strict

MAX_FAMILY_BLOCKS = 1_000  # blocks over all stages of a family (at most 7 layers each)


class InputSpec(_Strict):
    """An image (channels, height, width) or any tensor (``shape``, per sample: tokens x
    features for a transformer); ``batch`` either way."""

    channels: PositiveInt | None = None
    height: PositiveInt | None = None
    width: PositiveInt | None = None
    shape: list[PositiveInt] | None = Field(default=None, min_length=1, max_length=MAX_RANK)
    batch: PositiveInt = 1

    @model_validator(mode="after")
    def _one_form(self) -> "InputSpec":
        image = (self.channels, self.height, self.width)
        if self.shape is not None:
            if any(v is not None for v in image):
                raise ValueError("give channels, height and width, or shape, not both")
        elif any(v is None for v in image):
            missing = [k for k, v in zip(("channels", "height", "width"), image) if v is None]
            raise ValueError(f"missing {', '.join(missing)} (or give shape)")
        return self

    @property
    def dims(self) -> tuple[int, ...]:
        return tuple(self.shape) if self.shape is not None else (self.channels, self.height, self.width)


LayerEntry = LayerEntryUnion


class NetworkFile(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=10_000)] = ""
    reconstruction: bool = False  # True: not a published definition; reports must say so
    input: InputSpec
    layers: list[LayerEntry] = Field(min_length=1, max_length=1_000_000)


class StemSpec(_Strict):
    kernel: PositiveInt
    channels: PositiveInt
    stride: PositiveInt = 2


def _multiple_of_4(width: int) -> int:
    if width % 4:
        raise ValueError("must be a multiple of 4 (a block narrows to width/4)")
    return width


class SqueezeNextFamily(_Strict):
    """Compact SqueezeNext description (see ../shared/reference/squeezenext.md)."""

    family: Literal["squeezenext"]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=10_000)] = ""
    reconstruction: bool = False
    input: InputSpec
    stem: StemSpec
    widths: list[Annotated[PositiveInt, AfterValidator(_multiple_of_4)]] = Field(min_length=1)
    blocks: list[PositiveInt] = Field(min_length=1)
    strides: list[PositiveInt] = Field(min_length=1)
    first_block: Literal["projection", "shared"]
    groups: PositiveInt = 1  # on the first 1x1 and both separable convs of every block
    head_channels: PositiveInt = 128
    classes: PositiveInt = 1000

    @field_validator("blocks", "strides")
    @classmethod
    def _one_per_stage(cls, value: list[int], info: ValidationInfo) -> list[int]:
        widths = info.data.get("widths")
        if widths is not None and len(value) != len(widths):
            raise ValueError(f"has {len(value)} entries but widths has {len(widths)}: give one per stage")
        if info.field_name == "blocks" and sum(value) > MAX_FAMILY_BLOCKS:
            raise ValueError(f"{sum(value):,} blocks in all; the limit is {MAX_FAMILY_BLOCKS:,}")
        return value

    @field_validator("groups")
    @classmethod
    def _groups_divide_channels(cls, groups: int, info: ValidationInfo) -> int:
        # Grouped convs read the stem's or a stage's channels and write width/2 or width/4.
        stem = info.data.get("stem")
        for channels in ([stem.channels] if stem is not None else []) + [w // 4 for w in info.data.get("widths") or []]:
            if channels % groups:
                raise ValueError(f"must divide the stem channels and every width/4 ({channels} is not divisible)")
        return groups
