"""A network as columns: one numpy array per loop bound, one row per layer.

The engine works on these columns so a whole network (and, in a sweep, many accelerator
configurations) is evaluated with array arithmetic instead of a Python loop over layers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from ..hardware.vector import FUNCTION_NAMES
from ..workload.graph import Network
from .dataflows.base import Geometry


@dataclass(frozen=True)
class LayerTable:
    names: tuple[str, ...]
    ops: tuple[str, ...]
    stages: tuple[str, ...]
    shapes: tuple[str, ...]
    n: np.ndarray
    c: np.ndarray  # input channels per group
    k: np.ndarray
    g: np.ndarray
    p: np.ndarray
    q: np.ndarray
    r: np.ndarray
    s: np.ndarray
    stride: np.ndarray  # vertical stride (bands of output rows)
    stride_w: np.ndarray  # horizontal stride
    h: np.ndarray  # input height and width
    w: np.ndarray
    macs: np.ndarray
    weights: np.ndarray
    elementwise_ops: np.ndarray  # vector-unit elements (each costs its function's operations)
    input_words: np.ndarray  # elements read from the producers (all inputs)
    output_words: np.ndarray
    has_macs: np.ndarray  # bool
    second_operand: np.ndarray  # bool: a matmul of two activations (its "weights" are an activation)
    function_index: np.ndarray  # vector-unit function of each layer (hardware.vector.FUNCTION_NAMES), -1: none

    def __len__(self) -> int:
        return len(self.names)

    def take(self, indices) -> "LayerTable":
        """The layers at ``indices``, in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        values = {}
        for field in fields(self):
            value = getattr(self, field.name)
            values[field.name] = tuple(value[i] for i in indices.tolist()) if isinstance(value, tuple) else value[indices]
        return LayerTable(**values)

    @cached_property
    def group_shapes(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct shapes of one group (F, C, N, P, Q, R, S, stride, H, W) and each
        layer's index into them: repeated blocks share their DRAM schedule."""
        columns = np.stack([self.filters_per_group, self.c, self.n, self.p, self.q, self.r, self.s, self.stride,
                            self.h, self.w], axis=1)
        shapes, index = np.unique(columns, axis=0, return_inverse=True)
        return shapes, np.reshape(index, -1)

    # GEMM view of one group: ifmap (N*P*Q) x (R*S*C), filter (R*S*C) x (K/G).
    @property
    def pixels(self) -> np.ndarray:
        return self.n * self.p * self.q

    @property
    def reduction(self) -> np.ndarray:
        return self.r * self.s * self.c

    @property
    def filters_per_group(self) -> np.ndarray:
        return self.k // self.g

    def vector_ops(self, costs: np.ndarray) -> np.ndarray:
        """Vector-unit operations per (configuration, layer): elements x the function's cost
        (``costs``: (configs, functions) operations per element)."""
        per_element = np.where(self.function_index >= 0, np.take(costs, np.maximum(self.function_index, 0), axis=-1), 0.0)
        return np.ceil(self.elementwise_ops * per_element - 1e-9)

    @cached_property
    def geometry(self) -> Geometry:
        """The whole layer as dataflows see it (one group's loop bounds)."""
        return Geometry(n=self.n, k=self.filters_per_group, c=self.c, g=self.g, p=self.p, q=self.q, r=self.r, s=self.s,
                        stride_h=self.stride, stride_w=self.stride_w, pixels=self.pixels)


def _engine_view(layer):
    """A matmul's second operand differs per image: the engine sees the batch as more groups."""
    if layer.kind == "matmul":
        return 1, layer.g * layer.n, layer.k * layer.n
    return layer.n, layer.g, layer.k


def layer_table(network: Network) -> LayerTable:
    layers = network.layers
    views = [_engine_view(layer) for layer in layers]

    def column(values) -> np.ndarray:
        return np.array(list(values), dtype=np.int64)

    return LayerTable(
        names=tuple(layer.name for layer in layers),
        ops=tuple(layer.op for layer in layers),
        stages=tuple(layer.stage or layer.op for layer in layers),
        shapes=tuple(layer.shape_text() for layer in layers),
        n=column(view[0] for view in views),
        c=column(layer.c for layer in layers),
        k=column(view[2] for view in views),
        g=column(view[1] for view in views),
        p=column(layer.p for layer in layers),
        q=column(layer.q for layer in layers),
        r=column(layer.r for layer in layers),
        s=column(layer.s for layer in layers),
        stride=column(layer.stride_h for layer in layers),
        stride_w=column(layer.stride_w for layer in layers),
        h=column(layer.h for layer in layers),
        w=column(layer.w for layer in layers),
        macs=column(layer.macs for layer in layers),
        weights=column(layer.weights for layer in layers),
        elementwise_ops=column(layer.elementwise_ops for layer in layers),
        input_words=column(layer.input_elements for layer in layers),
        output_words=column(layer.output_elements for layer in layers),
        has_macs=np.array([layer.has_macs for layer in layers], dtype=bool),
        second_operand=np.array([layer.kind == "matmul" for layer in layers], dtype=bool),
        function_index=column(FUNCTION_NAMES.index(layer.function) if layer.function else -1 for layer in layers),
    )
