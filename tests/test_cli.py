"""The command line as a user types it."""

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqnxt_sim.cli import main

MAIN = ["run", "--net", "sqnxt23_v1", "--hw", "hwconfigs/32pe_os.yaml"]


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_main_command_prints_table_and_totals():
    result = invoke(*MAIN)
    assert result.exit_code == 0, result.output
    assert "s1b1_reduce2" in result.output
    assert "277,999,808 MACs" in result.output and "705,728 weights" in result.output
    assert "ms at 500 MHz" in result.output


def test_json_has_the_documented_keys():
    result = invoke(*MAIN, "--format", "json")
    data = json.loads(result.output)
    assert {"network", "hardware", "layers", "totals"} <= set(data)
    assert {"name", "op", "macs", "cycles", "utilization", "spatial_utilization", "dataflow", "energy"} <= set(data["layers"][0])
    assert {"macs", "weights", "cycles", "utilization", "energy"} <= set(data["totals"])
    assert data["totals"]["macs"] == 277_999_808
    assert sum(layer["cycles"] for layer in data["layers"]) == data["totals"]["cycles"]


def test_csv_one_row_per_layer_with_units_in_headers():
    rows = list(csv.DictReader(io.StringIO(invoke(*MAIN, "--format", "csv").output)))
    assert len(rows) == 135  # 111 convs + fc + 21 adds + stem pool + global avgpool
    assert "energy_macnorm" in rows[0] and "time_us" in rows[0] and "dram_read_bytes" in rows[0]


def test_out_dir_gets_three_files_and_same_bytes_twice(tmp_path):
    first = invoke(*MAIN, "--out", str(tmp_path / "a"))
    second = invoke(*MAIN, "--out", str(tmp_path / "b"))
    assert first.exit_code == 0 and second.exit_code == 0
    for name in ("layers.csv", "summary.json", "utilization.png"):
        assert (tmp_path / "a" / name).stat().st_size > 0
    for name in ("layers.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "utilization.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]  # no temp files left


@pytest.mark.parametrize(
    "args, words",
    [
        (["run", "--net", "sqnxt_23v1"], "did you mean sqnxt23_v1"),
        (["run", "--net", "missing.yaml"], "missing.yaml: file not found"),
        (["run", "--hw", "missing.yaml"], "missing.yaml: file not found"),
        (["run", "--hw", "32pe_oss"], "did you mean 32pe_os"),
    ],
)
def test_bad_names_end_in_one_line_and_status_2(args, words):
    result = invoke(*args)
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text, words",
    [
        ("pe_array: {rows: 0, cols: 32}\n", "pe_array.rows: Input should be greater than 0"),
        ("pe_array: {rows: 32, cols: 32}\nmemroy: {}\n", "memroy: unknown key"),
        ("pe_array: [32, 32\n", "not valid YAML"),
        ("", "file is empty"),
        ("- 1\n- 2\n", "top level must be a mapping"),
        ("pe_array: {rows: 8, cols: 8}\ndataflow: diagonal\n", "dataflow: unknown dataflow"),
        ("pe_array: {rows: 8, cols: 8}\nenergy: {dram: -1}\n", "energy.dram"),
    ],
)
def test_bad_hardware_file(tmp_path, text, words):
    path = tmp_path / "hw.yaml"
    path.write_text(text)
    result = invoke("run", "--hw", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert str(path) in result.output and words in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # validation happens before anything is written


def test_out_that_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("keep me")
    result = invoke(*MAIN, "--out", str(target))
    assert result.exit_code == 2 and "not a directory" in result.output
    assert target.read_text() == "keep me"


def test_batch_option_scales_macs_not_weights():
    # Batch 4: every layer does 4x the MACs (N multiplies M = N*P*Q); weights are shared.
    data = json.loads(invoke(*MAIN, "--batch", "4", "--format", "json").output)
    assert data["totals"]["macs"] == 4 * 277_999_808
    assert data["totals"]["weights"] == 705_728


def test_bad_out_is_reported_before_any_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = invoke("compare", "--net", "sqnxt23_v1", "--net", "sqnxt23_v5", "--out", str(blocker / "sub"))
    assert result.exit_code == 2 and "is not a directory" in result.output


def test_shipped_grids_and_spaces_by_name(tmp_path):
    from sqnxt_sim.cli import _shipped
    from sqnxt_sim.paths import data_dir

    # A bare name is the shipped file (also in a wheel: sqnxt_sim/_data/sweeps, .../searches).
    assert _shipped(Path("arrays"), "sweeps", "--grid") == data_dir("sweeps") / "arrays.yaml"
    assert _shipped(Path("sqnxt23_blocks"), "searches", "--space") == data_dir("searches") / "sqnxt23_blocks.yaml"
    own = tmp_path / "arrays.yaml"  # a path is taken as given
    assert _shipped(own, "sweeps", "--grid") == own
    result = CliRunner().invoke(main, ["search", "--space", "sqnxt23_blockz"])
    assert result.exit_code == 2 and "did you mean sqnxt23_blocks" in result.output
