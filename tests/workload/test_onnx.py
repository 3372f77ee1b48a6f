"""ONNX import and export: hand-built models (nothing downloaded), zoo round trips, errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from sqnxt_sim import InputError, load_network, resolve_hardware, simulate  # noqa: E402
from sqnxt_sim.workload.load import zoo_names  # noqa: E402
from sqnxt_sim.workload.onnx.export import export_onnx  # noqa: E402
from sqnxt_sim.workload.onnx.read import load_onnx  # noqa: E402

# Exporting writes ~4 bytes per weight (float32 initializers, as a valid model needs):
# AlexNet's 61 M weights are a 245 MB file and ~5 s of export + import. Such networks
# exercise no layer kind the small ones miss, so the round trip skips them.
ROUND_TRIP_MAX_PARAMETERS = 10_000_000


# --- building models in code ---------------------------------------------------------------


def weight(name: str, *shape: int, dtype=np.float32) -> TensorProto:
    return numpy_helper.from_array(np.zeros(shape, dtype=dtype), name)


def ints(name: str, *values: int) -> TensorProto:
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def scalar(name: str, value: float) -> TensorProto:
    return numpy_helper.from_array(np.array(value, dtype=np.float32), name)


def make_model(nodes, initializers=(), input_shape=(1, 3, 8, 8), outputs=None, opset=13, extra_opsets=()):
    """A model whose outputs are the last node's first output (or ``outputs``: name -> rank)."""
    outputs = outputs or {nodes[-1].output[0]: None}
    graph = helper.make_graph(
        nodes, "test", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(input_shape))],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, [None] * (rank or len(input_shape)))
         for name, rank in outputs.items()],
        list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), *extra_opsets])
    model.ir_version = 7
    return model


def save(model, tmp_path, name: str = "model.onnx"):
    path = tmp_path / name
    onnx.save_model(model, str(path))
    return path


def by_name(network):
    return {layer.name: layer for layer in network.layers}


# --- (a) a hand-built model ----------------------------------------------------------------


