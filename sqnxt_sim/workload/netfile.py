"""The network file format: what a user may write, validated at the boundary.

Two forms share one loader:

* explicit: ``name``, ``input`` and a ``layers`` list (the format users write);
* family:   ``family: squeezenext`` plus stem, widths and blocks per stage, expanded by
  :mod:`sqnxt_sim.workload.families` into the explicit form.

Only syntax and value ranges are checked here; graph rules (known inputs, no cycles, channel
agreement) are checked where the graph is built, in :mod:`sqnxt_sim.workload.graph`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

PositiveInt = Annotated[int, Field(gt=0, le=1_000_000, strict=True)]
NonNegativeInt = Annotated[int, Field(ge=0, le=1_000_000, strict=True)]
Pair = Union[PositiveInt, tuple[PositiveInt, PositiveInt]]
PadPair = Union[NonNegativeInt, tuple[NonNegativeInt, NonNegativeInt]]


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
    stage: str = ""
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
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    reconstruction: bool = False  # True: not a published definition; reports must say so
    input: InputSpec
    layers: list[LayerEntry] = Field(min_length=1, max_length=1_000_000)


class StemSpec(_Strict):
    kernel: PositiveInt
    channels: PositiveInt
    stride: PositiveInt = 2


class SqueezeNextFamily(_Strict):
    """Compact SqueezeNext description (see ../shared/reference/squeezenext.md)."""

    family: Literal["squeezenext"]
    name: Annotated[str, Field(min_length=1)]
    description: str = ""
    reconstruction: bool = False
    input: InputSpec
    stem: StemSpec
    widths: list[PositiveInt] = Field(min_length=1)
    blocks: list[PositiveInt] = Field(min_length=1)
    strides: list[PositiveInt] = Field(min_length=1)
    first_block: Literal["projection", "shared"]
    groups: PositiveInt = 1  # on the first 1x1 and both separable convs of every block
    head_channels: PositiveInt = 128
    classes: PositiveInt = 1000


def as_pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    first, second = value
    return int(first), int(second)
