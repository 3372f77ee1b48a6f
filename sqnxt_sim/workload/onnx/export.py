"""Write a network as an ONNX model that other tools can open and run.

Every layer becomes one node named after the layer (its output tensor has the same name),
written by its op's ``write_onnx`` (workload/ops): conv -> Conv, fc -> Gemm (transB=1),
linear -> MatMul (+ Add for a bias), pools -> MaxPool/AveragePool or their Global forms, add
-> Add/Sum, concat -> Concat, relu -> Relu, matmul -> MatMul, softmax -> Softmax, layernorm
-> LayerNormalization, element-wise ops and reductions -> their ONNX namesakes, data movement
-> Transpose/Reshape/Slice/Gather/Expand/Pad. The opset is 13 unless an op needs a newer one
(HardSwish 14, LayerNormalization 17, Gelu 20).

Glue nodes that are not layers (a Flatten before an fc layer, a Reshape back to N x K x P x Q
when a 4-D layer reads a flat tensor) are views the importer passes through, so
``load_onnx(export_onnx(net, path))`` rebuilds the same layers in the same order. Stages,
the network name and the reconstruction flag travel in the model's metadata_props; the
description is the model's doc_string.

Weights are float32 initializers of the real shapes, drawn from a seeded normal
distribution (variance 1/fan-in, so activations stay finite if someone runs the model) and
identical for the same network and seed; biases are zero. Batch norm and ReLU that the zoo
folds into a convolution are not written out: the file describes the layers sqnxt-sim
simulates, not a trained model. A float32 file is about 4 bytes per weight (SqueezeNext-23:
~3 MB; a 61 M-weight AlexNet would be ~245 MB). Protobuf caps one file at 2 GB, so networks
over ~500 M weights are refused.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...outputs import write_atomic
from .. import ops
from ..graph import INPUT, Network
from ..layer import Layer
from . import INSTALL_HINT, META_NETWORK, META_RECONSTRUCTION, META_STAGES, fresh_name

OPSET = 13  # the default: readable by old runtimes too (newer only where an op needs it)
MAX_WEIGHTS = 500_000_000  # float32 initializers of 2 GB would exceed protobuf's message limit


def export_onnx(network: Network, path: str | Path, *, seed: int = 0) -> Path:
    """Write ``network`` as an ONNX model at ``path`` (atomically) and return the path."""
    path = Path(path)
    model = to_onnx_model(network, seed=seed, source=str(path))
    try:
        data = model.SerializeToString()
    except ValueError as error:  # protobuf's 2 GB limit
        raise InputError(str(path), None, f"model too large for one ONNX file: {error}") from None
    write_atomic(path, lambda temp: temp.write_bytes(data))
    return path


def to_onnx_model(network: Network, *, seed: int = 0, source: str = "<onnx export>"):
    """The ``onnx.ModelProto`` that :func:`export_onnx` writes."""
    try:
        import numpy as np  # noqa: PLC0415
        from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415
    except ImportError:
        raise InputError(source, None, INSTALL_HINT.replace("reading", "writing")) from None
    if network.unmodelled:
        names = ", ".join(f"{op['name']} ({op['op_type']})" for op in network.unmodelled[:3])
        raise InputError(source, None, f"network '{network.name}' holds operators sqnxt-sim does not model ({names}"
                                       f"{', ...' if len(network.unmodelled) > 3 else ''}); export the original model instead")
    weights = sum(layer.weights + layer.biases for layer in network.layers)
    if weights > MAX_WEIGHTS:
        raise InputError(source, None, f"network '{network.name}' has {weights:,} parameters; as float32 they exceed "
                                       "the 2 GB limit of one ONNX file")

    builder = _Builder(network, np, TensorProto, helper, numpy_helper, seed)
    graph = builder.build()
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", builder.opset)],
                              producer_name="sqnxt-sim", producer_version=_version(),
                              doc_string=network.description)
    model.ir_version = IR_OF_OPSET[builder.opset]
    helper.set_model_props(model, {
        META_NETWORK: network.name,
        META_RECONSTRUCTION: "true" if network.reconstruction else "false",
        META_STAGES: json.dumps({layer.name: layer.stage for layer in network.layers}),
    })
    return model


# The opset each op needs beyond the default (the ONNX operator's first version).
OPSET_OF_OP = {"hardswish": 14, "layernorm": 17, "gelu": 20}
IR_OF_OPSET = {13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9}


class _Builder:
    """What the ops' writers (``write_onnx`` in workload/ops) write with."""

    def __init__(self, network: Network, np, tensor_proto, helper, numpy_helper, seed: int) -> None:
        self.network = network
        self.np = np
        self.float = tensor_proto.FLOAT
        self.helper = helper
        self.numpy_helper = numpy_helper
        self.rng = np.random.default_rng(seed)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.used = {INPUT, *network.order}
        self.onnx_dims: dict[str, tuple[int, ...]] = {INPUT: network.input_layer.dims}  # per sample, as written
        self.layer: dict[str, Layer] = {INPUT: network.input_layer}
        self.views: dict[tuple[str, tuple[int, ...]], str] = {}
        self.extra_inputs: list[Any] = []  # graph inputs of tensor layers (further network inputs)
        self.opset = max([OPSET] + [OPSET_OF_OP.get(layer.op, OPSET) for layer in network.layers])

    def build(self):
        helper = self.helper
        for layer in self.network.layers:
            self.layer[layer.name] = layer
            write = ops.spec(layer.op).write_onnx
            if write is None:
                raise InputError(self.network.source or self.network.name, f"layer '{layer.name}'",
                                 f"cannot export a {layer.op} layer to ONNX")
            write(self, layer)
        source = self.network.input_layer
        inputs = [helper.make_tensor_value_info(INPUT, self.float, [source.n, *source.dims])] + self.extra_inputs
        outputs = [helper.make_tensor_value_info(name, self.float, [self.layer[name].n, *self.onnx_dims[name]])
                   for name in self.network.order if not self.network.consumers(name)]
        return helper.make_graph(self.nodes, self.network.name, inputs, outputs, self.initializers)

    # -- for writers --

    def fresh(self, base: str) -> str:
        return fresh_name(base, self.used)

    def graph_input(self, layer: Layer) -> None:
        """A further network input (a ``tensor`` layer): a graph input named after the layer."""
        self.extra_inputs.append(self.helper.make_tensor_value_info(layer.name, self.float, [layer.n, *layer.dims]))
        self.onnx_dims[layer.name] = layer.dims

    def layer_dims(self, name: str) -> tuple[int, ...]:
        return self.layer[name].dims

    def dims(self, tensor: str) -> tuple[int, ...]:
        return self.onnx_dims[tensor]

    def input(self, tensor: str, dims: tuple[int, ...]) -> str:
        """``tensor`` with per-sample ``dims`` (a cached Reshape view when written otherwise)."""
        dims = tuple(dims)
        if self.onnx_dims[tensor] == dims:
            return tensor
        if (tensor, dims) not in self.views:
            if len(dims) == 1:
                view = self.fresh(f"{tensor}.flatten")
                self.raw_node("Flatten", [tensor], view, axis=1)
            else:
                shape = self.ints(f"{tensor}.shape", [-1, *dims])
                view = self.fresh(f"{tensor}.view")
                self.raw_node("Reshape", [tensor, shape], view)
            self.onnx_dims[view] = dims
            self.views[(tensor, dims)] = view
        return self.views[(tensor, dims)]

    def initializer(self, base: str, array) -> str:
        name = self.fresh(base)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def ints(self, base: str, values) -> str:
        return self.initializer(base, self.np.array(values, dtype=self.np.int64))

    def scalar(self, base: str, value: float) -> str:
        return self.initializer(base, self.np.array(value, dtype=self.np.float32))

    def ones(self, base: str, shape) -> str:
        return self.initializer(base, self.np.ones(tuple(shape), dtype=self.np.float32))

    def weights(self, layer: Layer, shape: tuple[int, ...]) -> list[str]:
        np = self.np
        scale = np.float32(math.sqrt(1.0 / max(1, layer.c * layer.r * layer.s)))
        names = [self.initializer(f"{layer.name}.weight", self.rng.standard_normal(shape, dtype=np.float32) * scale)]
        if layer.bias:
            names.append(self.initializer(f"{layer.name}.bias", np.zeros(layer.k, dtype=np.float32)))
        return names

    def raw_node(self, op_type: str, inputs: list[str], output: str, name: str | None = None, **attributes) -> None:
        self.nodes.append(self.helper.make_node(op_type, inputs, [output], name=name or output, **attributes))

    def node(self, op_type: str, inputs: list[str], layer: Layer, dims: tuple[int, ...] | None = None,
             name: str | None = None, **attributes) -> None:
        """The node writing ``layer``'s output (the tensor is named after the layer, the node
        too unless ``name``), ``dims`` per sample (default: the layer's own)."""
        self.nodes.append(self.helper.make_node(op_type, inputs, [layer.name], name=name or layer.name, **attributes))
        self.onnx_dims[layer.name] = tuple(layer.dims if dims is None else dims)


def _version() -> str:
    from ... import __version__  # noqa: PLC0415 - the package imports this module's siblings

    return __version__