def hand_built_model():
    """conv -> relu -> LRN -> [depthwise -> pointwise] + shortcut -> two branches -> concat
    -> Sigmoid -> maxpool -> global avgpool -> flatten -> gemm -> softmax."""
    nodes = [
        helper.make_node("Conv", ["x", "conv1.w", "conv1.b"], ["c1"], name="conv1",
                         kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("LRN", ["r1"], ["n1"], name="lrn", size=5),
        helper.make_node("Conv", ["n1", "dw.w"], ["d"], name="dw", kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=16),
        helper.make_node("Conv", ["d", "pw.w"], ["pw_out"], name="pw"),
        helper.make_node("Add", ["pw_out", "n1"], ["sum"], name="add"),
        helper.make_node("Conv", ["sum", "b1.w"], ["b1_out"], name="b1"),
        helper.make_node("Conv", ["sum", "b2.w"], ["b2_out"], name="b2", pads=[1, 1, 1, 1]),
        helper.make_node("Concat", ["b1_out", "b2_out"], ["cat"], name="concat", axis=1),
        helper.make_node("Sigmoid", ["cat"], ["sig"], name="sig"),
        helper.make_node("MaxPool", ["sig"], ["mp"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["mp"], ["gap_out"], name="gap"),
        helper.make_node("Flatten", ["gap_out"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["prob"], name="softmax"),
    ]
    initializers = [
        weight("conv1.w", 16, 3, 3, 3), weight("conv1.b", 16), weight("dw.w", 16, 1, 3, 3), weight("pw.w", 16, 16, 1, 1),
        weight("b1.w", 8, 16, 1, 1), weight("b2.w", 8, 16, 3, 3), weight("fc.w", 10, 16), weight("fc.b", 10),
    ]
    return make_model(nodes, initializers, input_shape=(1, 3, 32, 32), outputs={"prob": 2})


def test_hand_built_model_layer_table_and_unmodelled(tmp_path):
    net = load_onnx(save(hand_built_model(), tmp_path, "hand.onnx"))
    assert net.name == "hand" and net.source.endswith("hand.onnx")
    # LRN (unmodelled) and Flatten (a view the fc reads through) make no layer.
    # The softmax reads the fc's output as ONNX has it (10 logits, not 10x1x1): a view, free.
    assert net.order == ("conv1", "relu1", "dw", "pw", "add", "b1", "b2", "concat", "sig", "pool", "gap", "fc", "fc.view",
                         "softmax")
    table = {layer.name: (layer.op, layer.in_channels, layer.h, layer.k, layer.p, layer.macs) for layer in net.layers}
    assert table == {
        # 32x32, k3/2 pad 1 -> 16x16; MACs = K*P*Q*C*R*S = 16*16*16*3*9
        "conv1": ("conv", 3, 32, 16, 16, 110_592),
        "relu1": ("relu", 16, 16, 16, 16, 0),
        # depthwise: G = 16, C = 1 per group: 16*16*16*1*9
        "dw": ("conv", 16, 16, 16, 16, 36_864),
        # pointwise 16 -> 16 on 16x16: 16*16*16*16
        "pw": ("conv", 16, 16, 16, 16, 65_536),
        "add": ("add", 16, 16, 16, 16, 0),
        # 1x1 16 -> 8: 8*16*16*16; 3x3 16 -> 8: 8*16*16*16*9
        "b1": ("conv", 16, 16, 8, 16, 32_768),
        "b2": ("conv", 16, 16, 8, 16, 294_912),
        "concat": ("concat", 16, 16, 16, 16, 0),
        "sig": ("sigmoid", 16, 16, 16, 16, 0),
        # 2x2/2 pool: 16x16 -> 8x8; global average: 8x8 -> 1x1
        "pool": ("maxpool", 16, 16, 16, 8, 0),
        "gap": ("avgpool", 16, 8, 16, 1, 0),
        # 16 features -> 10
        "fc": ("fc", 16, 1, 10, 1, 160),
        "fc.view": ("reshape", 10, 1, 10, 1, 0),
        "softmax": ("softmax", 10, 1, 10, 1, 0),
    }
    layers = by_name(net)
    assert layers["dw"].g == 16 and layers["dw"].c == 1
    assert layers["conv1"].bias and layers["fc"].bias and not layers["pw"].bias
    # The shortcut of the add passes through the unmodelled LRN: it reads relu1.
    assert layers["add"].inputs == ("pw", "relu1")
    # Vector-unit elements: the sigmoid of 16x16x16, the softmax of 10 logits.
    assert (layers["sig"].vector_elements, layers["softmax"].vector_elements) == (4096, 10)
    assert net.macs == 110_592 + 36_864 + 65_536 + 32_768 + 294_912 + 160
    assert net.unmodelled == (
        {"name": "lrn", "op_type": "LRN", "output_shape": [1, 16, 16, 16], "output_elements": 4096},
    )
    assert all(layer.stage == "" for layer in net.layers)


def test_folded_and_pass_through_operators(tmp_path):
    """TF-style graph: SAME padding, batch norm, ReLU6 as Clip, ReduceMean, MatMul + bias Add."""
    nodes = [
        # SAME_UPPER on 8, k3/2: total pad (4-1)*2+3-8 = 1 -> 0 before, 1 after -> 4 outputs;
        # symmetric 1 gives (8+2-3)//2+1 = 4 as well, so the layer is exact with pad 1.
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["bn"], name="bn"),
        helper.make_node("Clip", ["bn", "zero", "six"], ["r6"], name="relu6"),
        helper.make_node("ReduceMean", ["r6"], ["gap"], name="mean", axes=[2, 3], keepdims=0),
        helper.make_node("Dropout", ["gap"], ["drop"], name="dropout"),
        helper.make_node("MatMul", ["drop", "fw"], ["mm"], name="fc"),
        helper.make_node("Add", ["mm", "fb"], ["logits"], name="fc_bias"),
        helper.make_node("Identity", ["logits"], ["out"], name="id"),
    ]
    initializers = [weight("w", 8, 3, 3, 3), weight("s", 8), weight("b", 8), weight("m", 8), weight("v", 8),
                    scalar("zero", 0.0), scalar("six", 6.0), weight("fw", 8, 5), weight("fb", 5)]
    net = load_onnx(save(make_model(nodes, initializers, outputs={"out": 2}), tmp_path))
    assert net.order == ("conv", "relu6", "mean", "fc")
    layers = by_name(net)
    conv = layers["conv"]
    assert (conv.p, conv.q, conv.pad_h, conv.pad_w) == (4, 4, 1, 1) and "pads 0/1" in conv.note
    assert layers["relu6"].op == "relu" and layers["relu6"].inputs == ("conv",)  # batch norm folded
    assert layers["mean"].op == "avgpool" and (layers["mean"].r, layers["mean"].p) == (4, 1)
    # MatMul 8 -> 5 is an fc layer (40 MACs); the Add of a 5-vector right after is its bias.
    assert (layers["fc"].op, layers["fc"].macs, layers["fc"].bias) == ("fc", 40, True)
    assert net.unmodelled == ()


def test_batch_from_model_or_argument(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv")]
    fixed = save(make_model(nodes, [weight("w", 4, 3, 1, 1)], input_shape=(4, 3, 8, 8)), tmp_path, "fixed.onnx")
    symbolic = save(make_model(nodes, [weight("w", 4, 3, 1, 1)], input_shape=("N", 3, 8, 8)), tmp_path, "sym.onnx")
    # 1x1 conv 3 -> 4 on 8x8: 4*8*8*3 = 768 MACs per sample
    assert load_onnx(fixed).macs == 4 * 768
    assert load_onnx(symbolic).macs == 768  # a symbolic batch defaults to 1
    assert load_onnx(symbolic, batch=8).macs == 8 * 768
    assert load_onnx(fixed, batch=2).input_layer.n == 2


def test_unnamed_and_duplicate_nodes_get_unique_names(tmp_path):
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["a"]),
        helper.make_node("Relu", ["a"], ["b"], name="act"),
        helper.make_node("Relu", ["b"], ["c"], name="act"),
        helper.make_node("Relu", ["c"], ["d"], name="input"),
    ]
    net = load_onnx(save(make_model(nodes, [weight("w", 4, 3, 1, 1)]), tmp_path))
    assert net.order == ("Conv_0", "act", "act_2", "input_2")


def test_stage_from_slash_separated_node_names(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["a"], name="/layer1/layer1.0/conv1/Conv"),
             helper.make_node("Relu", ["a"], ["b"], name="/relu/Relu")]
    net = load_onnx(save(make_model(nodes, [weight("w", 4, 3, 1, 1)]), tmp_path))
    assert [layer.stage for layer in net.layers] == ["layer1", ""]


