"""Real-export patterns built with the onnx helper API (no torch, nothing downloaded):
attention, LayerNorm (the operator and its opset-13 decomposition), a squeeze-and-excite
block, an unoptimized export's constant chains, every blocker in one error, the dynamo
exporter's stage metadata, and export -> import of every new layer kind."""

from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from sqnxt_sim import InputError, simulate  # noqa: E402
from sqnxt_sim.hardware.config import hardware_from_dict, load_hardware  # noqa: E402
from sqnxt_sim.workload.load import network_from_dict  # noqa: E402
from sqnxt_sim.workload.onnx.export import export_onnx  # noqa: E402
from sqnxt_sim.workload.onnx.read import load_onnx  # noqa: E402
from tests.engine.test_new_layer_kinds import ATTENTION  # noqa: E402


def tensor(name, *shape, value=0.0, dtype=np.float32):
    return numpy_helper.from_array(np.full(shape, value, dtype=dtype), name)


def ints(name, *values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def model(nodes, initializers, input_shape, opset=13, out_rank=None):
    """The last node's first output is the graph output (of ``out_rank`` axes, default the input's)."""
    rank = out_rank or len(input_shape)
    graph = helper.make_graph(nodes, "m", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(input_shape))],
                              [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, [None] * rank)],
                              list(initializers))
    built = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    built.ir_version = 8
    return built


def load(built, tmp_path, name="m.onnx"):
    path = tmp_path / name
    onnx.save_model(built, str(path))
    return load_onnx(path)


def layers_of(net):
    return {layer.name: layer for layer in net.layers}


def vector_cycles(net):
    """Cycles per layer on a vector unit of one lane: each equals the layer's operations."""
    hw = load_hardware("hwconfigs/32pe_os.yaml").model_dump(mode="json")
    rows = simulate(net, hardware_from_dict({**hw, "vector_unit": {"lanes": 1}})).rows()
    return {row["name"]: row["cycles"] for row in rows}


def test_attention_block_as_torch_exports_it(tmp_path):
    """x (1, 4, 8) -> q/k/v MatMul by weights -> Reshape (1, 4, 2, 4) -> Transpose -> Q K^T
    -> Mul by 1/sqrt(4) -> Softmax -> . V -> Transpose -> Reshape -> MatMul (out)."""
    nodes = []
    for proj in "qkv":
        nodes += [helper.make_node("MatMul", ["x", f"w{proj}"], [proj], name=proj),
                  helper.make_node("Reshape", [proj, "heads"], [f"{proj}4"], name=f"{proj}_split")]
    nodes += [
        helper.make_node("Transpose", ["q4"], ["qt"], name="qt", perm=[0, 2, 1, 3]),
        helper.make_node("Transpose", ["k4"], ["kt"], name="kt", perm=[0, 2, 3, 1]),
        helper.make_node("Transpose", ["v4"], ["vt"], name="vt", perm=[0, 2, 1, 3]),
        helper.make_node("MatMul", ["qt", "kt"], ["s"], name="scores"),
        helper.make_node("Mul", ["s", "scale"], ["ss"], name="scaled"),
        helper.make_node("Softmax", ["ss"], ["p"], name="probs", axis=-1),
        helper.make_node("MatMul", ["p", "vt"], ["c"], name="context"),
        helper.make_node("Transpose", ["c"], ["ct"], name="ct", perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["ct", "tokens"], ["merged"], name="merge"),
        helper.make_node("MatMul", ["merged", "wo"], ["y"], name="out"),
    ]
    inits = [tensor(f"w{p}", 8, 8) for p in "qkvo"] + [ints("heads", 1, 4, 2, 4), ints("tokens", 1, 4, 8),
                                                       tensor("scale", value=0.5)]
    net = load(model(nodes, inits, (1, 4, 8)), tmp_path)
    layers = layers_of(net)
    # MACs: 4 projections of 4 x 8 x 8 = 256; two matmuls of 2 heads x 4 x 4 x 4 = 128
    assert [layers[n].op for n in ("q", "scores", "context", "out")] == ["linear", "matmul", "matmul", "linear"]
    assert net.macs == 4 * 256 + 2 * 128
    # Copies: 4 transposes of 32 elements; scale 32 multiplies; softmax 32 elements x 8 ops
    cycles = vector_cycles(net)
    assert [cycles[n] for n in ("qt", "kt", "vt", "ct", "scaled", "probs")] == [32, 32, 32, 32, 32, 256]
    # The reshapes are views, named after their nodes: free.
    assert all(cycles[n] == 0 for n in ("q_split", "merge"))
    # The same network as the YAML twin (tests/engine/test_new_layer_kinds.py): same MACs and cycles.
    twin = simulate(network_from_dict(ATTENTION), load_hardware("hwconfigs/32pe_os.yaml"))
    ours = simulate(net, load_hardware("hwconfigs/32pe_os.yaml"))
    assert ours.totals["cycles"] == twin.totals["cycles"] and ours.totals["macs"] == twin.totals["macs"]


