"""`run --sort/--top`, the share and dominant-loss columns, and `hws` (issue 14, item 3)."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from sqnxt_sim import load_network, resolve_hardware, simulate
from sqnxt_sim.cli import main
from sqnxt_sim.hardware.load import shipped_configs
from sqnxt_sim.report.table import dominant_loss


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_sort_and_top_pick_the_slowest_layers():
    rows = simulate(load_network("sqnxt23_v1"), resolve_hardware("32pe_os")).rows()
    slowest = sorted(rows, key=lambda r: -r["cycles"])[:5]
    out = list(csv.DictReader(io.StringIO(invoke("run", "--sort", "cycles", "--top", "5", "--format", "csv"))))
    assert [r["name"] for r in out] == [r["name"] for r in slowest] and len(out) == 5
    cycles = [int(r["cycles"]) for r in out]
    assert cycles == sorted(cycles, reverse=True) and cycles[0] == max(r["cycles"] for r in rows)
    worst = list(csv.DictReader(io.StringIO(invoke("run", "--sort", "utilization", "--top", "3", "--format", "csv"))))
    assert [float(r["utilization"]) for r in worst] == sorted(r["utilization"] for r in rows)[:3]


def test_table_shows_share_and_dominant_loss():
    text = invoke("run", "--sort", "energy", "--top", "2")
    assert "(2 of 135 layers, sorted by energy (largest first))" in text
    assert "share" in text.splitlines()[0] and "lost most to" in text.splitlines()[0]
    assert "weighted by MACs" in text and "weighted by cycles" in text
    # conv1 on 32pe_os: 161,350 of 666,584 cycles = 24.2% (engine numbers, rounded as printed)
    assert " 24.2% " in invoke("run", "--top", "1")


def test_dominant_loss_is_the_largest_loss():
    row = {"loss_small_dims": 0.1, "loss_fold_remainder": 0.0, "loss_fill_drain": 0.5, "loss_array_bus": 0.0,
           "loss_core_imbalance": 0.0, "loss_memory_stall": 0.2, "loss_non_mac": 0.0}
    assert dominant_loss(row) == ("fill/drain", 0.5)
    assert dominant_loss({key: 0.0 for key in row}) is None


def test_hws_lists_every_shipped_config():
    rows = list(csv.DictReader(io.StringIO(invoke("hws", "--format", "csv"))))
    assert [r["name"] for r in rows] == shipped_configs()
    eyeriss = next(r for r in rows if r["name"] == "eyeriss")
    assert (eyeriss["rows"], eyeriss["cols"], eyeriss["dataflow"]) == ("12", "14", "rs")


def test_a_piped_sweep_prints_progress_lines(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("pe_array.rows: [4, 8, 16, 32]\npe_array.cols: [4, 8, 16, 32]\ncores: [1, 2]\n")  # 32 configs
    result = CliRunner().invoke(main, ["sweep", "--net", "sqnxt23_v1", "--grid", str(grid), "--chunk", "4"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("sweeping  ")]
    # 8 chunks of 4: a line at each tenth reached (12.5%, 25%, ... 87.5%), none at the end
    assert len(lines) == 7 and lines[0].startswith("sweeping  4 of 32 configurations (12%)")


def test_every_command_help_has_examples():
    for command in ("run", "nets", "hws", "show", "compare", "reproduce", "sweep", "export", "schema"):
        assert "Examples:" in invoke(command, "--help"), command