def test_channel_shuffle_is_a_costed_transpose(tmp_path):
    """Reshape to 5-D, Transpose, Reshape back (ShuffleNet): the transpose is a copy; the
    reshapes are views (free), named after their nodes, that give it and conv2 their layouts."""
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="conv1"),
        helper.make_node("Reshape", ["c1", "split"], ["r5"], name="split"),
        helper.make_node("Transpose", ["r5"], ["t"], name="shuffle", perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["t", "merge"], ["r4"], name="merge"),
        helper.make_node("Conv", ["r4", "w2"], ["y"], name="conv2"),
    ]
    initializers = [weight("w1", 8, 3, 1, 1), ints("split", 1, 2, 4, 8, 8), ints("merge", 1, 8, 8, 8), weight("w2", 4, 8, 1, 1)]
    net = load_onnx(save(make_model(nodes, initializers), tmp_path))
    assert net.order == ("conv1", "split", "shuffle", "merge", "conv2")
    layers = by_name(net)
    assert [layers[n].kind for n in ("split", "shuffle", "merge")] == ["view", "vector", "view"]
    # The copy: every element of the 2x4x8x8 tensor once (512), through the vector unit.
    assert (layers["shuffle"].function, layers["shuffle"].vector_elements, layers["shuffle"].dims) == ("copy", 512, (4, 2, 8, 8))
    assert layers["conv2"].inputs == ("merge",) and net.unmodelled == ()


