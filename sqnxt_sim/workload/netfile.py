"""The network file format: what a user may write, validated at the boundary.

Two forms share one loader:

* explicit: ``name``, ``input`` and a ``layers`` list (the format users write);
* family:   ``family: squeezenext`` plus stem, widths and blocks per stage, expanded by
  :mod:`sqnxt_sim.workload.families` into the explicit form.

Only syntax and value ranges are checked here; graph rules (known inputs, no cycles, channel
agreement) are checked where the graph is built, in :mod:`sqnxt_sim.workload.graph`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo, field_validator

MAX_SIZE = 1_000_000  # any one size, channel count, kernel, stride or padding
MAX_FAMILY_BLOCKS = 1_000  # blocks over all stages of a family (at most 7 layers each)

PositiveInt = Annotated[int, Field(gt=0, le=MAX_SIZE, strict=True)]
NonNegativeInt = Annotated[int, Field(ge=0, le=MAX_SIZE, strict=True)]


def _pair(lowest: int):
    """An integer or a pair [height, width] of integers in [lowest, MAX_SIZE].

    One validator instead of a pydantic Union, so an error reads "must be ..." rather than
    listing every member of the union.
    """
    bound = "greater than 0" if lowest == 1 else "greater than or equal to 0"

    def check_one(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("must be an integer or a pair [height, width] of integers")
        if value < lowest:
            raise ValueError(f"must be {bound}")
        if value > MAX_SIZE:
            raise ValueError(f"must be at most {MAX_SIZE:,}")
        return value

    def check(value: Any) -> int | tuple[int, int]:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ValueError(f"a pair [height, width] has 2 values, got {len(value)}")
            return check_one(value[0]), check_one(value[1])
        return check_one(value)

    return PlainValidator(check)


Pair = Annotated[Union[int, tuple[int, int]], _pair(1)]
PadPair = Annotated[Union[int, tuple[int, int]], _pair(0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSpec(_Strict):
    channels: PositiveInt
    height: PositiveInt
    width: PositiveInt
    batch: PositiveInt = 1


class _LayerBase(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    inputs: list[str] | None = Field(default=None, min_length=1)
    stage: Annotated[str, Field(max_length=200)] = ""  # a label: figures and tables print it
    note: str = ""

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "input":
            raise ValueError("'input' is reserved for the network input")
        return value


class ConvEntry(_LayerBase):
    op: Literal["conv"]
    out_channels: PositiveInt
    kernel: Pair
    stride: Pair = 1
    padding: PadPair = 0
    groups: PositiveInt = 1
    bias: bool = False  # counted in parameters, not in weights (batch norm is folded away)


class FcEntry(_LayerBase):
    op: Literal["fc"]
    out_features: PositiveInt
    bias: bool = False


class PoolEntry(_LayerBase):
    op: Literal["maxpool", "avgpool"]
    kernel: Pair | None = None
    stride: Pair | None = None  # defaults to the kernel
    padding: PadPair = 0
    ceil_mode: bool = False  # Caffe rounds pooling outputs up
    global_: bool = Field(default=False, alias="global")


class MergeEntry(_LayerBase):
    op: Literal["add", "concat"]


class ReluEntry(_LayerBase):
    op: Literal["relu"]


LayerEntry = Annotated[
    Union[ConvEntry, FcEntry, PoolEntry, MergeEntry, ReluEntry], Field(discriminator="op")
]


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


def as_pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    first, second = value
    return int(first), int(second)
