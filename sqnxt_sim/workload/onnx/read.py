"""Bring your own network: read an ONNX model into the same layer graph as the zoo.

The model is checked (``onnx.checker``), its nodes named, its constant subgraphs folded and
its shapes inferred (``fold.py``: fold -> infer -> fold, a few rounds); then every node is
translated (``handlers.py`` and the ``ONNX_READERS`` of the ops in ``workload/ops``) into
the explicit network form (the dict a user would write in YAML), which
:func:`~sqnxt_sim.workload.build.network_from_dict` validates and builds with our own shape
rules. Every layer's output is cross-checked against ONNX's inferred shape: a disagreement
is an error, not a guess.

What becomes what: Conv -> ``conv`` (a Pad before it folds into its padding); Gemm and
MatMul by a constant -> ``fc`` (one vector per sample) or ``linear`` (per row), a bias input
or an Add of a per-channel constant right after -> ``bias``; MatMul of two activations ->
``matmul``; MaxPool, AveragePool and their Global forms, ReduceMean/ReduceMax over H and W
-> pools; other reductions, Softmax, LayerNormalization, the element-wise operators (Add,
Sub, Mul, Div, Pow, Max, Min, Sigmoid, Tanh, HardSigmoid, HardSwish, Gelu, Erf, Exp, Sqrt,
Reciprocal, Abs) -> their namesakes; Relu, Clip at 0 -> ``relu``; Transpose, Slice, Split,
SplitToSequence/SequenceAt, Gather by constant indices, Expand, Pad, Concat -> data
movement (a view where nothing moves); Reshape, Flatten, Squeeze, Unsqueeze, Identity,
Dropout -> no layer (a view the next reader lays out, see handlers.py); BatchNormalization
-> folded away; further graph inputs -> ``tensor`` layers.

Everything else is *unmodelled*: listed in ``Network.unmodelled`` with its output shape and
size (every report shows the list; it is never dropped silently), and its output stands for
its first activation input with the same number of elements (``LRN``, say). An unmodelled
operator that changes the tensor size (``Resize``) is fine at the end of a graph; if a later
node reads its output, the import fails naming both nodes. Operators that do MACs sqnxt-sim
cannot model (``ConvTranspose``, RNNs, a ``Conv`` with dilations) and control flow (If,
Loop, Scan) are refused. Every node that cannot be imported is named in the one error line.

Padding: layers pad symmetrically; asymmetric pads are accepted when a symmetric padding
gives the same output size (padding.py). Batch: the ``batch`` argument, else the model
input's first dimension when it is a number, else 1; a model that moves its batch axis
among the others (attention exports) is read at batch 1 only.

Layer names are the ONNX node names; a node without a name is called ``<OpType>_<index>``
(its position in ``graph.node``), and repeated names get a ``_2``, ``_3``... suffix. The
stage is read back from the metadata :mod:`sqnxt_sim.workload.onnx.export` writes; else the
first module scope torch records (the dynamo exporter's ``pkg.torch.onnx.name_scopes``, the
classic exporter's ``/layer1/layer1.0/conv1/Conv`` -> ``layer1``), else empty.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import InputError
from ..build import network_from_dict
from ..graph import INPUT, Network
from . import INSTALL_HINT, META_NETWORK, META_RECONSTRUCTION, META_STAGES
from .fold import constant_value, evaluate, shape_value
from .handlers import STANDARD_DOMAINS, Consequence, NodeError, Tensor, Translation, shape_text

MAX_REPORTED = 5  # nodes named in the one-line error that lists every node that cannot be imported
FOLD_ROUNDS = 3  # fold -> re-infer shapes -> fold: each round can resolve shapes the last one could not


def load_onnx(path: str | Path, batch: int | None = None) -> Network:
    """Read an ONNX model as a :class:`Network` (see the module docstring for the rules)."""
    source = str(path)
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        raise InputError(source, "batch", f"must be a positive integer, got {batch!r}")
    onnx = _require_onnx(source)
    model = _read_model(onnx, Path(path), source)
    _name_nodes(model)
    model, values = _fold(onnx, model, source)
    return _Importer(model, values, source, batch, Path(path).stem).run()


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




# --- names and constant folding ----------------------------------------------------------


def _name_nodes(model) -> None:
    """Give every node a unique name before folding removes some: explicit names first come,
    first served; generated names (``<OpType>_<index>``, the position in ``graph.node``) and
    ``_2``, ``_3``... suffixes avoid every explicit name."""
    nodes = model.graph.node
    explicit = {node.name for node in nodes if node.name}
    seen = {INPUT}
    for index, node in enumerate(nodes):
        base = node.name or f"{node.op_type}_{index}"
        name, suffix = base, 2
        while name in seen or (name != node.name and name in explicit):
            name, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(name)
        node.name = name


def _fold(onnx, model, source: str):
    """Shape inference, then constant folding, repeated while folding resolves more shapes:
    returns the model with folded values as initializers (their nodes gone) and the values."""
    from onnx import numpy_helper  # noqa: PLC0415

    inferred = _infer_shapes(onnx, model, source)
    values: dict[str, Any] = {}
    for _ in range(FOLD_ROUNDS):
        shapes = _all_dims(inferred)
        elem_types = _elem_types(inferred)
        static = {t.name for t in inferred.graph.initializer} | set(values)
        for tensor in inferred.graph.initializer:
            if tensor.name not in values and math.prod(tensor.dims) <= SMALL and not _is_external(tensor):
                try:
                    values[tensor.name] = numpy_helper.to_array(tensor)
                except Exception:  # noqa: BLE001 - an unreadable initializer is simply unknown
                    pass
        folded: set[str] = set()
        for node in inferred.graph.node:
            if node.domain not in STANDARD_DOMAINS:
                continue
            if node.op_type == "Constant":
                value = constant_value(node)
                static.update(o for o in node.output if o)
                if value is not None and value.size <= SMALL:
                    values[node.output[0]] = value
                    folded.add(node.name)
                continue
            if node.op_type in ("Shape", "Size"):
                value = shape_value(node, shapes.get(node.input[0]))
                static.update(o for o in node.output if o)
                if value is not None:
                    values[node.output[0]] = value
                    folded.add(node.name)
                continue
            if node.op_type == "CastLike" and node.input[0] in static:
                # Only the second input's type matters: a cast of a constant is a constant.
                static.update(o for o in node.output if o)
                if node.input[0] in values:
                    like = elem_types.get(node.input[1])
                    values[node.output[0]] = values[node.input[0]].astype(like) if like is not None else values[node.input[0]]
                    folded.add(node.name)
                continue
            if node.input and all(not t or t in static for t in node.input):
                static.update(o for o in node.output if o)
                out = evaluate(node, values)
                if out:
                    values.update(out)
                    folded.add(node.name)
        if not folded:
            break
        model = _with_initializers(model, values, folded)
        inferred = _infer_shapes(onnx, model, source)
    return inferred, values


def _with_initializers(model, values: dict[str, Any], folded: set[str]):
    """A copy of ``model`` whose folded nodes are initializers."""
    from onnx import numpy_helper  # noqa: PLC0415

    copy = type(model)()
    copy.CopyFrom(model)
    graph = copy.graph
    produced = {out for node in graph.node if node.name in folded for out in node.output if out}
    kept = [node for node in graph.node if node.name not in folded]
    del graph.node[:]
    graph.node.extend(kept)
    existing = {t.name for t in graph.initializer}
    for name in produced:
        if name in values and name not in existing:
            try:
                graph.initializer.append(numpy_helper.from_array(np.asarray(values[name]), name))
            except Exception:  # noqa: BLE001 - a value numpy_helper cannot store (object dtype): left as is
                continue
    outputs = {o.name for o in graph.output}
    keep_info = [info for info in graph.value_info if info.name not in produced or info.name in outputs]
    del graph.value_info[:]
    graph.value_info.extend(keep_info)
    return copy


def _elem_types(model) -> dict[str, Any]:
    from onnx import helper  # noqa: PLC0415

    graph = model.graph
    types = {}
    for info in [*graph.input, *graph.value_info, *graph.output]:
        if info.type.HasField("tensor_type") and info.type.tensor_type.elem_type:
            try:
                types[info.name] = helper.tensor_dtype_to_np_dtype(info.type.tensor_type.elem_type)
            except (KeyError, ValueError):
                continue
    return types


def _all_dims(model) -> dict[str, list | None]:
    graph = model.graph
    dims = {info.name: _dims(info) for info in [*graph.input, *graph.value_info, *graph.output]}
    dims.update({t.name: list(t.dims) for t in graph.initializer})
    return dims


# --- translation ---------------------------------------------------------------------------


class _Importer:
    def __init__(self, model, values, source: str, batch: int | None, stem: str) -> None:
        self.model = model
        self.graph = model.graph
        self.values = values
        self.source = source
        self.batch_arg = batch
        self.stem = stem
        self.metadata = {p.key: p.value for p in model.metadata_props}
        self.stages = self._stages_from_metadata()

    def run(self) -> Network:
        shapes = _all_dims(self.model)
        static_dims = {t.name: list(t.dims) for t in self.graph.initializer}
        input_spec, batch = self._network_input(shapes, static_dims)
        t = Translation(shapes, self.values, static_dims, batch, self._stage)
        for tensor in self.graph.initializer:
            t.tensors[tensor.name] = Tensor("static")
        t.tensors[self._input_name] = Tensor("data", INPUT, 1)
        for info in self._further_inputs:
            dims = _dims(info)
            if dims is None or len(dims) < 2 or any(not isinstance(d, int) or d <= 0 for d in dims[1:]):
                raise InputError(self.source, f"graph input '{info.name}'", f"shape {shape_text(dims)} needs a batch axis "
                                                                           "and known sizes after it")
            name = t.fresh_name(info.name)
            t.add_layer(name, "input", {"op": "tensor", "shape": list(dims[1:]), "batch": batch}, [], stage="")
            t.tensors[info.name] = Tensor("data", name, 1, node=name)
            t.layer_output[name] = (info.name, 1)
        t.layer_dims[INPUT] = tuple(input_spec["shape"]) if "shape" in input_spec else \
            (input_spec["channels"], input_spec["height"], input_spec["width"])
        t.layer_output[INPUT] = (self._input_name, 1)
        for node in self.graph.node:
            for name in node.input:
                if name:
                    t.consumers.setdefault(name, []).append(node)
        errors: list[tuple[str, str]] = []
        for node in self.graph.node:
            try:
                t.translate(node, node.name)
            except Consequence as error:
                t.mark_opaque(node, "cannot be imported (an earlier node could not)")
                if not errors:
                    errors.append((f"node '{node.name}' ({node.op_type})", error.problem))
            except NodeError as error:
                field = f"node '{node.name}' ({node.op_type})" + (f".{error.attribute}" if error.attribute else "")
                errors.append((field, error.problem))
                t.mark_opaque(node, f"comes from node '{node.name}' ({node.op_type}), which cannot be imported")
        for info in self.graph.output:  # a Pad nothing folded into is a copy
            state = t.tensors.get(info.name)
            if state is not None and state.kind == "data" and state.pads:
                t.pad_layer(info.name)
        if errors:
            raise self._all_errors(errors)
        if not t.layers:
            raise InputError(self.source, "graph", "no node could be modelled as a layer")
        data = {
            # Labels a network file bounds (200 and 10,000 characters), cut rather than refused:
            # the model is fine, its doc string is just long.
            "name": (self.metadata.get(META_NETWORK) or self.stem or "onnx")[:200],
            "description": (self.model.doc_string or "")[:10_000],
            "reconstruction": self.metadata.get(META_RECONSTRUCTION, "").lower() == "true",
            "input": input_spec,
            "layers": t.layers,
        }
        try:
            network = network_from_dict(data, self.source)
        except InputError as error:
            raise self._node_field(error, t) from None
        self._cross_check(network, t)
        return dataclasses.replace(network, unmodelled=tuple(t.unmodelled))

    def _all_errors(self, errors: list[tuple[str, str]]) -> InputError:
        """Every node that cannot be imported, in one line: the first in full, then the rest."""
        field, problem = errors[0]
        if len(errors) > 1:
            others = ", ".join(f[len("node "):] if f.startswith("node ") else f for f, _ in errors[1:1 + MAX_REPORTED])
            more = f" and {len(errors) - 1 - MAX_REPORTED} more" if len(errors) - 1 > MAX_REPORTED else ""
            problem += f" [{len(errors) - 1} more node{'s' if len(errors) > 2 else ''} cannot be imported: {others}{more}]"
        return InputError(self.source, field, problem)

    # -- graph facts --

    def _network_input(self, shapes, static_dims) -> tuple[dict[str, int], int]:
        data_inputs = [info for info in self.graph.input if info.name not in static_dims]
        if not data_inputs:
            raise InputError(self.source, "graph.input", "the model has no input tensor")
        info = data_inputs[0]
        self._further_inputs = data_inputs[1:]  # tensor layers: further network inputs
        where = f"graph input '{info.name}'"
        dims = _dims(info)
        if dims is None or not 2 <= len(dims) <= 9:
            raise InputError(self.source, where, f"shape {shape_text(dims)} is not supported: "
                                                 "sqnxt-sim models inputs with a batch axis and at most 8 more")
        per_sample = dims[1:]
        if any(not isinstance(d, int) or d <= 0 for d in per_sample):
            raise InputError(self.source, where, f"shape {shape_text(dims)} has a symbolic or zero dimension "
                                                 "besides the batch; fix it in the model (onnx.tools.update_model_dims)")
        model_batch = dims[0] if isinstance(dims[0], int) and dims[0] > 0 else None
        batch = self.batch_arg or model_batch or 1
        self._input_name = info.name
        if len(per_sample) == 3:
            channels, height, width = per_sample
            return {"channels": channels, "height": height, "width": width, "batch": batch}, batch
        return {"shape": list(per_sample), "batch": batch}, batch

    def _stages_from_metadata(self) -> dict[str, str]:
        text = self.metadata.get(META_STAGES)
        if not text:
            return {}
        try:
            stages = json.loads(text)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in stages.items()} if isinstance(stages, dict) else {}

    def _stage(self, node, name: str) -> str:
        """sqnxt-sim's own metadata; else the first module scope of a torch export (the dynamo
        exporter's ``pkg.torch.onnx.name_scopes``, the classic one's ``/layer1/.../Conv``)."""
        if node.name in self.stages:
            return self.stages[node.name][:200]
        for prop in node.metadata_props:
            if prop.key == "pkg.torch.onnx.name_scopes":
                scopes = [s.strip(" '\"") for s in prop.value.strip("[]").split(",")]
                scopes = [s for s in scopes if s]
                return scopes[0][:200] if len(scopes) >= 2 else ""
        parts = [part for part in node.name.split("/") if part]
        return parts[0][:200] if len(parts) >= 3 else ""

    # -- after the build --

    def _node_field(self, error: InputError, t: Translation) -> InputError:
        """``layers[3] 'conv3'.groups`` -> ``node 'conv3' (Conv).groups``."""
        match = re.match(r"layers\[(\d+)\](?: '.*?')?(.*)$", error.field or "")
        if match and int(match.group(1)) < len(t.layers):
            name = t.layers[int(match.group(1))]["name"]
            field = f"node '{name}' ({t.layer_op_type.get(name, '?')}){match.group(2)}"
            return InputError(error.source, field, error.problem)
        return error

    def _cross_check(self, network: Network, t: Translation) -> None:
        for layer in network.layers:
            out, offset = t.layer_output[layer.name]
            dims = t.shapes.get(out)
            if dims is None or any(not isinstance(d, int) for d in dims[offset:]):
                continue
            theirs = tuple(dims[offset:])
            agree = theirs == layer.dims or (layer.op == "fc" and math.prod(theirs) == math.prod(layer.dims)) \
                or (layer.op in ("maxpool", "avgpool") and math.prod(theirs) == math.prod(layer.dims))
            if not agree:
                raise InputError(self.source, f"node '{layer.name}' ({t.layer_op_type[layer.name]})",
                                 f"sqnxt-sim infers an output of {'x'.join(map(str, layer.dims))} per sample, ONNX infers "
                                 f"{shape_text(dims)}; this model cannot be imported faithfully")


def _dims(info) -> list[int | None] | None:
    """Dimensions of a value_info: ints, ``None`` for symbolic ones; ``None`` without a shape."""
    tensor_type = info.type.tensor_type
    if not info.type.HasField("tensor_type") or not tensor_type.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else None for d in tensor_type.shape.dim]
