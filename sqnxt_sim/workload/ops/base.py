"""What an operator is, in one place: its file schema, shape inference, counts, operand roles,
whether its output is a view of its inputs, and how it is written to ONNX.

Every op family is a module of this package that builds :class:`OpSpec` values; the registry
(:mod:`sqnxt_sim.workload.ops`) lists them, and everything that lists ops (the network-file
schema, the graph's shape inference, the importer and the exporter, the engine's kinds)
derives from it. Adding an op is one module (or a few lines in one) and a registry line.

Kinds (what the engine does with a layer):

* ``weights``: MACs on the PE array, one operand a weight tensor (conv, fc, linear);
* ``matmul``:  MACs on the PE array, both operands activations streamed from the buffer;
* ``vector``:  element operations on the vector unit (pooling, element-wise functions,
  normalization, reductions) and data movement (a copy is one operation per element);
* ``view``:    no new data: the output shares storage with its inputs (fused ReLU, a concat
  the producers write in place, a reshape), free in time and energy;
* ``source``:  a further network input: it starts in DRAM, as the network input does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Callable

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..layer import Layer

MAX_SIZE = 1_000_000  # any one size, channel count, kernel, stride or padding
MAX_RANK = 8  # per-sample dimensions of a tensor


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerEntry(Strict):
    """Keys every layer of a network file has."""

    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The layer's name, unique in the network; 'input' is reserved for the network input.")
    inputs: list[str] | None = Field(
        default=None, min_length=1,
        description="Names of the layers this one reads; the network input is 'input'. Default (null): the "
                    "previous layer (the network input for the first).")
    stage: Annotated[str, Field(max_length=200)] = Field(
        "", description="A label grouping layers into stages, printed by per-stage tables and figures (default: "
                        "none).")
    note: str = Field("", description="Free text kept with the layer (where it came from: an ONNX node, a "
                                      "SCALE-Sim row); no count depends on it.")

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "input":
            raise ValueError("'input' is reserved for the network input")
        return value


class ShapeError(Exception):
    """A layer whose inputs do not fit it: ``field`` is the entry's key, if one is to blame."""

    def __init__(self, problem: str, field: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.field = field


@dataclass(frozen=True)
class OpSpec:
    name: str  # the value of ``op`` in a network file
    entry: type[LayerEntry]  # its file schema (one pydantic model may serve several ops)
    # (entry, producer layers, their names) -> the Layer's fields; raises ShapeError.
    infer: Callable[[Any, list[Layer], tuple[str, ...]], dict[str, Any]]
    min_inputs: int = 1
    max_inputs: int | None = 1  # None: any number
    # ONNX writer: (builder, layer) -> None; see workload/onnx/export.py for the builder.
    write_onnx: Callable[[Any, Layer], None] | None = None
    summary: str = ""  # one line for the docs and the schema


def image(layer: Layer, op: str) -> tuple[int, int, int]:
    """A producer's output as channels x height x width, or a ShapeError for other ranks."""
    if len(layer.dims) != 3:
        raise ShapeError(f"{op} needs an image input (channels x height x width); '{layer.name}' gives "
                         f"{dims_text(layer.dims)} per sample", "inputs")
    return layer.dims  # type: ignore[return-value]


def grid_view(dims: tuple[int, ...]) -> dict[str, int]:
    """The k x p x q fields of a layer whose output has per-sample ``dims`` (any rank): the
    image axes as they are, other ranks folded (outer axes into k) so the sizes multiply out."""
    if len(dims) == 3:
        k, p, q = dims
    elif len(dims) < 3:
        k, p, q = (*dims, 1, 1, 1)[:3]
    else:
        k, p, q = math.prod(dims[:-2]), dims[-2], dims[-1]
    return {"k": k, "p": p, "q": q}


def same_shape_fields(dims: tuple[int, ...], n: int) -> dict[str, Any]:
    """Fields of a layer whose input and output have the same per-sample ``dims``."""
    view = grid_view(dims)
    return {"dims": tuple(dims), "n": n, "c": view["k"], "h": view["p"], "w": view["q"], **view}


def normalize_axis(axis: int, rank: int, field: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise ShapeError(f"axis {axis} is out of range for a {rank}-D tensor (per sample)", field)
    return axis % rank


def dims_text(dims: tuple[int, ...]) -> str:
    return "x".join(map(str, dims)) if dims else "a scalar"


def same_batch(producers: list[Layer]) -> int:
    batches = {layer.n for layer in producers}
    if len(batches) != 1:
        raise ShapeError(f"inputs have different batch sizes {sorted(batches)}", "inputs")
    return producers[0].n


PositiveInt = Annotated[int, Field(gt=0, le=MAX_SIZE, strict=True)]
NonNegativeInt = Annotated[int, Field(ge=0, le=MAX_SIZE, strict=True)]
Axis = Annotated[int, Field(ge=-MAX_RANK, lt=MAX_RANK, strict=True)]
Dims = Annotated[list[PositiveInt], Field(min_length=1, max_length=MAX_RANK)]


def _pair(lowest: int):
    """An integer or a pair [height, width] of integers in [lowest, MAX_SIZE].

    One validator instead of a pydantic Union, so an error reads "must be ..." rather than
    listing every member of the union.
    """
    from pydantic import PlainValidator  # noqa: PLC0415

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


Pair = Annotated[int | tuple[int, int], _pair(1)]
PadPair = Annotated[int | tuple[int, int], _pair(0)]


def as_pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    first, second = value
    return int(first), int(second)


def window(h: int, w: int, r: int, s: int, sh: int, sw: int, ph: int, pw: int, ceil: bool) -> tuple[int, int]:
    from ..layer import conv_output_size  # noqa: PLC0415

    if r > h + 2 * ph or s > w + 2 * pw:
        raise ShapeError(f"kernel {r}x{s} is larger than the padded input {h + 2 * ph}x{w + 2 * pw}", "kernel")
    return conv_output_size(h, r, sh, ph, ceil), conv_output_size(w, s, sw, pw, ceil)