def test_layout_change_before_a_conv_is_read_as_onnx_means_it(tmp_path):
    """An NHWC transpose before a conv: ONNX's conv takes axis 1 (now 8 rows) as channels."""
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], name="conv1"),
             helper.make_node("Transpose", ["c"], ["nhwc"], name="to_nhwc", perm=[0, 2, 3, 1]),
             helper.make_node("Conv", ["nhwc", "w2"], ["y"], name="conv2")]
    net = load_onnx(save(make_model(nodes, [weight("w1", 4, 3, 1, 1), weight("w2", 4, 8, 1, 1)]), tmp_path))
    conv2 = by_name(net)["conv2"]
    # 1x1, 8 -> 4 channels on an 8 x 4 "image": 4*8*4*8 = 1,024 MACs
    assert (conv2.c, conv2.h, conv2.w, conv2.macs) == (8, 8, 4, 1024)


def test_external_weight_data(tmp_path):
    path = tmp_path / "ext.onnx"
    onnx.save_model(hand_built_model(), str(path), save_as_external_data=True, location="ext.bin", size_threshold=0)
    assert load_onnx(path).layers == load_onnx(save(hand_built_model(), tmp_path)).layers


def test_load_network_dispatches_onnx_paths(tmp_path):
    path = save(hand_built_model(), tmp_path, "hand.onnx")
    assert load_network(str(path)).order == load_onnx(path).order


# --- (b) every zoo network through export -> import ----------------------------------------


@pytest.fixture(scope="module")
def hardware():
    return resolve_hardware("hwconfigs/32pe_os.yaml")


@pytest.mark.parametrize("name", zoo_names())
def test_zoo_round_trip(name, tmp_path, hardware):
    network = load_network(name)
    if network.parameters > ROUND_TRIP_MAX_PARAMETERS:
        pytest.skip(f"{name}: {network.parameters:,} parameters = a {4 * network.parameters / 1e6:.0f} MB file; "
                    f"round trip limited to {ROUND_TRIP_MAX_PARAMETERS:,} to keep the suite fast")
    path = export_onnx(network, tmp_path / f"{name}.onnx")
    onnx.checker.check_model(str(path), full_check=True)
    model = onnx.load(str(path))
    assert [node.name for node in model.graph.node if node.op_type not in ("Flatten", "Reshape")] == list(network.order)
    back = load_onnx(path)
    assert back.unmodelled == ()
    assert (back.name, back.description, back.reconstruction) == (network.name, network.description, network.reconstruction)
    assert back.order == network.order
    assert back.layers == network.layers  # every shape field, inputs, stage and bias
    assert simulate(back, hardware).rows() == simulate(network, hardware).rows()


