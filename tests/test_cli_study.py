"""nets, show, compare, reproduce and the run figures, as a user types them."""

import csv
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from sqnxt_sim.cli import main

PNG = b"\x89PNG\r\n\x1a\n"


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def one_line_error(result, words):
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def pointwise_file(tmp_path, k):
    """A one-layer network file: 1x1 conv 32 -> k channels on 8x8."""
    path = tmp_path / f"k{k}.yaml"
    path.write_text(f"name: k{k}\ninput: {{channels: 32, height: 8, width: 8}}\n"
                    f"layers:\n  - {{name: conv, op: conv, out_channels: {k}, kernel: 1, stage: s1}}\n")
    return str(path)


def test_nets_lists_the_zoo_with_counts_and_marks():
    result = invoke("nets")
    assert result.exit_code == 0, result.output
    assert "277,999,808" in result.output and "705,728" in result.output  # v1 golden counts
    assert "sqnxt23_v2 (reconstruction)" in result.output
    assert "sqnxt23_v1 (reconstruction)" not in result.output
    rows = list(csv.DictReader(io.StringIO(invoke("nets", "--format", "csv").output)))
    by_name = {row["name"]: row for row in rows}
    assert by_name["sqnxt23_v5"]["macs"] == "224916480" and by_name["sqnxt23_v5"]["weights"] == "915648"
    assert by_name["sqnxt23_v4"]["reconstruction"] == "True"
    assert len(json.loads(invoke("nets", "--format", "json").output)) == len(rows)


def test_show_prints_the_layer_table():
    result = invoke("show", "sqnxt23_v1")
    assert result.exit_code == 0, result.output
    for words in ("s1b1_reduce2", "16x55x55 -> 8x55x55", "stage1", "277,999,808", "705,728"):
        assert words in result.output
    rows = list(csv.DictReader(io.StringIO(invoke("show", "alexnet", "--format", "csv").output)))
    assert [r["name"] for r in rows][-3:] == ["fc6", "fc7", "fc8"]
    assert sum(int(r["macs"]) for r in rows) == 724_406_816
    assert "(reconstruction)" in invoke("show", "sqnxt23_v3").output.splitlines()[0]


def test_show_unknown_network():
    one_line_error(invoke("show", "sqnxt_23v1"), "did you mean sqnxt23_v1")


