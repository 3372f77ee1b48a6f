"""The layer graph: a networkx DiGraph of Layer specs with shapes inferred along its edges.

Nodes are layer names with a ``layer`` attribute; the network input is the node ``input``.
Edges run producer -> consumer. The execution order is a topological order that keeps the
file's order wherever the graph allows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from ..errors import InputError
from . import ops
from .ops.base import same_shape_fields
from .layer import INPUT_OP, Layer
from .netfile import NetworkFile

INPUT = "input"

# Size limits: every count a layer carries, and the network's sums of them, fit a 64-bit
# integer (the engine's columns are int64). Far above real networks: all of ResNet-50 at
# batch 256 is about 1e12 MACs.
MAX_LAYER_MACS = 10**12  # MACs, or pooling/add operations, of one layer
MAX_TENSOR_ELEMENTS = 10**11  # elements of one activation tensor or one weight tensor
MAX_NETWORK_MACS = 10**14  # all layers together


@dataclass(frozen=True)
class Network:
    """A network as its layer graph: ``graph`` holds one node per layer (its Layer under
    "layer") and the input node; ``layers`` lists the Layers in execution ``order``."""

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
    if inp.batch * math.prod(inp.dims) > MAX_TENSOR_ELEMENTS:
        raise InputError(source, "input", f"too large: more than {MAX_TENSOR_ELEMENTS:,} elements")
    graph.add_node(INPUT, layer=Layer(INPUT, INPUT_OP, INPUT_OP, **same_shape_fields(inp.dims, inp.batch)))
    previous = INPUT
    for index, entry in enumerate(spec.layers):
        where = f"layers[{index}] '{entry.name}'"
        if entry.name in entries:
            raise InputError(source, where, "duplicate layer name")
        takes_none = ops.spec(entry.op).max_inputs == 0
        inputs = () if takes_none else tuple(entry.inputs) if entry.inputs else (previous,)
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


_WORDS = {2: "two", 3: "three"}


def _infer(entry, inputs: tuple[str, ...], producers: list[Layer], source: str, where: str) -> Layer:
    """The op's own shape inference and counts (workload/ops), checked against its input count."""
    op = ops.spec(entry.op)
    if len(inputs) < op.min_inputs or (op.max_inputs is not None and len(inputs) > op.max_inputs):
        if op.max_inputs == 1:
            wanted = "exactly one input"
        elif op.max_inputs is None:
            wanted = f"at least {_WORDS.get(op.min_inputs, op.min_inputs)} inputs"
        else:
            wanted = f"{op.min_inputs} to {op.max_inputs} inputs" if op.min_inputs != op.max_inputs else f"{op.min_inputs} inputs"
        needs = "needs" if len(inputs) < op.min_inputs and op.max_inputs is None else "takes"
        raise InputError(source, f"{where}.inputs", f"{entry.op} {needs} {wanted}, got {len(inputs)}")
    try:
        fields = op.infer(entry, producers, inputs)
    except ops.ShapeError as error:
        raise InputError(source, f"{where}.{error.field}" if error.field else where, error.problem) from None
    return Layer(name=entry.name, op=entry.op, inputs=inputs, stage=entry.stage, note=entry.note,
                 read_elements=sum(p.output_elements for p in producers),
                 in_dims=producers[0].dims if producers else (), **fields)


def _check_size(layer: Layer, source: str, where: str) -> None:
    for count, what, limit in ((layer.macs, "MACs", MAX_LAYER_MACS),
                               (layer.elementwise_ops, "operations", MAX_LAYER_MACS),
                               (layer.output_elements, "output elements", MAX_TENSOR_ELEMENTS),
                               (layer.input_elements, "input elements", MAX_LAYER_MACS),
                               (layer.weights, "weights", MAX_TENSOR_ELEMENTS)):
        if count > limit:
            raise InputError(source, where, f"layer too large: {count:,} {what} (limit {limit:,})")
