"""Bring your own network: read an ONNX model into the same layer graph as the zoo.

The importer translates ONNX nodes into the explicit network form (the dict a user would
write in YAML) and hands it to :func:`~sqnxt_sim.workload.load.network_from_dict`, so shapes
are inferred and validated by our own graph code. ONNX's shape inference runs first; every
layer's shape is then cross-checked against it, and a disagreement is an error, not a guess.

What becomes what (nodes in the default ONNX domain):

==============================================  ===============================================
ONNX                                            layer
==============================================  ===============================================
Conv (2-D, groups, strides, pads, auto_pad)     ``conv`` (bias input -> ``bias: true``)
Gemm (transA=0), MatMul (2-D input x 2-D        ``fc`` (Gemm bias input, or an Add of a
weight initializer)                             per-channel constant right after -> ``bias``)
MaxPool, AveragePool (ceil_mode, pads)          ``maxpool`` / ``avgpool``
GlobalMaxPool, GlobalAveragePool,               global ``maxpool`` / ``avgpool``
ReduceMean over H and W
Add, Sum (same-shaped activations)              ``add``
Concat (channel axis)                           ``concat``
Relu, Clip with min = 0 (ReLU6)                 ``relu``
BatchNormalization                              folded into the neighbouring layers (no layer)
Identity, Dropout, Softmax                      pass-through (no layer)
Flatten, Reshape, Squeeze, Unsqueeze that       pass-through (no layer): a fully connected
only flatten (or keep the shape)                layer flattens its input itself
==============================================  ===============================================

Tensors computed from constants only (Constant, Shape and the arithmetic on shapes that
exporters emit) are graph constants: no layer, nothing to report.

Everything else is *unmodelled*: listed in ``Network.unmodelled`` with its output shape and
size (reports show the list; it is never dropped silently), and its output stands for its
first activation input with the same number of elements (``Sigmoid``, ``LRN``,
``Transpose``, a ``Mul`` by a constant, a channel shuffle ``Reshape``...). An unmodelled
operator that changes the tensor size (``Pad``, ``Resize``, ``Slice``) is fine at the end
of a graph; if a later node reads its output, the import fails naming both nodes. Layers
downstream of a pass-through are still cross-checked against ONNX's shapes, so a pass-through
can never give a layer a wrong shape. Operators that do MACs sqnxt-sim cannot model
(``ConvTranspose``, attention, RNNs, a ``MatMul`` of two activations, a ``Conv`` with
dilations) and control flow are rejected outright: passing them through would under-count
the work.

Padding: layers pad symmetrically. Asymmetric ``pads`` (or ``auto_pad`` SAME with an odd
total) are accepted when a symmetric padding gives exactly the same output size: the cost
model depends on padding only through the output size, so the result is exact; the layer's
note records the original pads. Otherwise the import fails naming the node.

Batch: the ``batch`` argument, else the model input's first dimension when it is a number,
else 1. ONNX's batch dimension is not cross-checked (a ``batch`` override may differ from
the file).

Layer names are the ONNX node names; a node without a name is called ``<OpType>_<index>``
(its position in ``graph.node``), and repeated names get a ``_2``, ``_3``... suffix. The
stage is read back from the metadata :mod:`sqnxt_sim.workload.onnx_export` writes; otherwise
it is the first part of a ``/``-separated node name with at least three parts (PyTorch's
``/layer1/layer1.0/conv1/Conv`` -> ``layer1``), else empty.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .graph import INPUT, Network
from .layer import Layer, Op, conv_output_size

INSTALL_HINT = 'reading ONNX models needs the onnx package: pip install "sqnxt-sim[onnx]"'

# Metadata keys written by onnx_export (model.metadata_props), read back here.
META_NETWORK = "sqnxt_sim.network"
META_STAGES = "sqnxt_sim.stages"
META_RECONSTRUCTION = "sqnxt_sim.reconstruction"

SHAPE_OPS = {"Shape", "Size"}  # outputs are metadata, not activations
MAC_OPS = {
    "ConvTranspose", "ConvInteger", "QLinearConv", "DeformConv", "MatMulInteger", "QLinearMatMul",
    "Einsum", "RNN", "GRU", "LSTM", "Attention", "MultiHeadAttention",
}
CONTROL_FLOW = {"If", "Loop", "Scan"}
STANDARD_DOMAINS = ("", "ai.onnx")


def load_onnx(path: str | Path, batch: int | None = None) -> Network:
    """Read an ONNX model as a :class:`Network` (see the module docstring for the rules)."""
    source = str(path)
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise InputError(source, "batch", f"must be a positive integer, got {batch!r}")
    onnx = _require_onnx(source)
    model = _read_model(onnx, Path(path), source)
    inferred = _infer_shapes(onnx, model, source)
    return _Importer(inferred, source, batch, Path(path).stem).run()


# --- reading, checking, shape inference --------------------------------------------------


def _require_onnx(source: str):
    try:
        import onnx  # noqa: PLC0415 - optional dependency, imported only when asked for
        import onnx.shape_inference  # noqa: F401,PLC0415
    except ImportError:
        raise InputError(source, None, INSTALL_HINT) from None
    return onnx


def _read_model(onnx, path: Path, source: str):
    if not path.is_file():
        raise InputError(source, None, "no such file" if not path.exists() else "not a file")
    try:
        # Weights are not needed beyond their shapes, which every initializer carries.
        model = onnx.load(str(path), load_external_data=False)
    except OSError as error:
        raise InputError(source, None, f"cannot read: {error.strerror or error}") from None
    except Exception as error:  # protobuf DecodeError and friends: a corrupt or truncated file
        raise InputError(source, None, f"not a valid ONNX model (corrupt or truncated file?): {_first_line(error)}") from None
    try:
        # The file form checks from disk: faster for big models than re-serializing the loaded
        # one, and it resolves external weight files relative to the model's directory.
        onnx.checker.check_model(str(path))
    except Exception as error:  # onnx.checker.ValidationError
        raise _located(source, error, "invalid ONNX model") from None
    _keep_small_constants(model, path, source)
    return model


SMALL = 1024  # elements: shape vectors, axes and clip bounds are far smaller; weights larger


def _keep_small_constants(model, path: Path, source: str) -> None:
    """Shapes need the dims of a weight, never its values: drop large payloads (shape
    inference copies the model into C++, slow on big networks) and read only the small
    constants (Reshape targets, axes, Clip bounds) that were stored as external data."""
    from onnx.external_data_helper import load_external_data_for_tensor  # noqa: PLC0415

    fields = ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data")
    for tensor in model.graph.initializer:
        if math.prod(tensor.dims) > SMALL:
            for name in fields:
                tensor.ClearField(name)
        elif _is_external(tensor):
            try:
                load_external_data_for_tensor(tensor, str(path.parent))
            except (OSError, ValueError) as error:
                raise InputError(source, f"initializer '{tensor.name}'", f"cannot read its external data: {error}") from None
            tensor.data_location = 0  # TensorProto.DEFAULT: the value is inline now
            del tensor.external_data[:]


def _infer_shapes(onnx, model, source: str):
    try:
        return onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True, data_prop=True)
    except Exception as error:  # onnx.shape_inference.InferenceError
        raise _located(source, error, "ONNX shape inference failed") from None


def _is_external(tensor) -> bool:
    return tensor.data_location == 1  # TensorProto.EXTERNAL


_NODE_IN_MESSAGE = (
    re.compile(r"op_type:\s*(?P<op>[^,\s]+),\s*node name:\s*(?P<name>[^)]*)\)"),
    re.compile(r"Name:\s*(?P<name>\S*)\s+OpType:\s*(?P<op>\S+)"),
    re.compile(r"name:\s*(?P<name>\S*)\s+OpType:\s*(?P<op>\S+)"),
)


def _located(source: str, error: Exception, what: str) -> InputError:
    """An ONNX checker/inference message as one line, naming the node when ONNX says which."""
    text = str(error)
    field = None
    for pattern in _NODE_IN_MESSAGE:
        match = pattern.search(text)
        if match:
            name = match.group("name").strip() or "(unnamed)"
            field = f"node '{name}' ({match.group('op')})"
            break
    message = text.split("==> Context:")[0].strip() or text
    message = re.sub(r"\[ShapeInferenceError\]\s*|Inference error\(s\):\s*|\(op_type:[^)]*\):\s*", "", message)
    message = " ".join(message.split())
    return InputError(source, field, f"{what}: {message[:300]}")


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


# --- translation ---------------------------------------------------------------------------


@dataclass
class _Tensor:
    kind: str  # "data" (an activation held by `layer`), "static" (a constant), "opaque"
    layer: str = ""
    reason: str = ""  # for opaque tensors: why the layers after it cannot be modelled


class _NodeError(Exception):
    def __init__(self, problem: str, attribute: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.attribute = attribute


class _Importer:
    def __init__(self, model, source: str, batch: int | None, stem: str) -> None:
        self.model = model
        self.graph = model.graph
        self.source = source
        self.batch_arg = batch
        self.stem = stem
        self.metadata = {p.key: p.value for p in model.metadata_props}
        self.shapes: dict[str, list[int | None] | None] = {}
        self.static_dims: dict[str, list[int]] = {}
        self.constants: dict[str, Any] = {}  # tensor -> TensorProto (initializer or Constant value)
        self.tensors: dict[str, _Tensor] = {}
        self.layers: list[dict[str, Any]] = []
        self.layer_index: dict[str, int] = {}
        self.layer_op_type: dict[str, str] = {}
        self.layer_output: dict[str, str] = {}  # layer -> its own ONNX output tensor
        self.layer_shape: dict[str, tuple[int, int, int]] = {}  # per-sample (channels, h, w)
        self.unmodelled: list[dict[str, Any]] = []
        self.consumers: dict[str, int] = {}
        self.stages = self._stages_from_metadata()

    # -- driver --

    def run(self) -> Network:
        self._collect_shapes()
        self._collect_constants()
        input_spec = self._network_input()
        names = _unique_node_names(self.graph.node)
        for node in self.graph.node:
            for name in node.input:
                if name:
                    self.consumers[name] = self.consumers.get(name, 0) + 1
        for node, name in zip(self.graph.node, names, strict=True):
            try:
                self._translate(node, name)
            except _NodeError as error:
                field = f"node '{name}' ({node.op_type})"
                if error.attribute:
                    field += f".{error.attribute}"
                raise InputError(self.source, field, error.problem) from None
        if not self.layers:
            raise InputError(self.source, "graph", "no node could be modelled as a layer (conv, fc, pool, add, concat, relu)")
        data = {
            # Labels a network file bounds (200 and 10,000 characters), cut rather than refused:
            # the model is fine, its doc string is just long.
            "name": (self.metadata.get(META_NETWORK) or self.stem or "onnx")[:200],
            "description": (self.model.doc_string or "")[:10_000],
            "reconstruction": self.metadata.get(META_RECONSTRUCTION, "").lower() == "true",
            "input": input_spec,
            "layers": self.layers,
        }
        from .load import network_from_dict  # noqa: PLC0415 - load imports this module lazily

        try:
            network = network_from_dict(data, self.source)
        except InputError as error:
            raise self._node_field(error) from None
        self._cross_check(network)
        return dataclasses.replace(network, unmodelled=tuple(self.unmodelled))

    # -- graph facts --

    def _collect_shapes(self) -> None:
        graph = self.graph
        for info in [*graph.input, *graph.value_info, *graph.output]:
            self.shapes[info.name] = _dims(info)
        for tensor in graph.initializer:
            self.static_dims[tensor.name] = list(tensor.dims)
            self.shapes[tensor.name] = list(tensor.dims)
            self.constants[tensor.name] = tensor
            self.tensors[tensor.name] = _Tensor("static")

    def _collect_constants(self) -> None:
        for node in self.graph.node:
            if node.op_type == "Constant" and node.domain in STANDARD_DOMAINS and node.output:
                for attribute in node.attribute:
                    if attribute.name == "value":
                        self.constants[node.output[0]] = attribute.t
                        self.static_dims[node.output[0]] = list(attribute.t.dims)

    def _network_input(self) -> dict[str, int]:
        data_inputs = [info for info in self.graph.input if info.name not in self.tensors]
        if len(data_inputs) != 1:
            names = ", ".join(repr(info.name) for info in data_inputs) or "none"
            raise InputError(self.source, "graph.input",
                             f"sqnxt-sim models networks with exactly one input tensor, this model has: {names}")
        info = data_inputs[0]
        where = f"graph input '{info.name}'"
        dims = _dims(info)
        if dims is None or len(dims) not in (2, 4):
            raise InputError(self.source, where, f"shape {_shape_text(dims)} is not supported: "
                                                 "sqnxt-sim models N x C x H x W (or N x features) inputs")
        per_sample = dims[1:]
        if any(not isinstance(d, int) or d <= 0 for d in per_sample):
            raise InputError(self.source, where, f"shape {_shape_text(dims)} has a symbolic or zero dimension "
                                                 "besides the batch; fix it in the model (onnx.tools.update_model_dims)")
        model_batch = dims[0] if isinstance(dims[0], int) and dims[0] > 0 else None
        self.batch = self.batch_arg or model_batch or 1
        channels, height, width = (*per_sample, 1, 1) if len(per_sample) == 1 else per_sample
        self.tensors[info.name] = _Tensor("data", INPUT)
        self.layer_output[INPUT] = info.name
        self.layer_shape[INPUT] = (channels, height, width)
        return {"channels": channels, "height": height, "width": width, "batch": self.batch}

    def _stages_from_metadata(self) -> dict[str, str]:
        text = self.metadata.get(META_STAGES)
        if not text:
            return {}
        try:
            stages = json.loads(text)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in stages.items()} if isinstance(stages, dict) else {}

    # -- one node --

    def _translate(self, node, name: str) -> None:
        op = node.op_type
        standard = node.domain in STANDARD_DOMAINS
        kinds = []
        for tensor in node.input:
            if not tensor:
                continue
            state = self.tensors.get(tensor)
            if state is None:
                raise _NodeError(f"input '{tensor}' is not produced by any node, initializer or graph input "
                                 "(an output of an operator sqnxt-sim does not model?)")
            kinds.append(state.kind)
        if (standard and op in SHAPE_OPS) or all(kind == "static" for kind in kinds):
            for out in node.output:
                if out:
                    self.tensors[out] = _Tensor("static")
            return
        for tensor in node.input:
            state = self.tensors.get(tensor) if tensor else None
            if state is not None and state.kind == "opaque":
                raise _NodeError(f"input '{tensor}' {state.reason}, so the layers after it cannot be modelled")
        if standard and op in CONTROL_FLOW:
            raise _NodeError(f"control flow ({op}) is not supported")
        if op in MAC_OPS:
            raise _NodeError(f"{op} does MACs that sqnxt-sim cannot model; it refuses to drop them silently")
        handler = getattr(self, f"_op_{op}", None) if standard else None
        if handler is None or handler(node, name) is False:
            self._unmodelled(node, name)

    def _emit(self, node, name: str, entry: dict[str, Any], inputs: list[str], note: str = "") -> None:
        entry = {"name": name, **entry, "inputs": [self.tensors[t].layer for t in inputs],
                 "stage": self._stage(node, name), "note": f"ONNX {node.op_type}" + (f"; {note}" if note else "")}
        self.layer_index[name] = len(self.layers)
        self.layers.append(entry)
        self.layer_op_type[name] = node.op_type
        out = node.output[0]
        self.tensors[out] = _Tensor("data", name)
        self.layer_output[name] = out
        per_sample = self._per_sample(out)
        first = self.layer_shape[self.tensors[inputs[0]].layer]
        if entry["op"] == "relu" or entry["op"] == "add":
            self.layer_shape[name] = first
        elif entry["op"] == "concat":
            channels = sum(self.layer_shape[self.tensors[t].layer][0] for t in inputs)
            self.layer_shape[name] = (channels, first[1], first[2])
        elif per_sample is not None:
            self.layer_shape[name] = per_sample
        else:
            raise _NodeError(f"ONNX cannot infer the shape of output '{out}' ({_shape_text(self.shapes.get(out))})")

    def _alias(self, node, source_tensor: str) -> None:
        if node.output and node.output[0]:
            self.tensors[node.output[0]] = _Tensor("data", self.tensors[source_tensor].layer)

    def _stage(self, node, name: str) -> str:
        if node.name in self.stages:
            return self.stages[node.name][:200]
        parts = [part for part in node.name.split("/") if part]
        return parts[0][:200] if len(parts) >= 3 else ""

    # -- shapes of tensors --

    def _per_sample(self, tensor: str) -> tuple[int, int, int] | None:
        dims = self.shapes.get(tensor)
        if dims is None or len(dims) not in (2, 4):
            return None
        rest = dims[1:]
        if any(not isinstance(d, int) or d <= 0 for d in rest):
            return None
        return (rest[0], 1, 1) if len(rest) == 1 else (rest[0], rest[1], rest[2])

    def _data_input(self, node, position: int = 0, rank4: bool = True) -> str:
        """The activation input at ``position``, checked against its producer layer's shape."""
        if len(node.input) <= position or not node.input[position]:
            raise _NodeError(f"input {position} is missing")
        tensor = node.input[position]
        state = self.tensors[tensor]
        if state.kind != "data":
            raise _NodeError(f"input '{tensor}' must be an activation, not a constant")
        layer_shape = self.layer_shape[state.layer]
        dims = self.shapes.get(tensor)
        if dims is None or any(not isinstance(d, int) for d in dims[1:]):
            raise _NodeError(f"ONNX cannot infer the shape of input '{tensor}' ({_shape_text(dims)})")
        if rank4:
            if len(dims) != 4:
                raise _NodeError(f"input '{tensor}' has shape {_shape_text(dims)}; only 2-D (N x C x H x W) "
                                 "operators are modelled")
            if tuple(dims[1:]) != layer_shape:
                raise _NodeError(self._layout_problem(tensor, dims, state.layer))
        elif math.prod(dims[1:]) != math.prod(layer_shape):
            raise _NodeError(self._layout_problem(tensor, dims, state.layer))
        return tensor

    def _layout_problem(self, tensor: str, dims, layer: str) -> str:
        shape = "x".join(map(str, self.layer_shape[layer]))
        return (f"input '{tensor}' is {_shape_text(dims)} in ONNX but stands for layer '{layer}' ({shape} per "
                "sample): an unmodelled operator in between changed its layout")

    def _static(self, node, position: int, what: str) -> list[int] | None:
        if len(node.input) <= position or not node.input[position]:
            return None
        tensor = node.input[position]
        if self.tensors[tensor].kind != "static":
            raise _NodeError(f"{what} '{tensor}' is computed at run time; sqnxt-sim models {node.op_type} only "
                             f"with constant {what}s (it has MACs that cannot be dropped)")
        dims = self.static_dims.get(tensor) or self.shapes.get(tensor)
        if dims is None or any(not isinstance(d, int) for d in dims):
            raise _NodeError(f"the shape of {what} '{tensor}' cannot be inferred")
        return list(dims)

    def _value(self, tensor: str):
        """The numeric value of a small constant, or None when unknown (computed, external)."""
        proto = self.constants.get(tensor)
        if proto is None or _is_external(proto):
            return None
        try:
            from onnx import numpy_helper  # noqa: PLC0415

            return numpy_helper.to_array(proto)
        except Exception:  # noqa: BLE001 - an unreadable constant is simply unknown
            return None

    # -- windows (conv, pool) --

    def _window(self, node, height: int, width: int, kernel: tuple[int, int], ceil: bool) -> dict[str, Any]:
        attrs = _attributes(node)
        if len(kernel) != 2:
            raise _NodeError(f"{len(kernel)}-D windows are not modelled (2-D only)", "kernel_shape")
        strides = attrs.get("strides", [1, 1])
        dilations = attrs.get("dilations", [1, 1])
        if len(strides) != 2 or any(s < 1 for s in strides):
            raise _NodeError(f"invalid strides {list(strides)}", "strides")
        if any(d != 1 for d in dilations):
            raise _NodeError(f"dilations {list(dilations)} are not modelled (only 1)", "dilations")
        auto_pad = attrs.get("auto_pad", b"NOTSET")
        auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else str(auto_pad)
        sizes = (height, width)
        if auto_pad in ("NOTSET", ""):
            pads = list(attrs.get("pads", [0, 0, 0, 0]))
            if len(pads) != 4 or any(p < 0 for p in pads):
                raise _NodeError(f"invalid pads {pads}", "pads")
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
            raise _NodeError(f"unknown auto_pad {auto_pad!r}", "auto_pad")
        out_dims = self.shapes.get(node.output[0]) or []
        symmetric, notes = [], []
        for axis, (size, k, s, begin, end) in enumerate(zip(sizes, kernel, strides, begins, ends, strict=True)):
            if begin == end:
                symmetric.append(begin)
                continue
            expected = out_dims[2 + axis] if len(out_dims) == 4 and isinstance(out_dims[2 + axis], int) else None
            if expected is None:
                expected = _onnx_window_output(size, k, s, begin + end, ceil)
            total = begin + end
            match = [pad for pad in (total // 2, total - total // 2)
                     if conv_output_size(size, k, s, pad, ceil) == expected]
            if not match:
                field = "auto_pad" if auto_pad.startswith("SAME") else "pads"
                raise _NodeError(
                    f"asymmetric padding ({begin} before, {end} after on {'HW'[axis]}) cannot be modelled: "
                    "sqnxt-sim layers pad symmetrically and no symmetric padding gives the same output size", field)
            symmetric.append(match[0])
            notes.append(f"{'HW'[axis]} pads {begin}/{end} modelled as {match[0]}/{match[0]} (same output size)")
        return {"kernel": list(kernel), "stride": list(strides), "padding": symmetric, "_note": "; ".join(notes)}

    # -- operators (return False to treat the node as unmodelled) --

    def _op_Conv(self, node, name: str):
        x = self._data_input(node, 0)
        weight = self._static(node, 1, "weight")
        if weight is None or len(weight) != 4:
            raise _NodeError("only 2-D convolutions (4-D weights) are modelled")
        attrs = _attributes(node)
        kernel = tuple(attrs.get("kernel_shape", weight[2:]))
        if list(kernel) != weight[2:]:
            raise _NodeError(f"kernel_shape {list(kernel)} disagrees with the weight shape {weight}", "kernel_shape")
        channels, height, width = self.layer_shape[self.tensors[x].layer]
        groups = int(attrs.get("group", 1))
        if groups < 1 or channels % groups or weight[1] * groups != channels:
            raise _NodeError(f"weight shape {weight} with group={groups} does not fit the {channels} input channels",
                             "group")
        window = self._window(node, height, width, kernel, ceil=False)
        bias = len(node.input) > 2 and bool(node.input[2])
        if bias:
            self._static(node, 2, "bias")
        note = window.pop("_note")
        self._emit(node, name, {"op": "conv", "out_channels": weight[0], **window, "groups": groups, "bias": bias},
                   [x], note)

    def _op_Gemm(self, node, name: str):
        attrs = _attributes(node)
        if attrs.get("transA", 0):
            raise _NodeError("transA=1 is not modelled (the activation must be the left operand)", "transA")
        x = self._data_input(node, 0, rank4=False)
        weight = self._static(node, 1, "weight")
        if weight is None or len(weight) != 2:
            raise _NodeError(f"weight must be 2-D, got {weight}")
        features, out = (weight[1], weight[0]) if attrs.get("transB", 0) else (weight[0], weight[1])
        bias = len(node.input) > 2 and bool(node.input[2])
        if bias:
            self._static(node, 2, "bias")
        self._fc(node, name, x, features, out, bias)

    def _op_MatMul(self, node, name: str):
        x = node.input[0]
        dims = self.shapes.get(x)
        if self.tensors[x].kind != "data" or dims is None or len(dims) != 2:
            raise _NodeError(f"MatMul is modelled only as a fully connected layer (a 2-D activation times a 2-D "
                             f"weight initializer); input '{x}' is {_shape_text(dims)}")
        x = self._data_input(node, 0, rank4=False)
        weight = self._static(node, 1, "weight")
        if weight is None or len(weight) != 2:
            raise _NodeError(f"weight must be 2-D, got {weight}")
        self._fc(node, name, x, weight[0], weight[1], False)

    def _fc(self, node, name: str, x: str, features: int, out: int, bias: bool) -> None:
        have = math.prod(self.layer_shape[self.tensors[x].layer])
        if features != have:
            raise _NodeError(f"weight expects {features} input features, the input has {have}")
        self._emit(node, name, {"op": "fc", "out_features": out, "bias": bias}, [x])

    def _pool(self, node, name: str, op: str):
        attrs = _attributes(node)
        x = self._data_input(node, 0)
        if "kernel_shape" not in attrs:
            raise _NodeError("kernel_shape is required", "kernel_shape")
        _, height, width = self.layer_shape[self.tensors[x].layer]
        ceil = bool(attrs.get("ceil_mode", 0))
        window = self._window(node, height, width, tuple(attrs["kernel_shape"]), ceil=ceil)
        note = window.pop("_note")
        self._emit(node, name, {"op": op, **window, "ceil_mode": ceil}, [x], note)

    def _op_MaxPool(self, node, name: str):
        if len(node.output) > 1 and node.output[1]:
            raise _NodeError("the Indices output of MaxPool is not modelled")
        self._pool(node, name, "maxpool")

    def _op_AveragePool(self, node, name: str):
        self._pool(node, name, "avgpool")

    def _global(self, node, name: str, op: str):
        x = self._data_input(node, 0)
        self._emit(node, name, {"op": op, "global": True}, [x])

    def _op_GlobalAveragePool(self, node, name: str):
        self._global(node, name, "avgpool")

    def _op_GlobalMaxPool(self, node, name: str):
        self._global(node, name, "maxpool")

    def _op_ReduceMean(self, node, name: str):
        attrs = _attributes(node)
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            value = self._value(node.input[1])
            axes = None if value is None else [int(a) for a in value.reshape(-1)]
        dims = self.shapes.get(node.input[0])
        if axes is None or dims is None or len(dims) != 4 or sorted(a % 4 for a in axes) != [2, 3]:
            return False  # not a global average pool: unmodelled
        self._global(node, name, "avgpool")

    def _op_Add(self, node, name: str):
        data = [t for t in node.input if t and self.tensors[t].kind == "data"]
        static = [t for t in node.input if t and self.tensors[t].kind == "static"]
        if len(data) == 1 and len(static) == 1 and self._fold_bias(data[0], static[0]):
            self._alias(node, data[0])
            return None
        return self._op_Sum(node, name)

    def _op_Sum(self, node, name: str):
        inputs = [t for t in node.input if t]
        if any(self.tensors[t].kind != "data" for t in inputs):
            return False  # an element-wise op with a constant: unmodelled pass-through
        shapes = {tuple(self.shapes.get(t) or ())[1:] for t in inputs}
        if len(shapes) != 1 or () in shapes:
            return False  # broadcasting (e.g. a channel scale): unmodelled pass-through
        if len(inputs) == 1:
            self._alias(node, inputs[0])
            return None
        rank4 = len(self.shapes[inputs[0]]) == 4
        checked = [self._data_input(node, i, rank4=rank4) for i, t in enumerate(node.input) if t]
        self._emit(node, name, {"op": "add"}, checked)
        return None

    def _fold_bias(self, tensor: str, constant: str) -> bool:
        """Fold ``layer + per-channel constant`` into the conv/fc layer's bias."""
        layer = self.tensors[tensor].layer
        if layer not in self.layer_index or self.layer_output.get(layer) != tensor or self.consumers.get(tensor) != 1:
            return False
        entry = self.layers[self.layer_index[layer]]
        if entry["op"] not in ("conv", "fc") or entry.get("bias"):
            return False
        channels = entry.get("out_channels") or entry.get("out_features")
        dims = self.static_dims.get(constant) or self.shapes.get(constant)
        data_rank = len(self.shapes.get(tensor) or ())
        if dims is None or len(dims) > data_rank:
            return False
        axis = 1 - (data_rank - len(dims))  # the channel axis, right-aligned for broadcasting
        if axis < 0 or dims[axis] != channels or any(d != 1 for i, d in enumerate(dims) if i != axis):
            return False
        entry["bias"] = True
        entry["note"] += f"; bias from {constant!r}"
        return True

    def _op_Concat(self, node, name: str):
        inputs = [t for t in node.input if t]
        if any(self.tensors[t].kind != "data" for t in inputs):
            return False
        dims = self.shapes.get(inputs[0])
        axis = _attributes(node).get("axis", 1)
        if dims is None or len(dims) not in (2, 4) or axis % len(dims) != 1:
            return False  # not along channels: unmodelled
        if len(inputs) == 1:
            self._alias(node, inputs[0])
            return None
        rank4 = len(dims) == 4
        checked = [self._data_input(node, i, rank4=rank4) for i, t in enumerate(node.input) if t]
        self._emit(node, name, {"op": "concat"}, checked)
        return None

    def _op_Relu(self, node, name: str):
        x = self._data_input(node, 0, rank4=False)
        self._emit(node, name, {"op": "relu"}, [x])

    def _op_Clip(self, node, name: str):
        attrs = _attributes(node)
        if "min" in attrs:  # opset < 11
            low = attrs["min"]
        elif len(node.input) > 1 and node.input[1]:
            value = self._value(node.input[1])
            low = None if value is None or value.size != 1 else float(value.reshape(-1)[0])
        else:
            low = None
        if low != 0:
            return False  # not a ReLU (ReLU6 clips at 0): unmodelled
        self._op_Relu(node, name)
        return None

    def _view(self, node, name: str):
        x = node.input[0]
        state = self.tensors[x]
        if state.kind != "data":
            return False
        out, shape_in = self.shapes.get(node.output[0]), self.shapes.get(x)
        if out is None or any(not isinstance(d, int) for d in out[1:]):
            raise _NodeError(f"ONNX cannot infer the output shape ({_shape_text(out)}); sqnxt-sim needs a static "
                             "shape (export with constant folding, or simplify the model)")
        if shape_in and out and isinstance(out[0], int) and isinstance(shape_in[0], int) and out[0] != shape_in[0]:
            return False  # the batch is mixed in: unmodelled
        layer_shape = self.layer_shape[state.layer]
        if (len(out) == 4 and tuple(out[1:]) == layer_shape) or (len(out) == 2 and out[1] == math.prod(layer_shape)):
            self._alias(node, x)  # flatten (an fc layer flattens its input) or no change
            return None
        return False

    _op_Flatten = _view
    _op_Reshape = _view
    _op_Squeeze = _view
    _op_Unsqueeze = _view

    def _pass(self, node, name: str):
        self._data_input(node, 0, rank4=False)
        self._alias(node, node.input[0])

    _op_Identity = _pass
    _op_Dropout = _pass
    _op_Softmax = _pass
    _op_BatchNormalization = _pass

    # -- everything else --

    def _unmodelled(self, node, name: str) -> None:
        op = node.op_type if node.domain in STANDARD_DOMAINS else f"{node.domain}.{node.op_type}"
        out = node.output[0] if node.output else ""
        dims = self.shapes.get(out)
        if dims is None or any(not isinstance(d, int) for d in dims[1:]) or (len(dims) == 1 and dims[0] is None):
            raise _NodeError(f"{op} is not modelled and ONNX cannot infer its output shape "
                             f"({_shape_text(dims)}); sqnxt-sim needs the size of every operator it cannot model")
        shape = [self.batch, *dims[1:]] if len(dims) >= 2 else list(dims)
        elements = math.prod(shape)
        self.unmodelled.append({"name": name, "op_type": op, "output_shape": shape, "output_elements": elements})
        per_sample = math.prod(shape[1:]) if len(shape) >= 2 else None
        for tensor in node.input:
            if not tensor or self.tensors[tensor].kind != "data":
                continue
            in_dims = self.shapes.get(tensor)
            if in_dims and len(in_dims) >= 2 and all(isinstance(d, int) for d in in_dims[1:]) \
                    and math.prod(in_dims[1:]) == per_sample:
                for output in node.output:
                    if output:
                        self.tensors[output] = _Tensor("data", self.tensors[tensor].layer)
                return
        first = next((t for t in node.input if t and self.tensors[t].kind == "data"), "")
        change = f"{_shape_text(self.shapes.get(first))} -> {_shape_text(dims)}"
        reason = f"comes from node '{name}' ({op}), which sqnxt-sim does not model and which changes the tensor size ({change})"
        for output in node.output:
            if output:
                self.tensors[output] = _Tensor("opaque", reason=reason)

    # -- after the build --

    def _node_field(self, error: InputError) -> InputError:
        """``layers[3] 'conv3'.groups`` -> ``node 'conv3' (Conv).groups``."""
        match = re.match(r"layers\[(\d+)\](?: '.*?')?(.*)$", error.field or "")
        if match and int(match.group(1)) < len(self.layers):
            name = self.layers[int(match.group(1))]["name"]
            field = f"node '{name}' ({self.layer_op_type.get(name, '?')}){match.group(2)}"
            return InputError(error.source, field, error.problem)
        return error

    def _cross_check(self, network: Network) -> None:
        for layer in network.layers:
            out = self.layer_output[layer.name]
            dims = self.shapes.get(out)
            if dims is None or len(dims) not in (2, 4) or any(not isinstance(d, int) for d in dims[1:]):
                continue
            ours = (layer.k, layer.p, layer.q)
            agree = tuple(dims[1:]) == ours if len(dims) == 4 else dims[1] == math.prod(ours)
            if not agree:
                raise InputError(self.source, f"node '{layer.name}' ({self.layer_op_type[layer.name]})",
                                 f"sqnxt-sim infers an output of {_layer_shape_text(layer)} per sample, ONNX infers "
                                 f"{_shape_text(dims)}; this model cannot be imported faithfully")


# --- helpers -------------------------------------------------------------------------------


def _unique_node_names(nodes) -> list[str]:
    """Node names made unique: explicit names first come, first served; generated names
    (``<OpType>_<index>``) and ``_2``, ``_3``... suffixes avoid every explicit name."""
    explicit = {node.name for node in nodes if node.name}
    seen = {INPUT}
    names = []
    for index, node in enumerate(nodes):
        base = node.name or f"{node.op_type}_{index}"
        name, suffix = base, 2
        while name in seen or (name != node.name and name in explicit):
            name, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(name)
        names.append(name)
    return names


def _attributes(node) -> dict[str, Any]:
    from onnx import helper  # noqa: PLC0415

    return {attribute.name: helper.get_attribute_value(attribute) for attribute in node.attribute}


def _dims(info) -> list[int | None] | None:
    """Dimensions of a value_info: ints, ``None`` for symbolic ones; ``None`` without a shape."""
    tensor_type = info.type.tensor_type
    if not info.type.HasField("tensor_type") or not tensor_type.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim]


def _onnx_window_output(size: int, kernel: int, stride: int, total_pad: int, ceil: bool) -> int:
    span = size + total_pad - kernel
    return (-(-span // stride) if ceil else span // stride) + 1


def _shape_text(dims) -> str:
    if dims is None:
        return "unknown shape"
    return "[" + ", ".join("?" if d is None else str(d) for d in dims) + "]"


def _layer_shape_text(layer: Layer) -> str:
    return f"{layer.k}x{layer.p}x{layer.q}" if layer.op is not Op.FC else f"{layer.k}"
