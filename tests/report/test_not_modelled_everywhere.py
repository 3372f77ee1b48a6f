"""What the totals leave out is in every output: the run's table, CSV and JSON, compare's
table, CSV and JSON; and stage colours never repeat."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import numpy as np  # noqa: E402

from sqnxt_sim.cli import main  # noqa: E402
from sqnxt_sim.report.plots import stage_colors  # noqa: E402


@pytest.fixture
def with_lrn(tmp_path):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("LRN", ["c"], ["n"], name="lrn", size=3),
             helper.make_node("Conv", ["n", "w2"], ["y"], name="conv2")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
                              [numpy_helper.from_array(np.zeros((4, 3, 1, 1), np.float32), "w"),
                               numpy_helper.from_array(np.zeros((4, 4, 1, 1), np.float32), "w2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    path = tmp_path / "lrn.onnx"
    onnx.save_model(model, str(path))
    return str(path)


def test_run_csv_and_json_list_the_operator(with_lrn):
    result = CliRunner().invoke(main, ["run", "--net", with_lrn, "--hw", "32pe_os", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["name"] for r in rows] == ["conv", "conv2", "lrn"]
    # 4 x 8 x 8 output, nothing charged
    assert (rows[2]["op"], rows[2]["shape"], rows[2]["cycles"]) == ("not modelled: LRN", "4x8x8", "-")
    data = json.loads(CliRunner().invoke(main, ["run", "--net", with_lrn, "--hw", "32pe_os", "--format", "json"]).output)
    assert data["network"]["unmodelled"][0]["op_type"] == "LRN" and "not modelled" in data["notes"][0]
    text = CliRunner().invoke(main, ["run", "--net", with_lrn, "--hw", "32pe_os"]).output
    assert "lrn (LRN, 256 output elements)" in text


def test_compare_lists_it_in_table_csv_and_json(with_lrn, tmp_path):
    out = tmp_path / "cmp"
    result = CliRunner().invoke(main, ["compare", "--net", "sqnxt23_v1", "--net", with_lrn, "--hw", "32pe_os",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 imported operator(s) not modelled" in result.output and "lrn (LRN)" in result.output
    rows = list(csv.DictReader(open(out / "comparison.csv")))
    assert [(r["not_modelled_ops"], r["not_modelled"]) for r in rows] == [("0", ""), ("1", "lrn (LRN)")]
    networks = json.loads((out / "comparison.json").read_text())["networks"]
    assert [len(n["unmodelled"]) for n in networks] == [0, 1]


@pytest.mark.parametrize("count", [3, 8, 12, 50])
def test_stage_colours_never_repeat(count):
    colors = stage_colors([f"s{i}" for i in range(count)])
    assert len(colors) == count and len(set(colors.values())) == count
