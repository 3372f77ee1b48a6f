"""The explicit network format: shapes inferred along edges, graph rules enforced."""

import pytest

from sqnxt_sim import InputError, network_from_dict

TINY = {
    "name": "tiny",
    "input": {"channels": 3, "height": 32, "width": 32},
    "layers": [
        {"name": "conv1", "op": "conv", "out_channels": 16, "kernel": [3, 3], "stride": 1, "padding": 1},
        {"name": "pw", "op": "conv", "out_channels": 32, "kernel": 1},
        {"name": "skip", "op": "conv", "inputs": ["conv1"], "out_channels": 32, "kernel": 1},
        {"name": "add1", "op": "add", "inputs": ["pw", "skip"]},
        {"name": "pool", "op": "avgpool", "global": True},
        {"name": "fc", "op": "fc", "out_features": 10},
    ],
}


def with_layers(*layers, channels=3, size=32):
    return {"name": "t", "input": {"channels": channels, "height": size, "width": size}, "layers": list(layers)}


def test_tiny_network_shapes_and_counts():
    net = network_from_dict(TINY)
    layers = {layer.name: layer for layer in net.layers}
    assert net.order == ("conv1", "pw", "skip", "add1", "pool", "fc")
    # conv1: 3x3 pad 1 keeps 32x32; MACs = 16*32*32*3*9 = 442,368; weights 16*3*9 = 432
    assert (layers["conv1"].p, layers["conv1"].q, layers["conv1"].macs, layers["conv1"].weights) == (32, 32, 442_368, 432)
    # pw and skip: 32*32*32*16 = 524,288 MACs each, 512 weights each
    assert layers["pw"].macs == layers["skip"].macs == 524_288
    assert layers["add1"].inputs == ("pw", "skip") and layers["add1"].k == 32
    assert (layers["pool"].r, layers["pool"].p) == (32, 1)
    # fc: 32 features -> 10: 320 MACs and weights
    assert (layers["fc"].c, layers["fc"].macs, layers["fc"].weights) == (32, 320, 320)
    assert net.macs == 442_368 + 2 * 524_288 + 320
    assert sorted(net.graph.predecessors("add1")) == ["pw", "skip"]


def test_concat_adds_channels_and_maxpool_ceil_mode():
    net = network_from_dict(with_layers(
        {"name": "a", "op": "conv", "out_channels": 4, "kernel": 1},
        {"name": "b", "op": "conv", "inputs": ["input"], "out_channels": 6, "kernel": 3, "padding": 1},
        {"name": "cat", "op": "concat", "inputs": ["a", "b"]},
        # 32 -> (32-3)/2 = 14.5: floor gives 15 outputs, ceil (Caffe) 16
        {"name": "floor", "op": "maxpool", "kernel": 3, "stride": 2},
        {"name": "ceil", "op": "maxpool", "inputs": ["cat"], "kernel": 3, "stride": 2, "ceil_mode": True},
    ))
    layers = {layer.name: layer for layer in net.layers}
    assert layers["cat"].k == 10
    assert layers["floor"].p == 15 and layers["ceil"].p == 16


def test_grouped_and_depthwise_conv():
    net = network_from_dict(with_layers(
        {"name": "grouped", "op": "conv", "out_channels": 8, "kernel": 3, "padding": 1, "groups": 2},
        {"name": "dw", "op": "conv", "out_channels": 8, "kernel": 3, "padding": 1, "groups": 8},
        channels=4, size=8,
    ))
    grouped, dw = net.layers
    # grouped: C per group 2, MACs = 8*8*8*2*9 = 9,216, weights 8*2*9 = 144
    assert (grouped.c, grouped.g, grouped.macs, grouped.weights) == (2, 2, 9216, 144)
    # depthwise: C per group 1, MACs = 8*64*9 = 4,608, weights 72
    assert (dw.c, dw.g, dw.macs, dw.weights) == (1, 8, 4608, 72)


@pytest.mark.parametrize(
    "layers, field, words",
    [
        ([{"name": "a", "op": "conv", "inputs": ["nope"], "out_channels": 4, "kernel": 1}], "layers[0] 'a'.inputs", "unknown input 'nope'"),
        ([{"name": "a", "op": "conv", "inputs": ["b"], "out_channels": 4, "kernel": 1},
          {"name": "b", "op": "conv", "inputs": ["a"], "out_channels": 4, "kernel": 1}], "layers", "cycle"),
        ([{"name": "a", "op": "conv", "out_channels": 4, "kernel": 1},
          {"name": "a", "op": "conv", "out_channels": 4, "kernel": 1}], "layers[1] 'a'", "duplicate"),
        ([{"name": "a", "op": "conv", "out_channels": 4, "kernel": 1},
          {"name": "b", "op": "conv", "inputs": ["input"], "out_channels": 5, "kernel": 1},
          {"name": "s", "op": "add", "inputs": ["a", "b"]}], "layers[2] 's'.inputs", "channel mismatch"),
        ([{"name": "a", "op": "conv", "out_channels": 4, "kernel": 40}], "layers[0] 'a'.kernel", "larger than the padded input"),
        ([{"name": "a", "op": "conv", "out_channels": 4, "kernel": 1, "groups": 2}], "layers[0] 'a'.groups", "must divide"),
        ([{"name": "a", "op": "conv", "out_channels": 0, "kernel": 1}], "layers[0] 'a'.out_channels", "greater than 0"),
        ([{"name": "a", "op": "conv", "out_channels": 4, "kernel": 1, "stride": 0}], "layers[0] 'a'.stride", "greater than 0"),
        ([{"name": "a", "op": "conv", "out_channels": 4, "kernel": 1, "colour": 1}], "layers[0] 'a'.colour", "unknown key"),
        ([{"name": "a", "op": "lstm"}], "layers[0]", "lstm"),
    ],
)
def test_graph_errors_name_the_layer_and_field(layers, field, words):
    with pytest.raises(InputError) as caught:
        network_from_dict(with_layers(*layers), "net.yaml")
    assert caught.value.source == "net.yaml"
    assert caught.value.field.startswith(field)
    assert words in caught.value.problem or words in str(caught.value)
