"""The layer graph: a networkx DiGraph of Layer specs with shapes inferred along its edges.

Nodes are layer names with a ``layer`` attribute; the network input is the node ``input``.
Edges run producer -> consumer. The execution order is a topological order that keeps the
file's order wherever the graph allows it.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from ..errors import InputError
from .layer import Layer, Op, conv_output_size
from .netfile import ConvEntry, FcEntry, MergeEntry, NetworkFile, PoolEntry, ReluEntry, as_pair

INPUT = "input"

# Size limits: every count a layer carries, and the network's sums of them, fit a 64-bit
# integer (the engine's columns are int64). Far above real networks: all of ResNet-50 at
# batch 256 is about 1e12 MACs.
MAX_LAYER_MACS = 10**12  # MACs, or pooling/add operations, of one layer
MAX_TENSOR_ELEMENTS = 10**11  # elements of one activation tensor or one weight tensor
MAX_NETWORK_MACS = 10**14  # all layers together


@dataclass(frozen=True)
class Network:
    name: str
    graph: nx.DiGraph
    order: tuple[str, ...]  # execution order of the layers (the input node excluded)
    description: str = ""
    reconstruction: bool = False
    source: str = ""
    # Operators an importer could not model (ONNX): shown in every report, never dropped
    # silently. Each: {"name", "op_type", "output_shape", "output_elements"}.
    unmodelled: tuple[dict, ...] = ()

    @property
    def layers(self) -> list[Layer]:
        return [self.graph.nodes[name]["layer"] for name in self.order]

    @property
    def input_layer(self) -> Layer:
        return self.graph.nodes[INPUT]["layer"]

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    @property
    def parameters(self) -> int:
        """Weights plus biases."""
        return self.weights + sum(layer.biases for layer in self.layers)

    def consumers(self, name: str) -> list[str]:
        return list(self.graph.successors(name))

    @property
    def display_name(self) -> str:
        return f"{self.name} (reconstruction)" if self.reconstruction else self.name


def build_network(spec: NetworkFile, source: str = "") -> Network:
    """Validate the graph rules and infer every layer's shape."""
    graph = nx.DiGraph()
    entries = {}
    position = {INPUT: -1}
    inp = spec.input
    if inp.batch * inp.channels * inp.height * inp.width > MAX_TENSOR_ELEMENTS:
        raise InputError(source, "input", f"too large: more than {MAX_TENSOR_ELEMENTS:,} elements")
    graph.add_node(INPUT, layer=Layer(INPUT, Op.INPUT, n=inp.batch, c=inp.channels, k=inp.channels,
                                      h=inp.height, w=inp.width, p=inp.height, q=inp.width))
    previous = INPUT
    for index, entry in enumerate(spec.layers):
        where = f"layers[{index}] '{entry.name}'"
        if entry.name in entries:
            raise InputError(source, where, "duplicate layer name")
        inputs = tuple(entry.inputs) if entry.inputs else (previous,)
        entries[entry.name] = (where, entry, inputs)
        position[entry.name] = index
        graph.add_node(entry.name)
        previous = entry.name
    for name, (where, _entry, inputs) in entries.items():
        for source_name in inputs:
            if source_name not in position:
                raise InputError(source, f"{where}.inputs", f"unknown input '{source_name}'")
            if source_name == name:
                raise InputError(source, f"{where}.inputs", "a layer cannot read its own output")
            graph.add_edge(source_name, name)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = [edge[0] for edge in nx.find_cycle(graph)]
        raise InputError(source, "layers", "cycle in the graph: " + " -> ".join(cycle + cycle[:1]))
    order = [n for n in nx.lexicographical_topological_sort(graph, key=position.__getitem__) if n != INPUT]
    total_macs = 0
    for name in order:
        where, entry, inputs = entries[name]
        producers = [graph.nodes[i]["layer"] for i in inputs]
        layer = _infer(entry, inputs, producers, source, where)
        _check_size(layer, source, where)
        total_macs += layer.macs + layer.elementwise_ops
        if total_macs > MAX_NETWORK_MACS:
            raise InputError(source, where, f"the network is too large: more than {MAX_NETWORK_MACS:,} MACs up to here")
        graph.nodes[name]["layer"] = layer
    return Network(spec.name, graph, tuple(order), spec.description, spec.reconstruction, source)


