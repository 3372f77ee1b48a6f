"""compare(): ratios against the first network, stage alignment, bad input."""

import csv
import io
import json

import pytest

from sqnxt_sim import InputError, network_from_dict
from sqnxt_sim.paths import data_dir
from sqnxt_sim.report.compare import comparison_csv, comparison_json, comparison_rows, comparison_text
from sqnxt_sim.studies.compare import compare
from sqnxt_sim.report.compare_plots import merged_stage_order, stage_layout
from sqnxt_sim.report.stages import stage_rows


def pointwise(k: int, name: str | None = None):
    """One 1x1 conv, 32 -> k channels on an 8x8 input."""
    return network_from_dict({"name": name or f"k{k}", "input": {"channels": 32, "height": 8, "width": 8},
                              "layers": [{"name": "conv", "op": "conv", "out_channels": k, "kernel": 1,
                                          "stage": "s1"}]})


@pytest.fixture(scope="module")
def trio():
    return compare([pointwise(16), pointwise(32), pointwise(64)], ["32pe_os"])


def test_ratios_by_hand(trio):
    # 32pe_os, output stationary: rows = P*Q = 64 pixels, cols = K, streamed T = R*S*C = 32;
    # each fold costs T + rows + cols - 2 = 32 + 32 + 32 - 2 = 94 cycles (unlimited DRAM: no stalls).
    #   k16: 2 x 1 folds -> 188 cycles, 64*16*32 = 32,768 MACs (16 of 32 columns idle)
    #   k32: 2 x 1 folds -> 188 cycles, 65,536 MACs
    #   k64: 2 x 2 folds -> 376 cycles, 131,072 MACs
    rows = {row["network"]: row for row in comparison_rows(trio)}
    assert [rows[n]["cycles"] for n in ("k16", "k32", "k64")] == [188, 188, 376]
    assert [rows[n]["macs"] for n in ("k16", "k32", "k64")] == [32_768, 65_536, 131_072]
    assert rows["k16"]["cycles_ratio"] == rows["k16"]["macs_ratio"] == 1.0
    # Twice the channels in the same time: twice the utilization.
    assert (rows["k32"]["macs_ratio"], rows["k32"]["cycles_ratio"], rows["k32"]["utilization_ratio"]) == (2.0, 1.0, 2.0)
    assert (rows["k64"]["macs_ratio"], rows["k64"]["cycles_ratio"], rows["k64"]["weights_ratio"]) == (4.0, 2.0, 4.0)
    assert rows["k32"]["utilization"] == pytest.approx(65_536 / (188 * 1024))
    for row in rows.values():
        assert row["reference"] == "k16"
        assert row["energy_ratio"] == pytest.approx(row["energy"] / rows["k16"]["energy"], rel=1e-9)


def test_csv_and_json_are_deterministic_and_carry_units(trio):
    text = comparison_csv(trio)
    assert text == comparison_csv(compare([pointwise(16), pointwise(32), pointwise(64)], ["32pe_os"]))
    header = next(csv.reader(io.StringIO(text)))
    assert "energy_macnorm" in header and "time_ms" in header and "cycles_ratio" in header
    data = json.loads(comparison_json(trio))
    assert data["reference"] == "k16" and len(data["rows"]) == 3
    assert data["stages"][0]["stages"][0]["stage"] == "s1"


def test_ratios_are_per_config():
    comparison = compare(["sqnxt23_v1", "sqnxt23_v5"], ["32pe_os", "8x8_os"])
    rows = comparison_rows(comparison)
    assert [(r["hardware"], r["network"]) for r in rows] == [
        ("32pe_os", "sqnxt23_v1"), ("32pe_os", "sqnxt23_v5"), ("8x8_os", "sqnxt23_v1"), ("8x8_os", "sqnxt23_v5")]
    for hw in ("32pe_os", "8x8_os"):
        v1 = comparison.result(hw, "sqnxt23_v1").totals
        v5 = comparison.result(hw, "sqnxt23_v5").totals
        row = next(r for r in rows if r["hardware"] == hw and r["network"] == "sqnxt23_v5")
        assert row["cycles_ratio"] == pytest.approx(v5["cycles"] / v1["cycles"], rel=1e-9)
    # Golden counts: 224,916,480 / 277,999,808 MACs and 915,648 / 705,728 weights.
    assert rows[1]["macs_ratio"] == pytest.approx(224_916_480 / 277_999_808, rel=1e-9)
    assert rows[1]["weights_ratio"] == pytest.approx(915_648 / 705_728, rel=1e-9)
    text = comparison_text(comparison)
    assert "0.809x" in text and "1.297x" in text


