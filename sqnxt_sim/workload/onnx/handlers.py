"""Translating ONNX nodes into network-file layers.

:class:`Translation` walks the graph once. Each node goes to the reader its op type is
registered with: the readers of layers live with their ops (``ONNX_READERS`` in each
module of :mod:`sqnxt_sim.workload.ops`); the nodes that make no layer (views, batch norm,
graph constants) are read here. A reader returns ``False`` to leave a node *unmodelled*.

Tensors. Every ONNX tensor is a graph constant (``static``), an activation held by a layer
(``data``), or ``opaque`` (it comes from a node that could not be imported; whatever reads
it cannot be modelled). An activation's per-sample dims are its ONNX dims without the
leading batch axis (``offset`` 1). Exporters of attention move the batch axis among the
others (ViT: 197 x 1 x 768); at batch 1 such a tensor is read whole (``offset`` 0), at
another batch the node is refused. Views (Reshape, Flatten, Squeeze...) make no layer: the
tensor stands for its producer's output, and a reader that needs the ONNX layout asks for it
(:meth:`Translation.laid_out`), which inserts a free ``reshape`` view where they differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import ops
from ..graph import INPUT
from . import fresh_name
from .fold import attribute_values
from .padding import NodeError, pad_amounts, window

SHAPE_OPS = {"Shape", "Size"}  # outputs are metadata, not activations
MAC_OPS = {
    "ConvTranspose", "ConvInteger", "QLinearConv", "DeformConv", "MatMulInteger", "QLinearMatMul",
    "Einsum", "RNN", "GRU", "LSTM", "Attention", "MultiHeadAttention",
}
CONTROL_FLOW = {"If", "Loop", "Scan"}
STANDARD_DOMAINS = ("", "ai.onnx")
WINDOW_OPS = {"Conv", "MaxPool", "AveragePool"}  # a Pad node before them folds into their pads


@dataclass
class Tensor:
    kind: str  # "data", "static", "opaque", "sequence" (parts of a tensor, see ops/movement.py)
    layer: str = ""
    offset: int = 1  # leading ONNX axes that are not per sample: 1 (the batch) or 0 (batch 1, read whole)
    reason: str = ""  # opaque: why the layers after it cannot be modelled
    node: str = ""  # the node that made it (names the view layer a reader may need)
    pads: tuple[int, ...] = ()  # a Pad node's ONNX pads, waiting to fold into a window
    unpadded: str = ""  # ... and the tensor it pads


def _readers() -> dict[str, Callable]:
    table: dict[str, Callable] = {}
    for family in ops.FAMILIES:
        table.update(getattr(family, "ONNX_READERS", {}))
    return table


class Translation:
    """Per-node translation state; readers call the methods below."""

    def __init__(self, shapes, values, static_dims, batch: int, stage_of: Callable[[Any, str], str]) -> None:
        self.shapes = shapes  # tensor -> ONNX dims (ints, None for symbolic), or None
        self.values = values  # tensor -> numpy value of a constant (small ones only)
        self.static_dims = static_dims  # tensor -> dims of an initializer or constant
        self.batch = batch
        self.stage_of = stage_of
        self.tensors: dict[str, Tensor] = {}
        self.layers: list[dict[str, Any]] = []
        self.layer_index: dict[str, int] = {}
        self.layer_op_type: dict[str, str] = {}
        self.layer_output: dict[str, tuple[str, int]] = {}  # layer -> (its ONNX output tensor, offset)
        self.layer_dims: dict[str, tuple[int, ...]] = {}  # per sample, as the layer computes it
        self.unmodelled: list[dict[str, Any]] = []
        self.consumers: dict[str, list] = {}
        self.views: dict[tuple[str, tuple[int, ...]], str] = {}
        self.sequences: dict[str, tuple[str, int, list[int]]] = {}  # SplitToSequence output -> (input, axis, sizes)
        self.names: set[str] = {INPUT}
        self.readers = _readers()

    # -- facts about tensors ----------------------------------------------------------------

    def attrs(self, node) -> dict[str, Any]:
        return attribute_values(node)

    def onnx_dims(self, tensor: str) -> list | None:
        return self.shapes.get(tensor)

    def is_data(self, tensor: str) -> bool:
        return bool(tensor) and self.tensors[tensor].kind == "data"

    def value(self, tensor: str):
        return self.values.get(tensor) if tensor else None

    def data_inputs(self, node) -> list[str]:
        return [t for t in node.input if t and self.tensors[t].kind == "data"]

    def static_inputs(self, node) -> list[str]:
        return [t for t in node.input if t and self.tensors[t].kind == "static"]

    def per_sample(self, tensor: str, offset: int | None = None) -> tuple[int, ...]:
        """ONNX dims of ``tensor`` without its leading ``offset`` axes; known sizes only."""
        dims = self.shapes.get(tensor)
        offset = self.tensors[tensor].offset if offset is None else offset
        if dims is None or any(not isinstance(d, int) or d <= 0 for d in dims[offset:]):
            raise NodeError(f"ONNX cannot infer the shape of '{tensor}' ({shape_text(dims)}); sqnxt-sim needs static "
                            "shapes (export with constant folding, or fix the input size)")
        return tuple(dims[offset:])

    def axis(self, tensor: str, onnx_axis: int, offset: int | None = None) -> int:
        """The per-sample axis of an ONNX axis of ``tensor``."""
        rank = len(self.shapes.get(tensor) or ())
        offset = self.tensors[tensor].offset if offset is None else offset
        axis = onnx_axis % rank if rank else onnx_axis
        if axis < offset:
            raise NodeError("acts on the batch axis, which sqnxt-sim models only at batch 1")
        return axis - offset

    def static(self, node, position: int, what: str) -> list[int] | None:
        if len(node.input) <= position or not node.input[position]:
            return None
        tensor = node.input[position]
        if self.tensors[tensor].kind != "static":
            raise NodeError(f"{what} '{tensor}' is computed at run time; sqnxt-sim models {node.op_type} only "
                            f"with constant {what}s (it has MACs that cannot be dropped)")
        dims = self.static_dims.get(tensor) or self.shapes.get(tensor)
        if dims is None or any(not isinstance(d, int) for d in dims):
            raise NodeError(f"the shape of {what} '{tensor}' cannot be inferred")
        return list(dims)

    # -- inputs of layers -------------------------------------------------------------------

    def data(self, node, position: int = 0) -> str:
        """The activation at input ``position`` (a pending Pad becomes a ``pad`` layer here)."""
        if len(node.input) <= position or not node.input[position]:
            raise NodeError(f"input {position} is missing")
        tensor = node.input[position]
        state = self.tensors[tensor]
        if state.kind != "data":
            raise NodeError(f"input '{tensor}' must be an activation, not a constant")
        if state.pads:
            self.pad_layer(tensor)
        return tensor

    def window_data(self, node) -> tuple[str, tuple[int, int, int, int]]:
        """The image input of a conv or pool, laid out as C x H x W, and the (top, left,
        bottom, right) of a Pad node before it, which folds into the window's padding."""
        tensor = node.input[0] if node.input else ""
        if not tensor or self.tensors[tensor].kind != "data":
            return self.data(node, 0), (0, 0, 0, 0)
        state = self.tensors[tensor]
        if not state.pads:
            return self.image(tensor), (0, 0, 0, 0)
        begins, ends = pad_amounts(state.pads, 4)
        if begins[:2] != [0, 0] or ends[:2] != [0, 0]:
            self.pad_layer(tensor)  # pads channels or the batch: a real copy
            return self.image(tensor), (0, 0, 0, 0)
        return self.image(state.unpadded), (begins[2], begins[3], ends[2], ends[3])

    def image(self, tensor: str) -> str:
        """``tensor`` as an image (N x C x H x W in ONNX), laid out for a conv or pool."""
        dims = self.shapes.get(tensor)
        if dims is None or len(dims) != 4:
            raise NodeError(f"input '{tensor}' has shape {shape_text(dims)}; only 2-D (N x C x H x W) operators are modelled")
        return self.laid_out(tensor, 1)

    def offsets_for(self, tensors: list[str]) -> int:
        """A common offset for the inputs of one node: 1 unless one of them is read whole."""
        offset = min(self.tensors[t].offset for t in tensors)
        if offset == 0:
            self.require_batch_one()
        return offset

    def require_batch_one(self) -> None:
        if self.batch != 1:
            raise NodeError(f"moves the batch axis among the others; sqnxt-sim reads such a model only at batch 1 "
                            f"(this import is at batch {self.batch})")

    def laid_out(self, tensor: str, offset: int | None = None) -> str:
        """``tensor`` whose producer layer has exactly the ONNX per-sample dims (at ``offset``):
        the tensor itself, or a ``reshape`` view layer inserted in between (free)."""
        state = self.tensors[tensor]
        offset = state.offset if offset is None else offset
        if offset != state.offset:
            self.require_batch_one()
        wanted = self.per_sample(tensor, offset)
        have = self.layer_dims[state.layer]
        if have == wanted:
            return tensor
        if math.prod(have) != math.prod(wanted):
            shape = "x".join(map(str, have))
            raise NodeError(f"input '{tensor}' is {shape_text(self.shapes.get(tensor))} in ONNX but stands for layer "
                            f"'{state.layer}' ({shape} per sample): an unmodelled operator in between changed its size")
        key = (state.layer, wanted)
        if key not in self.views:
            name = self.fresh_name(state.node if state.node and state.node != state.layer else f"{state.layer}.view")
            view = f"{name}:view"
            self.add_layer(name, "Reshape", {"op": "reshape", "shape": list(wanted)}, [state.layer],
                            stage=self.layer_stage(state.layer), note="a view: the ONNX layout of the tensor")
            self.tensors[view] = Tensor("data", name, offset, node=name)
            self.shapes[view] = self.shapes[tensor]
            self.layer_output[name] = (view, offset)
            self.layer_dims[name] = wanted
            self.views[key] = view
        return self.views[key]

    def pad_layer(self, tensor: str) -> str:
        state = self.tensors[tensor]
        source = self.laid_out(state.unpadded)
        rank = len(self.shapes[tensor])
        begins, ends = pad_amounts(state.pads, rank)
        offset = self.tensors[source].offset
        if any(begins[:offset]) or any(ends[:offset]):
            raise NodeError("pads the batch axis")
        name = self.fresh_name(state.node or f"{state.layer}.pad")
        out = f"{name}:pad"
        self.add_layer(name, "Pad", {"op": "pad", "before": begins[offset:], "after": ends[offset:]},
                        [self.tensors[source].layer], stage=self.layer_stage(state.layer))
        self.tensors[out] = Tensor("data", name, offset, node=name)
        self.shapes[out] = self.shapes[tensor]
        self.layer_output[name] = (out, offset)
        self.layer_dims[name] = tuple(d + b + e for d, b, e in zip(self.layer_dims[self.tensors[source].layer],
                                                                 begins[offset:], ends[offset:]))
        self.tensors[tensor] = Tensor("data", name, offset, node=name)  # later readers share the copy
        return tensor

    def window(self, node, height: int, width: int, kernel, ceil: bool, extra=(0, 0, 0, 0)) -> dict[str, Any]:
        return window(node, height, width, tuple(kernel), ceil, self.shapes.get(node.output[0]), tuple(extra))

    # -- outputs ----------------------------------------------------------------------------

    def emit(self, node, name: str, entry: dict[str, Any], inputs: list[str], note: str = "",
             output: int = 0, offset: int | None = None) -> str:
        """A layer for ``node`` reading ``inputs`` (tensors); returns the layer name."""
        offset = self.tensors[inputs[0]].offset if offset is None else offset
        layers = [self.tensors[t].layer for t in inputs]
        self.add_layer(name, node.op_type, entry, layers, stage=self.stage_of(node, name),
                        note=f"ONNX {node.op_type}" + (f"; {note}" if note else ""))
        out = node.output[output]
        self.tensors[out] = Tensor("data", name, offset, node=name)
        self.layer_output[name] = (out, offset)
        return name

    def add_layer(self, name: str, op_type: str, entry: dict[str, Any], inputs: list[str], stage: str, note: str = "") -> None:
        self.names.add(name)
        self.layer_index[name] = len(self.layers)
        self.layers.append({"name": name, **entry, **({"inputs": inputs} if inputs else {}), "stage": stage, "note": note})
        self.layer_op_type[name] = op_type
        self.layer_dims[name] = self._infer_dims(name)

    def _infer_dims(self, name: str) -> tuple[int, ...]:
        """The layer's per-sample dims by our own rules (workload/ops), from its producers'."""
        entry = self.layers[self.layer_index[name]]
        spec = ops.spec(entry["op"])
        inputs = entry.get("inputs", [])
        producers = [_Stub(self.layer_dims[i], name=i) for i in inputs]
        try:
            model = spec.entry.model_validate(entry)
            return tuple(spec.infer(model, producers, tuple(inputs))["dims"])
        except ops.ShapeError as error:
            raise NodeError(error.problem, None) from None
        except ValueError as error:  # pydantic: a value out of the file format's range
            raise NodeError(f"cannot be written as a {entry['op']} layer: {str(error).splitlines()[-1].strip()}") from None

    def alias(self, node, tensor: str, output: int = 0, offset: int | None = None) -> None:
        state = self.tensors[tensor]
        if node.output and len(node.output) > output and node.output[output]:
            self.tensors[node.output[output]] = Tensor("data", state.layer, state.offset if offset is None else offset,
                                                       node=node.name, pads=state.pads, unpadded=state.unpadded)

    def layer_stage(self, layer: str) -> str:
        index = self.layer_index.get(layer)
        return self.layers[index]["stage"] if index is not None else ""

    def fresh_name(self, base: str) -> str:
        """A layer name not taken yet (``base``, ``base_2``...)."""
        return fresh_name(base, self.names)

    def mark_opaque(self, node, reason: str) -> None:
        for output in node.output:
            if output:
                self.tensors[output] = Tensor("opaque", reason=reason)

    # -- the walk ---------------------------------------------------------------------------

    def translate(self, node, name: str) -> None:
        op = node.op_type
        standard = node.domain in STANDARD_DOMAINS
        kinds = []
        for tensor in node.input:
            if not tensor:
                continue
            state = self.tensors.get(tensor)
            if state is None:
                raise NodeError(f"input '{tensor}' is not produced by any node, initializer or graph input")
            kinds.append(state.kind)
        type_only = standard and op == "CastLike" and bool(kinds) and kinds[0] == "static"  # input 1 gives a type only
        if (standard and op in SHAPE_OPS) or all(kind == "static" for kind in kinds) or type_only:
            for out in node.output:
                if out:
                    self.tensors[out] = Tensor("static")
            return
        for tensor in node.input:
            state = self.tensors.get(tensor) if tensor else None
            if state is not None and state.kind == "opaque":
                raise Consequence(f"input '{tensor}' {state.reason}, so the layers after it cannot be modelled")
        if standard and op in CONTROL_FLOW:
            raise NodeError(f"control flow ({op}) is not supported: its branches would be dropped")
        if op in MAC_OPS:
            raise NodeError(f"{op} does MACs that sqnxt-sim cannot model; it refuses to drop them silently")
        reader = (NON_LAYER_READERS.get(op) or self.readers.get(op)) if standard else None
        if reader is None or reader(self, node, name) is False:
            self.unmodelled_node(node, name)

    def unmodelled_node(self, node, name: str) -> None:
        op = node.op_type if node.domain in STANDARD_DOMAINS else f"{node.domain}.{node.op_type}"
        out = node.output[0] if node.output else ""
        dims = self.shapes.get(out)
        if dims is None or any(not isinstance(d, int) for d in dims[1:]) or (len(dims) == 1 and dims[0] is None):
            raise NodeError(f"{op} is not modelled and ONNX cannot infer its output shape "
                            f"({shape_text(dims)}); sqnxt-sim needs the size of every operator it cannot model")
        shape = [self.batch, *dims[1:]] if len(dims) >= 2 else list(dims)
        elements = math.prod(shape)
        self.unmodelled.append({"name": name, "op_type": op, "output_shape": shape, "output_elements": elements})
        per_sample = math.prod(shape[1:]) if len(shape) >= 2 else None
        for tensor in self.data_inputs(node):
            in_dims = self.shapes.get(tensor)
            if in_dims and len(in_dims) >= 2 and all(isinstance(d, int) for d in in_dims[1:]) \
                    and math.prod(in_dims[1:]) == per_sample:
                for output in node.output:
                    if output:
                        self.tensors[output] = Tensor("data", self.tensors[tensor].layer, self.tensors[tensor].offset,
                                                      node=name)
                return
        first = next(iter(self.data_inputs(node)), "")
        change = f"{shape_text(self.shapes.get(first))} -> {shape_text(dims)}"
        self.mark_opaque(node, f"comes from node '{name}' ({op}), which sqnxt-sim does not model and which changes the "
                               f"tensor size ({change})")


