"""Attention, element-wise and data-movement layers: time, traffic and energy by hand.

The network: 4 tokens of 8 features, 2 heads of 4 (q, k, v projections, Q K^T, a scale,
softmax, A V, the output projection), on 32pe_os (32 x 32, os, 16-bit words, 128 KiB).
"""

from __future__ import annotations

import pytest

from sqnxt_sim import simulate
from sqnxt_sim.hardware.config import hardware_from_dict, load_hardware
from sqnxt_sim.workload.load import network_from_dict

ATTENTION = {
    "name": "attention",
    "input": {"shape": [4, 8]},
    "layers": [
        {"name": "q", "op": "linear", "out_features": 8, "inputs": ["input"]},
        {"name": "k", "op": "linear", "out_features": 8, "inputs": ["input"]},
        {"name": "v", "op": "linear", "out_features": 8, "inputs": ["input"]},
        {"name": "qh", "op": "reshape", "shape": [4, 2, 4], "inputs": ["q"]},
        {"name": "qt", "op": "transpose", "perm": [1, 0, 2]},
        {"name": "kh", "op": "reshape", "shape": [4, 2, 4], "inputs": ["k"]},
        {"name": "kt", "op": "transpose", "perm": [1, 2, 0]},
        {"name": "vh", "op": "reshape", "shape": [4, 2, 4], "inputs": ["v"]},
        {"name": "vt", "op": "transpose", "perm": [1, 0, 2]},
        {"name": "scores", "op": "matmul", "inputs": ["qt", "kt"]},
        {"name": "scaled", "op": "mul", "constant": True},
        {"name": "probs", "op": "softmax", "axis": -1},
        {"name": "context", "op": "matmul", "inputs": ["probs", "vt"]},
        {"name": "ct", "op": "transpose", "perm": [1, 0, 2]},
        {"name": "merged", "op": "reshape", "shape": [4, 8]},
        {"name": "out", "op": "linear", "out_features": 8},
    ],
}


@pytest.fixture(scope="module")
def hw_data():
    return load_hardware("hwconfigs/32pe_os.yaml").model_dump(mode="json")


def run(hw_data, **changes):
    data = {**hw_data, **{k: v for k, v in changes.items() if k != "memory"}}
    if "memory" in changes:
        data["memory"] = {**hw_data["memory"], **changes["memory"]}
    return {row["name"]: row for row in simulate(network_from_dict(ATTENTION), hardware_from_dict(data)).rows()}


def test_counts_of_every_kind():
    layers = {layer.name: layer for layer in network_from_dict(ATTENTION).layers}
    # linear: 4 tokens x 8 features x 8 outputs; matmul: 2 heads x 4 x 4 x 4
    assert [layers[n].macs for n in ("q", "scores", "context", "out")] == [256, 128, 128, 256]
    assert layers["q"].weights == 64 and layers["scores"].weights == 0  # attention has no weights
    assert [layers[n].kind for n in ("qh", "qt", "scores", "probs", "merged")] == ["view", "vector", "matmul", "vector", "view"]
    # a transpose copies its 32 elements; softmax and the scale touch 32 elements each
    assert [(layers[n].function, layers[n].vector_elements) for n in ("qt", "scaled", "probs")] == [
        ("copy", 32), ("mul", 32), ("softmax", 32)]
    assert layers["kt"].dims == (2, 4, 4) and layers["context"].dims == (2, 4, 4)


def test_time_on_the_array_and_the_vector_unit(hw_data):
    rows = run(hw_data)
    # os, one fold each: T + rows + cols - 2. Linear: T = 8 features: 8 + 62 = 70.
    assert rows["q"]["cycles"] == 70
    # matmul: one group per head, one after the other, T = 4: 2 x (4 + 62) = 132.
    assert rows["scores"]["cycles"] == rows["context"]["cycles"] == 132
    # Views are free; vector work on 1,024 lanes (one per PE) takes one cycle here.
    assert rows["qh"]["cycles"] == 0 and rows["qt"]["cycles"] == rows["probs"]["cycles"] == 1
    narrow = run(hw_data, vector_unit={"lanes": 4})
    # 32 copies / 4 lanes = 8; softmax 32 x 8 ops / 4 = 64; the scale 32 x 1 / 4 = 8.
    assert (narrow["qt"]["cycles"], narrow["probs"]["cycles"], narrow["scaled"]["cycles"]) == (8, 64, 8)
    cheap = run(hw_data, vector_unit={"lanes": 4, "ops_per_element": {"softmax": 2}})
    assert cheap["probs"]["cycles"] == 16  # 32 x 2 / 4


def test_traffic_and_energy(hw_data):
    rows = run(hw_data)
    # q reads the input (32 words) and its weights (64 words) from DRAM: 64 + 128 bytes.
    assert (rows["q"]["dram_read_ifmap_bytes"], rows["q"]["dram_read_filter_bytes"]) == (64, 128)
    # Both matmul operands stay on chip: nothing from DRAM; the buffer gives 32 + 32 words, takes 32.
    assert rows["scores"]["dram_read_bytes"] == 0
    assert (rows["scores"]["gb_read_words"], rows["scores"]["gb_write_words"]) == (64, 32)
    # The network output (32 words) is written back: 64 bytes.
    assert rows["out"]["dram_write_bytes"] == 64
    # Softmax energy: 256 operations at one MAC each + 64 buffer accesses at 6 = 640.
    assert rows["probs"]["energy"] == pytest.approx(640)
    # Nothing kept on chip: the second operand of a matmul then comes from DRAM (32 words).
    spilled = run(hw_data, memory={"activation_share": 0.0})
    assert (spilled["scores"]["dram_read_ifmap_bytes"], spilled["scores"]["dram_read_filter_bytes"]) == (64, 64)


def test_losses_of_vector_layers_are_non_mac(hw_data):
    rows = run(hw_data)
    assert rows["probs"]["loss_non_mac"] == 1.0 and rows["probs"]["utilization"] == 0.0


@pytest.mark.parametrize("layer, problem", [
    ({"name": "m", "op": "matmul", "inputs": ["input", "input"]}, "inner sizes differ"),
    ({"name": "t", "op": "transpose", "perm": [0, 0]}, "permutation"),
    ({"name": "r", "op": "reshape", "shape": [5, 7]}, "does not hold"),
    ({"name": "s", "op": "slice", "axis": 0, "start": 2, "end": 9}, "do not fit"),
    ({"name": "x", "op": "mul"}, "constant: true"),
    ({"name": "g", "op": "reduce_mean", "axes": [0, 0]}, "twice"),
])
def test_shape_errors_name_the_layer(layer, problem):
    from sqnxt_sim import InputError

    with pytest.raises(InputError) as caught:
        network_from_dict({"name": "bad", "input": {"shape": [4, 8]}, "layers": [layer]})
    assert caught.value.field.startswith(f"layers[0] '{layer['name']}'") and problem in caught.value.problem


def test_docs_list_the_vector_costs_the_code_uses():
    from pathlib import Path

    from sqnxt_sim.hardware.vector import FUNCTIONS

    text = Path("docs/model.md").read_text()
    for name, (ops, _why) in FUNCTIONS.items():
        assert f"| `{name}` | {ops:g} |" in text, name