def test_vit_style_attention_that_moves_the_batch_axis(tmp_path):
    """torch's MultiheadAttention exports a Transpose (1, T, D) -> (T, 1, D) first; at batch 1
    the tensor is read whole, and the linear still has T x D x D MACs."""
    nodes = [helper.make_node("Transpose", ["x"], ["t"], name="to_seq_first", perm=[1, 0, 2]),
             helper.make_node("MatMul", ["t", "w"], ["y"], name="in_proj")]
    net = load(model(nodes, [tensor("w", 8, 24)], (1, 4, 8)), tmp_path)
    assert layers_of(net)["in_proj"].macs == 4 * 8 * 24
    with pytest.raises(InputError, match="batch 1"):
        load_onnx(tmp_path / "m.onnx", batch=2)


def test_layernorm_operator_and_its_decomposition(tmp_path):
    ln = model([helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], name="ln", axis=-1)],
               [tensor("g", 8, value=1.0), tensor("b", 8)], (1, 4, 8), opset=17)
    # 32 elements x 5 operations (hardware/vector.py)
    assert vector_cycles(load(ln, tmp_path, "ln.onnx")) == {"ln": 160}
    # Opset 13: mean, subtract, square, mean, + eps, sqrt, divide, * gamma, + beta.
    nodes = [
        helper.make_node("ReduceMean", ["x"], ["mu"], name="mean", axes=[-1]),
        helper.make_node("Sub", ["x", "mu"], ["d"], name="sub"),
        helper.make_node("Pow", ["d", "two"], ["d2"], name="pow"),
        helper.make_node("ReduceMean", ["d2"], ["var"], name="var", axes=[-1]),
        helper.make_node("Add", ["var", "eps"], ["ve"], name="eps"),
        helper.make_node("Sqrt", ["ve"], ["sd"], name="sqrt"),
        helper.make_node("Div", ["d", "sd"], ["z"], name="div"),
        helper.make_node("Mul", ["z", "g"], ["zg"], name="gamma"),
        helper.make_node("Add", ["zg", "b"], ["y"], name="beta"),
    ]
    net = load(model(nodes, [tensor("two", value=2.0), tensor("eps", value=1e-5), tensor("g", 8, value=1.0),
                             tensor("b", 8)], (1, 4, 8)), tmp_path, "decomposed.onnx")
    cycles = vector_cycles(net)
    # mean 32 adds; sub 32; square 32 (Pow by 2); var 32; + eps on 4 means; sqrt 4 x 5;
    # divide 32 x 4; gamma 32; beta 32 -> 344 operations
    assert cycles == {"mean": 32, "sub": 32, "pow": 32, "var": 32, "eps": 4, "sqrt": 20, "div": 128, "gamma": 32,
                      "beta": 32}
    assert layers_of(net)["pow"].op == "square" and net.unmodelled == ()