def _infer(entry, inputs: tuple[str, ...], producers: list[Layer], source: str, where: str) -> Layer:
    first = producers[0]
    n, channels, h, w = first.n, first.k, first.p, first.q
    common = dict(name=entry.name, inputs=inputs, stage=entry.stage, note=entry.note, n=n, h=h, w=w)

    def fail(field: str | None, problem: str) -> InputError:
        return InputError(source, f"{where}.{field}" if field else where, problem)

    if not isinstance(entry, MergeEntry) and len(inputs) != 1:
        raise fail("inputs", f"{entry.op} takes exactly one input, got {len(inputs)}")

    if isinstance(entry, ConvEntry):
        r, s = as_pair(entry.kernel)
        sh, sw = as_pair(entry.stride)
        ph, pw = as_pair(entry.padding)
        g = entry.groups
        if channels % g or entry.out_channels % g:
            raise fail("groups", f"groups={g} must divide input channels ({channels}) and out_channels ({entry.out_channels})")
        p, q = _window(h, w, r, s, sh, sw, ph, pw, False, fail)
        return Layer(op=Op.CONV, bias=entry.bias, c=channels // g, k=entry.out_channels, g=g, p=p, q=q, r=r, s=s,
                     stride_h=sh, stride_w=sw, pad_h=ph, pad_w=pw, **common)
    if isinstance(entry, FcEntry):
        # An FC layer is a 1x1 convolution on a 1x1 input of all flattened features.
        common.update(h=1, w=1)
        return Layer(op=Op.FC, bias=entry.bias, c=channels * h * w, k=entry.out_features, p=1, q=1, **common)
    if isinstance(entry, PoolEntry):
        if entry.global_:
            given = sorted({"kernel", "stride", "padding", "ceil_mode"} & entry.model_fields_set)
            if given:  # they would be ignored: say so rather than drop them silently
                raise fail("global", f"a global pool takes no {' or '.join(given)}")
            r, s, sh, sw, ph, pw, ceil = h, w, 1, 1, 0, 0, False
        else:
            if entry.kernel is None:
                raise fail("kernel", "required for a pool that is not global")
            r, s = as_pair(entry.kernel)
            sh, sw = as_pair(entry.stride if entry.stride is not None else entry.kernel)
            ph, pw = as_pair(entry.padding)
            ceil = entry.ceil_mode
        p, q = _window(h, w, r, s, sh, sw, ph, pw, ceil, fail)
        return Layer(op=Op(entry.op), c=channels, k=channels, p=p, q=q, r=r, s=s,
                     stride_h=sh, stride_w=sw, pad_h=ph, pad_w=pw, **common)
    if isinstance(entry, MergeEntry):
        if len(inputs) < 2:
            raise fail("inputs", f"{entry.op} needs at least two inputs")
        for other, name in zip(producers[1:], inputs[1:]):
            if (other.p, other.q, other.n) != (h, w, n):
                raise fail("inputs", f"size mismatch at {entry.op}: '{inputs[0]}' is {h}x{w}, '{name}' is {other.p}x{other.q}")
            if entry.op == "add" and other.k != channels:
                raise fail("inputs", f"channel mismatch at add: '{inputs[0]}' has {channels} channels, '{name}' has {other.k}")
        out = sum(prod.k for prod in producers) if entry.op == "concat" else channels
        return Layer(op=Op(entry.op), c=out, k=out, p=h, q=w, **common)
    assert isinstance(entry, ReluEntry)
    return Layer(op=Op.RELU, c=channels, k=channels, p=h, q=w, **common)


def _check_size(layer: Layer, source: str, where: str) -> None:
    for count, what, limit in ((layer.macs, "MACs", MAX_LAYER_MACS),
                               (layer.elementwise_ops, "operations", MAX_LAYER_MACS),
                               (layer.output_elements, "output elements", MAX_TENSOR_ELEMENTS),
                               (layer.input_elements, "input elements", MAX_LAYER_MACS),
                               (layer.weights, "weights", MAX_TENSOR_ELEMENTS)):
        if count > limit:
            raise InputError(source, where, f"layer too large: {count:,} {what} (limit {limit:,})")


def _window(h, w, r, s, sh, sw, ph, pw, ceil, fail) -> tuple[int, int]:
    if r > h + 2 * ph or s > w + 2 * pw:
        raise fail("kernel", f"kernel {r}x{s} is larger than the padded input {h + 2 * ph}x{w + 2 * pw}")
    return conv_output_size(h, r, sh, ph, ceil), conv_output_size(w, s, sw, pw, ceil)