class Consequence(NodeError):
    """A node that fails only because an earlier node did: not reported again."""


@dataclass(frozen=True)
class _Stub:
    """A producer as shape inference sees it: dims and a batch of 1 (counts are not needed)."""

    dims: tuple[int, ...]
    n: int = 1
    name: str = ""

    @property
    def output_elements(self) -> int:
        return math.prod(self.dims)


# --- nodes that make no layer -------------------------------------------------------------


def read_view(t: Translation, node, name: str):
    """Reshape, Flatten, Squeeze, Unsqueeze of an activation: the same data."""
    x = node.input[0]
    if not t.is_data(x):
        return False
    t.data(node, 0)  # a pending Pad is a copy before the view
    out = t.shapes.get(node.output[0])
    if out is None or any(not isinstance(d, int) for d in out[1:]):
        raise NodeError(f"ONNX cannot infer the output shape ({shape_text(out)}); sqnxt-sim needs a static "
                        "shape (export with constant folding, or simplify the model)")
    state = t.tensors[x]
    source = t.shapes.get(x) or []
    keeps_batch = state.offset == 1 and isinstance(out[0], int) and source and out[0] == source[0] \
        and math.prod(out[1:]) == math.prod(source[1:] or [1])
    if keeps_batch:
        t.alias(node, x)
        return None
    if t.batch != 1 or any(not isinstance(d, int) for d in out):
        return False  # mixes the batch in at batch > 1: unmodelled (listed)
    t.alias(node, x, offset=0)
    return None


