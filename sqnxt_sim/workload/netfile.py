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

    channels: PositiveInt | None = Field(None, description="Channels of an image input (with height and width; "
                                                            "not with shape).")
    height: PositiveInt | None = Field(None, description="Height of an image input, in pixels.")
    width: PositiveInt | None = Field(None, description="Width of an image input, in pixels.")
    shape: list[PositiveInt] | None = Field(
        default=None, min_length=1, max_length=MAX_RANK,
        description=f"Any tensor's sizes per sample, at most {MAX_RANK} axes (tokens x features for a transformer); "
                    "instead of channels, height and width.")
    batch: PositiveInt = Field(1, description="Samples per inference (default 1).")

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


class _NetworkHeader(_Strict):
    """What every network file says about itself."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="The network's name, shown in "
                                                                                  "reports.")
    description: Annotated[str, Field(max_length=10_000)] = Field(
        "", description="Free text about the network (source, variant), shown by `sqnxt-sim show` and `nets`.")
    reconstruction: bool = Field(
        False, description="True: not a published definition (rebuilt from a paper's description); reports say so.")


class NetworkFile(_NetworkHeader):
    """A network as an explicit layer list."""

    input: InputSpec = Field(description="The network input: an image (channels, height, width) or a tensor "
                                         "(shape), and the batch.")
    layers: list[LayerEntry] = Field(
        min_length=1, max_length=1_000_000,
        description="The layers (1 to 1,000,000), each chosen by its op; a layer reads the previous one unless it "
                    "names its inputs.")


class StemSpec(_Strict):
    """The stem: one convolution, then a 3x3 max pool of stride 2."""

    kernel: PositiveInt = Field(description="Kernel size of the stem convolution (square).")
    channels: PositiveInt = Field(description="Output channels of the stem convolution.")
    stride: PositiveInt = Field(2, description="Stride of the stem convolution (default 2).")


def _multiple_of_4(width: int) -> int:
    if width % 4:
        raise ValueError("must be a multiple of 4 (a block narrows to width/4)")
    return width


class SqueezeNextFamily(_NetworkHeader):
    """Compact SqueezeNext description (see ../shared/reference/squeezenext.md)."""

    family: Literal["squeezenext"] = Field(description="The family this compact spec expands: squeezenext.")
    input: InputSpec = Field(description="The network input: an image (channels, height, width) and the batch.")
    stem: StemSpec = Field(description="The stem convolution (followed by a 3x3 max pool of stride 2).")
    widths: list[Annotated[PositiveInt, AfterValidator(_multiple_of_4)]] = Field(
        min_length=1, description="Output channels of each stage's blocks, one per stage; multiples of 4 (a block "
                                  "narrows to width/4).")
    blocks: list[PositiveInt] = Field(
        min_length=1, description=f"Blocks in each stage, one per stage; at most {MAX_FAMILY_BLOCKS:,} in all.")
    strides: list[PositiveInt] = Field(min_length=1, description="Stride of each stage's first block, one per stage.")
    first_block: Literal["projection", "shared"] = Field(
        description="The first block of each stage. projection: a 1x1 convolution of the block input is the "
                    "shortcut; shared: a 1x1 convolution is both the block's input and its shortcut.")
    groups: PositiveInt = Field(
        1, description="Groups of the first 1x1 and both separable convolutions of every block (default 1); must "
                       "divide the stem channels and every width/4.")
    head_channels: PositiveInt = Field(128, description="Output channels of the 1x1 head convolution before the "
                                                        "global average pool (default 128).")
    classes: PositiveInt = Field(1000, description="Outputs of the final fully connected layer (default 1000).")

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