def test_squeeze_and_excite_block(tmp_path):
    """conv -> global average -> 1x1 squeeze -> ReLU -> 1x1 excite -> Sigmoid -> Mul (x, s)."""
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], name="conv"),
             helper.make_node("GlobalAveragePool", ["c"], ["g"], name="gap"),
             helper.make_node("Conv", ["g", "w2"], ["sq"], name="squeeze"),
             helper.make_node("Relu", ["sq"], ["r"], name="relu"),
             helper.make_node("Conv", ["r", "w3"], ["ex"], name="excite"),
             helper.make_node("Sigmoid", ["ex"], ["s"], name="gate"),
             helper.make_node("Mul", ["c", "s"], ["y"], name="scale")]
    net = load(model(nodes, [tensor("w1", 8, 3, 1, 1), tensor("w2", 2, 8, 1, 1), tensor("w3", 8, 2, 1, 1)],
                     (1, 3, 4, 4)), tmp_path)
    layers = layers_of(net)
    # MACs: 8 x 16 x 3 = 384; 2 x 8 = 16; 8 x 2 = 16
    assert [layers[n].macs for n in ("conv", "squeeze", "excite")] == [384, 16, 16]
    cycles = vector_cycles(net)
    # gap adds 8 x 16 = 128; the gate: 8 sigmoids x 8 ops = 64; the scale broadcasts: 128 multiplies
    assert (cycles["gap"], cycles["gate"], cycles["scale"]) == (128, 64, 128)
    assert layers["scale"].inputs == ("conv", "gate") and layers["scale"].dims == (8, 4, 4)


def test_unoptimized_export_constant_chains_fold(tmp_path):
    """What torch.onnx emits without constant folding: a flatten target computed from Shape,
    a conv bias through CastLike, pooling axes from a Constant in value_ints form, and a
    Constant of value_float."""
    nodes = [
        helper.make_node("Constant", [], ["bias_f"], name="bias_const", value_floats=[0.0] * 4),
        helper.make_node("CastLike", ["bias_f", "x"], ["bias"], name="castlike"),
        helper.make_node("Conv", ["x", "w", "bias"], ["c"], name="conv"),
        helper.make_node("Constant", [], ["axes"], name="axes", value_ints=[2, 3]),
        helper.make_node("ReduceMean", ["c", "axes"], ["m"], name="mean", keepdims=1),
        helper.make_node("Shape", ["m"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["n"], name="n", axis=0),
        helper.make_node("Unsqueeze", ["n", "axis0"], ["n1"], name="n1"),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], name="target", axis=0),
        helper.make_node("Reshape", ["m", "target"], ["flat"], name="flatten"),
        helper.make_node("Constant", [], ["half"], name="half", value_float=0.5),
        helper.make_node("Mul", ["flat", "half"], ["y"], name="scaled"),
    ]
    inits = [tensor("w", 4, 3, 1, 1), numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"), ints("axis0", 0),
             ints("minus1", -1)]
    net = load(model(nodes, inits, (1, 3, 8, 8), opset=18, out_rank=2), tmp_path)
    layers = layers_of(net)
    assert layers["conv"].bias  # the CastLike of a constant is a constant
    assert (layers["mean"].op, layers["mean"].r) == ("avgpool", 8)  # axes [2, 3] from value_ints
    assert layers["scaled"].op == "mul" and layers["scaled"].vector_elements == 4
    assert net.unmodelled == ()


def test_every_blocker_in_one_error(tmp_path):
    nodes = [helper.make_node("ConvTranspose", ["x", "w"], ["u"], name="up", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["x", "w2"], ["c"], name="conv", dilations=[2, 2], kernel_shape=[3, 3]),
             helper.make_node("Add", ["u", "u"], ["y"], name="after")]
    with pytest.raises(InputError) as caught:
        load(model(nodes, [tensor("w", 3, 3, 2, 2), tensor("w2", 4, 3, 3, 3)], (1, 3, 8, 8)), tmp_path)
    error = caught.value
    # The first blocker in full, every other one named; 'after' fails only because of 'up'.
    assert error.field == "node 'up' (ConvTranspose)" and "1 more node cannot be imported: 'conv' (Conv).dilations" in error.problem
    assert "after" not in error.problem and "\n" not in str(error)


