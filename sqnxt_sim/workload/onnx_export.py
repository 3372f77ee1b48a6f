"""Write a network as an ONNX model (opset 13) that other tools can open and run.

Every layer becomes one node named after the layer (its output tensor has the same name):

==========  ===================================================================
layer       ONNX
==========  ===================================================================
conv        Conv (kernel_shape, strides, symmetric pads, group; bias input when ``bias``)
fc          Gemm with transB=1 (a Flatten node first when its input is N x C x H x W)
maxpool     MaxPool / GlobalMaxPool (global: kernel = input size, stride 1, no padding)
avgpool     AveragePool / GlobalAveragePool (ceil_mode chosen to give the layer's output size)
add         Add (two inputs) or Sum (more)
concat      Concat along channels
relu        Relu
==========  ===================================================================

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

from ..errors import InputError
from ..outputs import write_atomic
from .graph import INPUT, Network
from .layer import Layer, conv_output_size
from .onnx_import import INSTALL_HINT, META_NETWORK, META_RECONSTRUCTION, META_STAGES

OPSET = 13
IR_VERSION = 7  # the IR version that came with opset 13: readable by old runtimes too
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
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="sqnxt-sim", producer_version=_version(),
                              doc_string=network.description)
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {
        META_NETWORK: network.name,
        META_RECONSTRUCTION: "true" if network.reconstruction else "false",
        META_STAGES: json.dumps({layer.name: layer.stage for layer in network.layers}),
    })
    return model


class _Builder:
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
        self.rank: dict[str, int] = {INPUT: 4}
        self.layer: dict[str, Layer] = {INPUT: network.input_layer}
        self.views: dict[tuple[str, int], str] = {}

    def build(self):
        helper = self.helper
        for layer in self.network.layers:
            self.layer[layer.name] = layer
            write = getattr(self, f"_{layer.op.value}", None)
            if write is None:
                raise InputError(self.network.source or self.network.name, f"layer '{layer.name}'",
                                 f"cannot export a {layer.op.value} layer to ONNX")
            write(layer)
        source = self.network.input_layer
        inputs = [helper.make_tensor_value_info(INPUT, self.float, [source.n, source.k, source.p, source.q])]
        outputs = [helper.make_tensor_value_info(name, self.float, self._shape(name))
                   for name in self.network.order if not self.network.consumers(name)]
        return helper.make_graph(self.nodes, self.network.name, inputs, outputs, self.initializers)

    # -- helpers --

    def _fresh(self, base: str) -> str:
        name, suffix = base, 2
        while name in self.used:
            name, suffix = f"{base}_{suffix}", suffix + 1
        self.used.add(name)
        return name

    def _shape(self, tensor: str) -> list[int]:
        layer = self.layer[tensor]
        if self.rank[tensor] == 2:
            return [layer.n, layer.k * layer.p * layer.q]
        return [layer.n, layer.k, layer.p, layer.q]

    def _initializer(self, base: str, array) -> str:
        name = self._fresh(base)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def _weights(self, layer: Layer, shape: tuple[int, ...]) -> list[str]:
        np = self.np
        scale = np.float32(math.sqrt(1.0 / max(1, layer.c * layer.r * layer.s)))
        names = [self._initializer(f"{layer.name}.weight", self.rng.standard_normal(shape, dtype=np.float32) * scale)]
        if layer.bias:
            names.append(self._initializer(f"{layer.name}.bias", np.zeros(layer.k, dtype=np.float32)))
        return names

    def _node(self, op_type: str, inputs: list[str], output: str, name: str, **attributes) -> None:
        self.nodes.append(self.helper.make_node(op_type, inputs, [output], name=name, **attributes))

    def _as_rank(self, tensor: str, rank: int) -> str:
        """``tensor`` as N x C x H x W (rank 4) or N x features (rank 2), through a cached view."""
        if self.rank[tensor] == rank:
            return tensor
        if (tensor, rank) not in self.views:
            if rank == 2:
                view = self._fresh(f"{tensor}.flatten")
                self._node("Flatten", [tensor], view, view, axis=1)
            else:
                layer = self.layer[tensor]
                shape = self._initializer(f"{tensor}.shape4d", self.np.array([-1, layer.k, layer.p, layer.q],
                                                                             dtype=self.np.int64))
                view = self._fresh(f"{tensor}.as4d")
                self._node("Reshape", [tensor, shape], view, view)
            self.rank[view] = rank
            self.layer[view] = self.layer[tensor]
            self.views[(tensor, rank)] = view
        return self.views[(tensor, rank)]

    def _done(self, layer: Layer, rank: int) -> None:
        self.rank[layer.name] = rank

    # -- layers --

    def _conv(self, layer: Layer) -> None:
        x = self._as_rank(layer.inputs[0], 4)
        weights = self._weights(layer, (layer.k, layer.c, layer.r, layer.s))
        self._node("Conv", [x, *weights], layer.name, layer.name, kernel_shape=[layer.r, layer.s],
                   strides=[layer.stride_h, layer.stride_w], pads=[layer.pad_h, layer.pad_w, layer.pad_h, layer.pad_w],
                   group=layer.g)
        self._done(layer, 4)

    def _fc(self, layer: Layer) -> None:
        x = self._as_rank(layer.inputs[0], 2)
        weights = self._weights(layer, (layer.k, layer.c))
        self._node("Gemm", [x, *weights], layer.name, layer.name, transB=1)
        self._done(layer, 2)

    def _pool(self, layer: Layer, kind: str) -> None:
        x = self._as_rank(layer.inputs[0], 4)
        whole = ((layer.r, layer.s) == (layer.h, layer.w) and (layer.stride_h, layer.stride_w) == (1, 1)
                 and (layer.pad_h, layer.pad_w) == (0, 0) and (layer.p, layer.q) == (1, 1))
        if whole:
            self._node(f"Global{kind}Pool", [x], layer.name, layer.name)
        else:
            sizes = [(conv_output_size(layer.h, layer.r, layer.stride_h, layer.pad_h, ceil),
                      conv_output_size(layer.w, layer.s, layer.stride_w, layer.pad_w, ceil)) for ceil in (False, True)]
            if (layer.p, layer.q) not in sizes:
                raise AssertionError(f"pool {layer.name}: output {layer.p}x{layer.q} matches neither rounding {sizes}")
            self._node(f"{kind}Pool", [x], layer.name, layer.name, kernel_shape=[layer.r, layer.s],
                       strides=[layer.stride_h, layer.stride_w],
                       pads=[layer.pad_h, layer.pad_w, layer.pad_h, layer.pad_w],
                       ceil_mode=int(sizes[0] != (layer.p, layer.q)))
        self._done(layer, 4)

    def _maxpool(self, layer: Layer) -> None:
        self._pool(layer, "Max")

    def _avgpool(self, layer: Layer) -> None:
        self._pool(layer, "Average")

    def _merge(self, layer: Layer, op_type: str, **attributes) -> None:
        rank = 2 if all(self.rank[name] == 2 for name in layer.inputs) else 4
        inputs = [self._as_rank(name, rank) for name in layer.inputs]
        self._node(op_type, inputs, layer.name, layer.name, **attributes)
        self._done(layer, rank)

    def _add(self, layer: Layer) -> None:
        self._merge(layer, "Add" if len(layer.inputs) == 2 else "Sum")

    def _concat(self, layer: Layer) -> None:
        self._merge(layer, "Concat", axis=1)

    def _relu(self, layer: Layer) -> None:
        self._node("Relu", [layer.inputs[0]], layer.name, layer.name)
        self._done(layer, self.rank[layer.inputs[0]])


def _version() -> str:
    from .. import __version__  # noqa: PLC0415 - the package imports this module's siblings

    return __version__