def read_pass(t: Translation, node, name: str):
    if not t.is_data(node.input[0]):
        raise NodeError(f"input '{node.input[0]}' must be an activation, not a constant")
    t.alias(node, node.input[0])


def read_pad(t: Translation, node, name: str):
    x = node.input[0]
    attrs = t.attrs(node)
    mode = attrs.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else str(mode)
    pads = attrs.get("pads")
    if pads is None and len(node.input) > 1:
        value = t.value(node.input[1])
        pads = None if value is None else [int(v) for v in np.reshape(value, -1)]
    if len(node.input) > 3 and node.input[3]:
        return False  # axes: rare; unmodelled
    if not t.is_data(x) or pads is None or mode != "constant" or any(p < 0 for p in pads):
        return False
    rank = len(t.shapes.get(x) or ())
    if pad_amounts(pads, rank) is None:
        return False
    state = t.tensors[x]
    combined = tuple(pads) if not state.pads else tuple(a + b for a, b in zip(state.pads, pads))
    t.tensors[node.output[0]] = Tensor("data", state.layer, state.offset, node=name, pads=combined,
                                       unpadded=state.unpadded or x)
    return None


NON_LAYER_READERS: dict[str, Callable] = {
    "Flatten": read_view, "Reshape": read_view, "Squeeze": read_view, "Unsqueeze": read_view,
    "Identity": read_pass, "Dropout": read_pass, "BatchNormalization": read_pass, "Pad": read_pad,
}


def shape_text(dims) -> str:
    if dims is None:
        return "unknown shape"
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"
