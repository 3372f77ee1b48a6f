"""SCALE-Sim topology files as networks: the recorded SCALE-Sim runs of
tests/engine/test_scalesim_agreement.py, written in SCALE-Sim's own format and read back."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sqnxt_sim import InputError, load_network, simulate
from tests.engine.test_scalesim_agreement import CASES, DATAFLOWS, scalesim_topology
from tests.helpers import tiny_hardware

CONV_HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"


def write(path, header, rows):
    path.write_text("\n".join([header] + [", ".join(map(str, row)) + "," for row in rows]) + "\n")
    return path


def by_array():
    groups = defaultdict(list)
    for case in CASES:
        groups[case.array].append(case)
    return sorted(groups.items())


@pytest.mark.parametrize("dataflow", DATAFLOWS)
@pytest.mark.parametrize("array, cases", by_array(), ids=lambda x: "x".join(map(str, x)) if isinstance(x, tuple) else "")
def test_topology_files_give_the_cycles_scalesim_reported(tmp_path, array, cases, dataflow):
    rows = [row for case in cases for row in scalesim_topology(case)]
    net = load_network(str(write(tmp_path / "layers.csv", CONV_HEADER, rows)))
    result = {row["name"]: row for row in simulate(net, tiny_hardware(*array, dataflow)).rows()}
    for case, (name, *_rest) in zip(cases, rows):
        # SCALE-Sim counts each of its layers from cycle 0 (a DP row is one layer per channel).
        assert result[name]["compute_cycles"] == case.scalesim(dataflow) + case.scalesim_layers, case.name


def test_conv_rows_follow_scalesim_sizes(tmp_path):
    rows = [["conv", 18, 18, 3, 3, 4, 8, 2], ["DP_dw", 8, 8, 3, 3, 8, 1, 1]]
    net = load_network(str(write(tmp_path / "t.csv", CONV_HEADER, rows)))
    conv, source, dw = net.layers
    # ceil((18 - 3 + 2) / 2) = 9 outputs (the floor rule gives 8): the input read is 19 rows
    assert (conv.p, conv.q, conv.h, conv.macs) == (9, 9, 19, 9 * 9 * 9 * 4 * 8)
    assert "hangs off" in conv.note and net.input_layer.dims == (4, 19, 19)
    # depthwise: 8 groups of one channel and one filter on their own input (a tensor)
    assert (source.op, source.dims, dw.g, dw.c, dw.k, dw.inputs) == ("tensor", (8, 8, 8), 8, 1, 8, ("DP_dw.ifmap",))


def test_gemm_rows(tmp_path):
    net = load_network(str(write(tmp_path / "g.csv", "Layer, M, N, K,", [["qk", 197, 197, 64], ["proj", 197, 768, 768]])))
    qk = net.layers[0]
    # SCALE-Sim's ifmap M x K by filter K x N: M rows of K features, N outputs
    assert (qk.op, qk.p, qk.c, qk.k, qk.macs) == ("linear", 197, 64, 197, 197 * 64 * 197)
    # os on 8 x 8: ceil(197/8) * ceil(197/8) = 625 folds of 64 + 14 cycles
    row = simulate(net, tiny_hardware(8, 8, "os")).rows()[0]
    assert row["compute_cycles"] == 625 * (64 + 8 + 8 - 2)


@pytest.mark.parametrize("text, field, problem", [
    ("h,\nconv, 8, 8, 9, 3, 1, 1, 1,\n", "line 2 'conv'.filter_height", "larger than the ifmap"),
    ("h,\nconv, 8, 8, 3, x, 1, 1, 1,\n", "line 2 'conv'.filter_width", "whole number"),
    ("h,\nconv, 8, 8, 3, 3, 1, 1,\n", "line 2 'conv'", "6 numbers"),
    ("h,\nconv, 8, 8, 3, 3, 1, 1, 1, 2:4,\n", "line 2 'conv'.sparsity", "not modelled"),
    ("h,\na, 8, 8, 8,\na, 8, 8, 8,\n", "line 3 'a'", "duplicate"),
    ("h,\n", None, "no layers"),
])
def test_bad_topology_rows(tmp_path, text, field, problem):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_network(str(path))
    assert caught.value.field == field and problem in caught.value.problem and caught.value.source == str(path)