def test_reconstructions_are_labelled():
    text = comparison_text(compare(["sqnxt23_v1", "sqnxt23_v3"], ["8x8_os"]))
    assert "sqnxt23_v3 (reconstruction)" in text


@pytest.mark.parametrize("nets, hws, words", [
    (["sqnxt23_v1", "sqnxt23_v1"], ["32pe_os"], "given twice"),
    ([], ["32pe_os"], "at least one network"),
    (["sqnxt23_v1"], [], "at least one hardware"),
    (["sqnxt23_v1"], ["32pe_os", "32pe_os"], "given twice"),
    (["no_such_net"], ["32pe_os"], "unknown network"),
])
def test_bad_input(nets, hws, words):
    with pytest.raises(InputError, match=words):
        compare(nets, hws)


def test_stage_rows_sum_to_totals(trio):
    results = compare(["sqnxt23_v1"], ["squeezelerator"]).result("squeezelerator", "sqnxt23_v1")
    rows = stage_rows(results)
    assert [r["stage"] for r in rows] == ["stem", "stage1", "stage2", "stage3", "stage4", "head"]
    assert sum(r["cycles"] for r in rows) == results.totals["cycles"]
    assert sum(r["macs"] for r in rows) == results.totals["macs"]
    assert sum(r["share_of_cycles"] for r in rows) == pytest.approx(1.0)
    assert sum(r["energy"] for r in rows) == pytest.approx(results.totals["energy"], rel=1e-9)


def test_merged_stage_order_keeps_each_order():
    merged = merged_stage_order([["stem", "a", "b", "head"], ["stem", "b", "c", "head"]])
    assert merged == ["stem", "a", "b", "c", "head"]
    assert merged_stage_order([["a", "b"], ["b", "a"]]) is None


def test_stage_layout_aligns_equal_stages():
    # Slots: stem 1 wide, s1 3 wide (the longer occurrence), s2 1 wide, each followed by a gap.
    layout = stage_layout([["stem", "s1", "s1", "s1", "s2"], ["stem", "s1", "s2"]])
    assert layout[0].tolist() == [0, 2, 3, 4, 6]
    assert layout[1].tolist() == [0, 2, 6]
    # Networks that share no stage are not aligned.
    assert stage_layout([["a", "b"], ["c", "d"]]) is None


def test_networks_that_share_a_name_get_distinct_labels(tmp_path):
    # Two files whose networks are both named "same": keyed by the path, labelled by the file name.
    paths = []
    for k in (16, 32):
        path = tmp_path / f"k{k}.yaml"
        path.write_text(f"name: same\ninput: {{channels: 32, height: 8, width: 8}}\n"
                        f"layers:\n  - {{name: conv, op: conv, out_channels: {k}, kernel: 1}}\n")
        paths.append(str(path))
    comparison = compare(paths, ["32pe_os"])
    assert comparison.keys == tuple(paths)
    assert comparison.labels == ("same (k16.yaml)", "same (k32.yaml)")
    # Same 2 folds of 94 cycles, twice the MACs (see test_ratios_by_hand).
    assert comparison.result("32pe_os", paths[1]).totals["cycles"] == 188
    rows = comparison_rows(comparison)
    assert [(r["network"], r["label"], r["macs_ratio"]) for r in rows] == [
        ("same", "same (k16.yaml)", 1.0), ("same", "same (k32.yaml)", 2.0)]
    text = comparison_text(comparison)
    assert "same (k16.yaml)" in text and "same (k32.yaml)" in text
    with pytest.raises(KeyError):
        comparison.result("32pe_os", "same")  # ambiguous


def test_a_zoo_network_and_its_file_are_two_networks():
    comparison = compare(["sqnxt23_v1", str(data_dir("networks") / "sqnxt23_v1.yaml")], ["8x8_os"])
    assert comparison.labels == ("sqnxt23_v1", "sqnxt23_v1 (sqnxt23_v1.yaml)")
    rows = comparison_rows(comparison)
    assert rows[1]["cycles_ratio"] == 1.0 and rows[1]["network"] == rows[0]["network"] == "sqnxt23_v1"
    assert comparison.result("8x8_os", "sqnxt23_v1") is comparison.results[("8x8_os", "sqnxt23_v1")]


def test_network_objects_with_one_name_are_numbered():
    comparison = compare([pointwise(16, "k"), pointwise(32, "k")], ["32pe_os"])
    assert comparison.keys == ("k", "k (2)") and comparison.labels == ("k", "k (2)")
    assert comparison.result("32pe_os", "k (2)").totals["macs"] == 65_536  # 64 pixels x 32 x 32
    assert [r["label"] for r in comparison_rows(comparison)] == ["k", "k (2)"]