def test_dynamo_name_scopes_give_stages(tmp_path):
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="node_Conv_1")
    prop = node.metadata_props.add()
    prop.key, prop.value = "pkg.torch.onnx.name_scopes", "['', 'features', 'features.0', 'conv2d']"
    net = load(model([node], [tensor("w", 4, 3, 1, 1)], (1, 3, 8, 8)), tmp_path)
    assert net.layers[0].stage == "features"


NEW_KINDS = {
    "name": "kinds",
    "input": {"channels": 4, "height": 6, "width": 6},
    "layers": [
        {"name": "conv", "op": "conv", "out_channels": 8, "kernel": 3, "padding": 1},
        {"name": "act", "op": "hardswish"},
        {"name": "gap", "op": "reduce_mean", "axes": [0]},  # over channels (over H, W it reads back as a global pool)
        {"name": "gate", "op": "sigmoid"},
        {"name": "se", "op": "mul", "inputs": ["act", "gate"]},
        {"name": "half", "op": "slice", "axis": 0, "start": 0, "end": 4},
        {"name": "other", "op": "slice", "axis": 0, "start": 4, "end": 8, "inputs": ["se"]},
        {"name": "cat", "op": "concat", "axis": 0, "inputs": ["other", "half"]},
        {"name": "tokens", "op": "reshape", "shape": [8, 36]},
        {"name": "t", "op": "transpose", "perm": [1, 0]},
        {"name": "padded", "op": "pad", "before": [1, 0], "after": [0, 0]},
        {"name": "ln", "op": "layernorm"},
        {"name": "mlp", "op": "linear", "out_features": 16, "bias": True},
        {"name": "gelu", "op": "gelu"},
        {"name": "back", "op": "linear", "out_features": 8},
        {"name": "res", "op": "add", "inputs": ["back", "padded"]},
        {"name": "attn", "op": "matmul", "inputs": ["res", "tokens"]},
        {"name": "sm", "op": "softmax", "axis": -1},
        {"name": "first", "op": "gather", "axis": 0},
        {"name": "wide", "op": "expand", "shape": [3, 36]},
        {"name": "peak", "op": "reduce_max", "axes": [1], "keepdims": False},
        {"name": "sq", "op": "square"},
        {"name": "shift", "op": "sub", "constant": True},
    ],
}


def test_round_trip_of_every_new_kind(tmp_path):
    net = network_from_dict(NEW_KINDS)
    back = load_onnx(export_onnx(net, tmp_path / "kinds.onnx"))
    assert back.order == net.order
    assert [(l.op, l.dims, l.macs, l.weights, l.vector_elements, l.kind) for l in back.layers] == \
        [(l.op, l.dims, l.macs, l.weights, l.vector_elements, l.kind) for l in net.layers]
    hw = load_hardware("hwconfigs/32pe_os.yaml")
    assert simulate(back, hw).totals == simulate(net, hw).totals


def test_further_graph_inputs_are_tensor_layers(tmp_path):
    """Two graph inputs (x and a mask): the second is a tensor layer that starts in DRAM."""
    mask = helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 4, 8])
    built = model([helper.make_node("Add", ["x", "mask"], ["y"], name="masked")], [], (1, 4, 8))
    built.graph.input.append(mask)
    net = load(built, tmp_path)
    assert [(l.name, l.op) for l in net.layers] == [("mask", "tensor"), ("masked", "add")]
    row = {r["name"]: r for r in simulate(net, load_hardware("hwconfigs/32pe_os.yaml")).rows()}["masked"]
    # both operands come from DRAM (32 words each, 16-bit): 128 bytes
    assert row["dram_read_bytes"] == 128
    back = load_onnx(export_onnx(net, tmp_path / "again.onnx"))
    assert [(l.name, l.op, l.dims) for l in back.layers] == [(l.name, l.op, l.dims) for l in net.layers]