def test_export_is_deterministic_and_seeded(tmp_path):
    network = load_network(min(zoo_names(), key=lambda name: load_network(name).parameters))
    first = export_onnx(network, tmp_path / "a.onnx").read_bytes()
    assert export_onnx(network, tmp_path / "b.onnx").read_bytes() == first
    assert export_onnx(network, tmp_path / "c.onnx", seed=1).read_bytes() != first
    assert not [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_export_of_explicit_network_with_fc_chain_relu_and_concat(tmp_path, hardware):
    """Glue the zoo does not need: fc -> fc, relu on a flat tensor, a conv reading an fc output,
    a 3-input add (Sum), a concat of flat tensors, a non-global pool with ceil_mode."""
    from sqnxt_sim import network_from_dict

    network = network_from_dict({
        "name": "glue", "input": {"channels": 3, "height": 9, "width": 9, "batch": 2},
        "layers": [
            {"name": "conv", "op": "conv", "out_channels": 4, "kernel": 3, "padding": 1, "bias": True, "stage": "s1"},
            {"name": "pool", "op": "maxpool", "kernel": 2, "stride": 2, "ceil_mode": True},  # 9 -> 5 with ceil
            {"name": "fc1", "op": "fc", "out_features": 6},
            {"name": "relu", "op": "relu"},
            {"name": "fc2", "op": "fc", "out_features": 6, "inputs": ["relu"]},
            {"name": "fc3", "op": "fc", "out_features": 6, "inputs": ["relu"]},
            {"name": "sum", "op": "add", "inputs": ["fc1", "fc2", "fc3"]},
            {"name": "cat", "op": "concat", "inputs": ["fc2", "fc3"]},
            {"name": "proj", "op": "conv", "out_channels": 6, "kernel": 1, "inputs": ["cat"]},
            {"name": "add2", "op": "add", "inputs": ["proj", "sum"]},
        ],
    })
    path = export_onnx(network, tmp_path / "glue.onnx")
    onnx.checker.check_model(str(path), full_check=True)
    back = load_onnx(path)
    assert back.layers == network.layers and back.unmodelled == ()
    assert by_name(back)["pool"].p == 5 and by_name(back)["conv"].stage == "s1"
    assert simulate(back, hardware).rows() == simulate(network, hardware).rows()


# --- (c) errors: one InputError naming the file and the node -------------------------------


def conv_model(**attributes):
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv3", kernel_shape=[3, 3], **attributes)
    return make_model([node], [weight("w", 4, 3, 3, 3)])


def import_error(tmp_path, model, name="bad.onnx") -> InputError:
    path = save(model, tmp_path, name)
    with pytest.raises(InputError) as caught:
        load_onnx(path)
    assert caught.value.source == str(path)
    return caught.value


def test_truncated_file(tmp_path):
    data = hand_built_model().SerializeToString()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="not a valid ONNX model") as caught:
        load_onnx(path)
    assert caught.value.source == str(path)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"name: not onnx\nlayers: [1, 2]\n", bytes(range(256))])
def test_garbage_file(tmp_path, content):
    path = tmp_path / "junk.onnx"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        load_onnx(path)
    assert caught.value.source == str(path) and "\n" not in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_onnx(tmp_path / "absent.onnx")


def test_dilations_rejected(tmp_path):
    error = import_error(tmp_path, conv_model(dilations=[2, 2]))
    assert error.field == "node 'conv3' (Conv).dilations" and "not modelled" in error.problem


def test_asymmetric_pads_that_change_the_output_size_rejected(tmp_path):
    # stride 1, pads 0 before and 1 after: 8+1-3+1 = 7 outputs; symmetric 0 gives 6, 1 gives 8
    error = import_error(tmp_path, conv_model(pads=[0, 0, 1, 1]))
    assert error.field == "node 'conv3' (Conv).pads" and "asymmetric" in error.problem


def test_same_padding_with_odd_total_at_stride_1_rejected(tmp_path):
    node = helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], auto_pad="SAME_UPPER")
    error = import_error(tmp_path, make_model([node]))
    assert error.field == "node 'pool' (MaxPool).auto_pad"


def test_weight_channels_disagreeing_with_the_input(tmp_path):
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv3")
    error = import_error(tmp_path, make_model([node], [weight("w", 4, 5, 1, 1)]))
    assert error.field == "node 'conv3' (Conv).group"


def test_shape_inference_failure_names_the_node(tmp_path):
    nodes = [helper.make_node("Concat", ["x", "x2"], ["y"], name="cat", axis=1)]
    model = make_model(nodes)
    model.graph.input.append(helper.make_tensor_value_info("x2", TensorProto.FLOAT, [1, 3, 9, 8]))
    error = import_error(tmp_path, model)
    assert error.field == "node 'cat' (Concat)" and error.problem.startswith("ONNX shape inference failed")


