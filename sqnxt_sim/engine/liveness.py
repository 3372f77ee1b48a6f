"""Which activations could stay on chip: tensor lifetimes from the layer graph.

Config-independent, so it is computed once per network and reused across a sweep.

Every layer output is a tensor. Views (a concat written in place, fused ReLU, a reshape) produce no new data: their output
shares storage with their inputs, so the inputs and the output form one *storage group*
(union-find over those edges). A group is live from the first step any member is produced
to the last step any member is read; a residual shortcut therefore stays live across its
whole block. The live set while layer i runs is the total size of all groups live then, and
a group may stay on chip if the live set fits during its whole lifetime:
``max_live_words[group] <= budget``. That rule is monotone: a bigger buffer keeps a superset
of tensors on chip. The network input starts in DRAM and never counts as resident.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..workload.graph import INPUT, Network


@dataclass(frozen=True)
class ActivationPlan:
    group_of_layer: np.ndarray  # (L,) storage group of each layer's output
    max_live_words: np.ndarray  # (groups,) largest live set during the group's lifetime; inf: never resident
    read_layer: np.ndarray  # (E,) for every data read by a non-alias layer: the reading layer
    read_group: np.ndarray  # (E,) ... the group read
    read_words: np.ndarray  # (E,) ... its size in words
    read_is_second: np.ndarray  # (E,) bool: the second operand of a matmul (it takes the weights' place)
    write_words: np.ndarray  # (L,) words a layer writes (0 for alias layers)
    is_network_output: np.ndarray  # (L,) bool: result leaves the chip whatever the buffer
    reads_start: np.ndarray  # (L,) reads of layer i are read_*[reads_start[i]:reads_end[i]]
    reads_end: np.ndarray

    def sum_reads_per_layer(self, values: np.ndarray) -> np.ndarray:
        """Sum a per-read quantity (last axis E) into per-layer totals (last axis L)."""
        values = np.asarray(values)
        cumulative = np.concatenate([np.zeros(values.shape[:-1] + (1,), dtype=values.dtype), np.cumsum(values, axis=-1)], axis=-1)
        return np.take(cumulative, self.reads_end, axis=-1) - np.take(cumulative, self.reads_start, axis=-1)


def activation_plan(network: Network) -> ActivationPlan:
    order = list(network.order)
    index = {name: i for i, name in enumerate(order)}
    graph = network.graph
    layers = network.layers
    parent = list(range(len(order) + 1))  # slot len(order) is the network input
    slot = {**index, INPUT: len(order)}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, layer in enumerate(layers):
        if layer.is_view:
            for name in layer.inputs:
                parent[find(slot[name])] = find(i)
    roots = [find(x) for x in range(len(order) + 1)]
    group_ids = {root: g for g, root in enumerate(dict.fromkeys(roots))}
    group = np.array([group_ids[r] for r in roots], dtype=np.int64)
    n_groups = len(group_ids)

    size = np.zeros(n_groups)
    first = np.full(n_groups, len(order), dtype=np.int64)
    last = np.full(n_groups, -1, dtype=np.int64)
    input_group = group[len(order)]
    first[input_group] = 0  # the input waits in DRAM: it takes no room on chip
    source_groups = {group[i] for i, layer in enumerate(layers) if layer.is_source}  # further inputs: the same
    for i, layer in enumerate(layers):
        g = group[i]
        if not layer.is_view and not layer.is_source:
            size[g] += layer.output_elements
        first[g] = min(first[g], i)
        last[g] = max(last[g], i)
    read_layer, read_group, read_words, read_second = [], [], [], []
    for i, layer in enumerate(layers):
        for position, name in enumerate(dict.fromkeys(layer.inputs)):
            g = group[slot[name]]
            last[g] = max(last[g], i)
            if not layer.is_view:
                read_layer.append(i)
                read_group.append(g)
                read_words.append(graph.nodes[name]["layer"].output_elements if name != INPUT else network.input_layer.output_elements)
                read_second.append(layer.kind == "matmul" and position == 1)
                # A read of a concat result reads the whole concatenated tensor.
    # Live set per step via a difference array over [first, last] of every group.
    delta = np.zeros(len(order) + 1)
    np.add.at(delta, first, size)
    np.add.at(delta, last + 1, -size)
    live = np.cumsum(delta)[: len(order)]
    max_live = np.array([live[first[g]: last[g] + 1].max() if last[g] >= first[g] else 0.0 for g in range(n_groups)])
    max_live[input_group] = np.inf
    for g in source_groups:
        max_live[g] = np.inf

    has_readers = np.array([graph.out_degree(name) > 0 for name in order], dtype=bool)
    is_output = ~has_readers
    # Only the final layer of an alias chain decides for its group: mark the whole group.
    output_groups = set(group[:len(order)][is_output].tolist())
    writes = np.array([0 if layer.is_view or layer.is_source else layer.output_elements for layer in layers], dtype=np.int64)
    read_layer_array = np.array(read_layer, dtype=np.int64)  # ascending: reads were listed layer by layer
    layer_numbers = np.arange(len(order))
    return ActivationPlan(
        reads_start=np.searchsorted(read_layer_array, layer_numbers, side="left"),
        reads_end=np.searchsorted(read_layer_array, layer_numbers, side="right"),
        group_of_layer=group[: len(order)],
        max_live_words=max_live,
        read_layer=read_layer_array,
        read_group=np.array(read_group, dtype=np.int64),
        read_words=np.array(read_words, dtype=np.int64),
        read_is_second=np.array(read_second, dtype=bool),
        write_words=writes,
        is_network_output=np.array([g in output_groups for g in group[: len(order)].tolist()], dtype=bool),
    )
