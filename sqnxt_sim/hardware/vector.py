"""The vector unit: where pooling, element-wise functions, normalization, reductions and
data movement run, and what each function costs.

One *operation* is one ALU step of a PE-class datapath: an add, a multiply, a compare, or a
fused multiply-add (the PE is a MAC unit). A function costs the operations of a common
fixed-point approximation, per element; its energy is one MAC's per operation. The defaults
and their reasons (each can be overridden in ``vector_unit.ops_per_element``):
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

# function -> (operations per element, why)
FUNCTIONS: dict[str, tuple[float, str]] = {
    "add": (1, "one add (average pooling adds each window element; the divide folds into the next layer)"),
    "sub": (1, "one subtract"),
    "mul": (1, "one multiply"),
    "max": (1, "one compare (max pooling compares each window element)"),
    "min": (1, "one compare"),
    "copy": (1, "one load and store per element written (transpose, gather, expand, pad, a strided slice)"),
    "square": (1, "one multiply"),
    "abs": (1, "one compare-and-negate"),
    "reciprocal": (3, "a table seed, then one Newton step y(2 - xy): 2 fused multiply-adds"),
    "div": (4, "a reciprocal (3) and a multiply"),
    "sqrt": (5, "an inverse-square-root seed and one Newton step y(1.5 - 0.5xy^2) (4), then a multiply"),
    "exp": (4, "range reduction x*log2(e) split into integer and fraction (1), a degree-3 polynomial by Horner (3)"),
    "sigmoid": (8, "1 / (1 + exp(-x)): exp (4), an add, a reciprocal (3)"),
    "tanh": (10, "2 sigmoid(2x) - 1: a multiply, a sigmoid (8), a fused multiply-add"),
    "erf": (17, "Abramowitz-Stegun 7.1.26: t = 1/(1 + p|x|) (5), degree-5 Horner in t (5), exp(-x^2) (5), sign and "
                "scale (2)"),
    "gelu": (20, "0.5 x (1 + erf(x / sqrt 2)): a multiply, erf (17), a fused multiply-add, a multiply"),
    "hardsigmoid": (3, "clip(alpha x + beta, 0, 1): a fused multiply-add and two compares"),
    "hardswish": (4, "x * hardsigmoid(x): hardsigmoid (3) and a multiply"),
    "softmax": (8, "per element: a compare for the row maximum, a subtract, exp (4), an add to the row sum, a multiply "
                   "by the sum's reciprocal (the one reciprocal per row is not counted)"),
    "layernorm": (5, "per element: an add to the row mean, a subtract, a square-accumulate for the variance, a multiply "
                     "by the inverse deviation, the affine fused multiply-add (one inverse square root per row is not "
                     "counted)"),
}
FUNCTION_NAMES = tuple(FUNCTIONS)
OpsPerElement = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False)]


class VectorUnit(BaseModel):
    """Where pooling, element-wise functions, normalization, reductions and data movement run:
    ``lanes`` operations per cycle per core, each function costing ``ops_per_element``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lanes: Annotated[int, Field(gt=0, le=1 << 22, strict=True)] | None = Field(
        None, description="Operations per cycle per core. Default (null): one per PE, as when the PEs' ALUs do "
                          "the work.")
    ops_per_element: dict[str, OpsPerElement] = Field(
        default_factory=dict,
        description="Operations per element, by function, overriding the defaults (e.g. {softmax: 6, gelu: 12}); "
                    f"functions: {', '.join(FUNCTION_NAMES)}. Defaults and reasons: docs/model.md, \"Vector unit\".")

    @field_validator("ops_per_element")
    @classmethod
    def _known(cls, costs: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(costs) - set(FUNCTIONS))
        if unknown:
            raise ValueError(f"unknown function {unknown[0]!r}; known: {', '.join(FUNCTION_NAMES)}")
        return costs

    def cost(self, function: str) -> float:
        return float(self.ops_per_element.get(function, FUNCTIONS[function][0]))


__doc__ += "\n".join(f"\n* ``{name}``: {ops:g} - {why}" for name, (ops, why) in FUNCTIONS.items())