def test_unknown_output_shape_names_the_node(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Mystery", ["c"], ["y"], name="mystery", domain="example.custom")]
    model = make_model(nodes, [weight("w", 4, 3, 1, 1)], extra_opsets=[helper.make_opsetid("example.custom", 1)])
    error = import_error(tmp_path, model)
    assert error.field == "node 'mystery' (Mystery)" and "cannot infer its output shape" in error.problem


def test_reshape_to_a_shape_computed_from_shape_folds(tmp_path):
    """Shape -> Gather -> Unsqueeze -> Concat [-1] -> Reshape (an unfolded flatten): constants."""
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["n"], name="n", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="n1"),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "w"], ["y"], name="fc", transB=1),
    ]
    model = make_model(nodes, [ints("zero", 0), ints("axes", 0), ints("minus1", -1), weight("w", 10, 192)], outputs={"y": 2})
    model.graph.initializer[0].CopyFrom(numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"))
    net = load_onnx(save(model, tmp_path))
    # 3 x 8 x 8 = 192 features -> 10: 1,920 MACs
    assert net.order == ("fc",) and net.macs == 1920


def test_explicit_pad_folds_into_the_conv(tmp_path):
    # F.pad(x, 1) then a 3x3 conv without padding: the same as a conv with pads 1 (8x8 -> 8x8).
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"], name="pad"),
             helper.make_node("Conv", ["p", "w"], ["y"], name="conv", kernel_shape=[3, 3])]
    model = make_model(nodes, [ints("pads", 0, 0, 1, 1, 0, 0, 1, 1), weight("w", 4, 3, 3, 3)])
    net = load_onnx(save(model, tmp_path))
    conv = by_name(net)["conv"]
    # 4 filters x 8x8 outputs x 3 channels x 9 = 6,912 MACs
    assert net.order == ("conv",) and (conv.pad_h, conv.p, conv.macs) == (1, 8, 6912) and "Pad" in conv.note


def test_size_changing_unmodelled_op_fails_where_it_is_read(tmp_path):
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["up"], name="up", mode="nearest"),
             helper.make_node("Conv", ["up", "w"], ["y"], name="conv", kernel_shape=[3, 3])]
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales")
    error = import_error(tmp_path, make_model(nodes, [scales, weight("w", 4, 3, 3, 3)]))
    assert error.field == "node 'conv' (Conv)" and "'up' (Resize)" in error.problem


def test_pad_at_the_end_is_a_copy(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Pad", ["c", "pads"], ["y"], name="pad")]
    net = load_onnx(save(make_model(nodes, [weight("w", 4, 3, 1, 1), ints("pads", 0, 0, 1, 1, 0, 0, 1, 1)]), tmp_path))
    pad = by_name(net)["pad"]
    # 4 x 10 x 10 written: 400 elements copied
    assert net.order == ("conv", "pad") and (pad.dims, pad.vector_elements) == ((4, 10, 10), 400)
    assert net.unmodelled == ()


def test_operators_with_macs_are_never_passed_through(tmp_path):
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], name="up", kernel_shape=[2, 2], strides=[2, 2])
    error = import_error(tmp_path, make_model([node], [weight("w", 3, 4, 2, 2)]))
    assert error.field == "node 'up' (ConvTranspose)" and "MACs" in error.problem


def test_missing_onnx_package_says_how_to_install(tmp_path, monkeypatch):
    path = save(hand_built_model(), tmp_path)
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(InputError, match=r'pip install "sqnxt-sim\[onnx\]"'):
        load_onnx(path)


def test_export_to_an_unwritable_place(tmp_path):
    network = load_network("sqnxt23_v1")
    with pytest.raises(InputError) as caught:
        export_onnx(network, tmp_path / "no" / "such" / "dir" / "net.onnx")
    assert "net.onnx" in caught.value.source


def test_export_refuses_networks_with_unmodelled_operators(tmp_path):
    net = load_onnx(save(hand_built_model(), tmp_path, "hand.onnx"))  # its LRN
    with pytest.raises(InputError, match="does not model"):
        export_onnx(net, tmp_path / "again.onnx")