def test_compare_ratios_for_a_hand_checkable_pair(tmp_path):
    # 32pe_os, os: 64 pixels on rows, K on 32 columns, 32 reduction steps; a fold costs
    # 32 + 32 + 32 - 2 = 94 cycles. k16 and k32 both need 2 folds (188 cycles), k64 4 (376).
    nets = [pointwise_file(tmp_path, k) for k in (16, 32, 64)]
    result = invoke("compare", "--net", nets[0], "--net", nets[1], "--net", nets[2], "--hw", "32pe_os",
                    "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["network"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert [rows[n]["cycles"] for n in ("k16", "k32", "k64")] == ["188", "188", "376"]
    assert [float(rows[n]["cycles_ratio"]) for n in ("k16", "k32", "k64")] == [1.0, 1.0, 2.0]
    assert [float(rows[n]["macs_ratio"]) for n in ("k16", "k32", "k64")] == [1.0, 2.0, 4.0]
    assert [float(rows[n]["utilization_ratio"]) for n in ("k16", "k32", "k64")] == [1.0, 2.0, 2.0]
    assert {r["reference"] for r in rows.values()} == {"k16"}


def test_compare_table_and_files(tmp_path):
    nets = [pointwise_file(tmp_path, k) for k in (16, 32)]
    out = tmp_path / "cmp"
    result = invoke("compare", "--net", nets[0], "--net", nets[1], "--hw", "32pe_os", "--hw", "8x8_ws",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1.000x" in result.output and "2.000x" in result.output and "8x8_ws" in result.output
    for name in ("totals.png", "stages.png", "layers_32pe_os.png", "layers_8x8_ws.png"):
        assert (out / name).read_bytes()[:8] == PNG, name
    first = (out / "comparison.csv").read_bytes()
    assert len(list(csv.DictReader(io.StringIO(first.decode())))) == 4  # 2 networks x 2 configs
    invoke("compare", "--net", nets[0], "--net", nets[1], "--hw", "32pe_os", "--hw", "8x8_ws", "--out", str(out))
    assert (out / "comparison.csv").read_bytes() == first
    assert json.loads((out / "comparison.json").read_text())["reference"] == "k16"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_compare_zoo_networks():
    result = invoke("compare", "--net", "sqnxt23_v1", "--net", "sqnxt23_v5", "--hw", "32pe_os")
    assert result.exit_code == 0, result.output
    # Golden counts: 224,916,480 / 277,999,808 = 0.809 MACs, 915,648 / 705,728 = 1.297 weights.
    assert "0.809x" in result.output and "1.297x" in result.output


@pytest.mark.parametrize("args, words", [
    (["compare", "--net", "sqnxt23_v1", "--net", "no_such_net"], "unknown network 'no_such_net'"),
    (["compare", "--net", "sqnxt23_v1", "--hw", "32pe_oss"], "did you mean 32pe_os"),
    (["compare", "--net", "sqnxt23_v1", "--net", "sqnxt23_v1"], "given twice"),
    (["reproduce", "--hw", "nope_hw"], "unknown hardware config"),
])
def test_bad_input_is_one_line_and_status_2(tmp_path, args, words):
    result = invoke(*args, "--out", str(tmp_path / "out"))
    one_line_error(result, words)
    assert not (tmp_path / "out").exists()  # nothing written


def test_reproduce_writes_the_report(tmp_path):
    out = tmp_path / "study"
    space = tmp_path / "space.yaml"  # section 8 on 4 candidates: v1's and v5's layouts, both stems
    space.write_text("base: sqnxt23_v1\nblocks: [[6, 6, 8, 1], [2, 4, 14, 1]]\nstem_kernel: [5, 7]\n"
                     "first_block: [projection, shared]\n")
    result = invoke("reproduce", "--hw", "32pe_os", "--out", str(out), "--space", str(space), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "paper 2.59x" in result.output and "paper 8.26x" in result.output
    assert len(result.output.strip().splitlines()) <= 10  # a short summary
    report = (out / "report.md").read_text()
    figures = [line[line.index("](") + 2:-1] for line in report.splitlines() if line.startswith("![")]
    assert len(figures) == 8  # with tuning.png and search.png (sections 7 and 8)
    for name in figures:
        assert (out / name).read_bytes()[:8] == PNG, name
    for name in ("totals.csv", "variants.csv", "ratios.csv", "low_channel_layers.csv", "v1_stages.csv",
                 "configs.csv", "findings.json"):
        assert (out / name).stat().st_size > 0, name
    ratios = list(csv.DictReader(io.StringIO((out / "ratios.csv").read_text())))
    sq = next(r for r in ratios if r["baseline"] == "squeezenet1_0")
    assert sq["paper_speedup"] == "2.59" and float(sq["speedup"]) > 1


def test_run_out_writes_per_layer_figures(tmp_path):
    out = tmp_path / "run"
    result = invoke("run", "--net", "alexnet", "--hw", "squeezelerator", "--out", str(out))
    assert result.exit_code == 0, result.output
    for name in ("utilization.png", "cycles_energy.png", "stages.png"):
        assert (out / name).read_bytes()[:8] == PNG, name
    stages = list(csv.DictReader(io.StringIO((out / "stages.csv").read_text())))
    assert [s["stage"] for s in stages] == ["conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8"]
    assert "energy_macnorm" in stages[0]


def test_commands_without_out_do_not_import_matplotlib():
    code = ("import sys\nfrom click.testing import CliRunner\nfrom sqnxt_sim.cli import main\n"
            "for args in (['run'], ['nets'], ['show', 'sqnxt23_v1'], ['compare', '--net', 'sqnxt23_v1', '--net', "
            "'sqnxt23_v5']):\n"
            "    assert CliRunner().invoke(main, args).exit_code == 0, args\n"
            "assert 'matplotlib' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_compare_at_batch_4_labels_the_batch(tmp_path):
    # 32pe_os, os: batch 4 puts 4 x 64 = 256 pixels on the 32 rows: 8 folds of 94 cycles = 752.
    nets = [pointwise_file(tmp_path, k) for k in (16, 32)]
    args = ["compare", "--net", nets[0], "--net", nets[1], "--hw", "32pe_os", "--batch", "4"]
    rows = list(csv.DictReader(io.StringIO(invoke(*args, "--format", "csv").output)))
    assert [(r["batch"], r["cycles"]) for r in rows] == [("4", "752"), ("4", "752")]
    assert "energy_ratio" in rows[0] and "energy_ratio_macnorm" not in rows[0]
    result = invoke(*args, "--out", str(tmp_path / "cmp"))
    assert result.exit_code == 0, result.output
    assert "per batch of 4 inferences" in result.output and " batch " in result.output.splitlines()[0]
    assert (tmp_path / "cmp" / "totals.png").read_bytes()[:8] == PNG


def test_compare_a_file_whose_network_shares_a_zoo_name(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: sqnxt23_v1\ninput: {channels: 32, height: 8, width: 8}\n"
                    "layers:\n  - {name: conv, op: conv, out_channels: 16, kernel: 1}\n")
    result = invoke("compare", "--net", "sqnxt23_v1", "--net", str(path), "--hw", "32pe_os", "--out",
                    str(tmp_path / "cmp"))
    assert result.exit_code == 0, result.output
    assert "sqnxt23_v1 (mine.yaml)" in result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "cmp" / "comparison.csv").read_text())))
    assert [r["label"] for r in rows] == ["sqnxt23_v1", "sqnxt23_v1 (mine.yaml)"]


def test_show_a_batch_labels_the_axes(tmp_path):
    path = tmp_path / "b4.yaml"
    path.write_text("name: b4\ninput: {channels: 3, height: 32, width: 32, batch: 4}\n"
                    "layers:\n  - {name: conv, op: conv, out_channels: 8, kernel: 3, padding: 1}\n")
    result = invoke("show", str(path))
    assert result.exit_code == 0, result.output
    assert "4x3x32x32 (batch x channels x height x width)" in result.output
