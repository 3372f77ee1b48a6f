"""Budget-constrained sweeps, the three-objective front and `tune`."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from sqnxt_sim import load_hardware, load_network, resolve_hardware, simulate
from sqnxt_sim.cli import main
from sqnxt_sim.engine.simulate import prepare
from sqnxt_sim.hardware.area import area_of
from sqnxt_sim.studies.tune import tune
from sqnxt_sim.sweep import Limits, configurations, execute, grid_from_dict, pareto_front_3d

GRID = {"pe_array.rows": [4, 8, 16], "pe_array.cols": [8, 16], "cores": [1, 2], "memory.global_buffer_kib": [32, 256]}


@pytest.fixture(scope="module")
def v5():
    return prepare(load_network("sqnxt23_v5"))


def test_every_row_of_a_constrained_sweep_meets_its_limits(v5):
    base = resolve_hardware("32pe_os")
    grid = grid_from_dict(GRID)
    configs = configurations(base, grid, 0, grid.size)
    areas = [area_of(c).columns()["area_mm2"] for c in configs]  # as shown: ten significant digits
    limit = sorted(areas)[len(areas) // 2]  # the median: about half the grid is over it
    limits = Limits(max_area_mm2=limit, max_pes=256, max_buffer_kib=128)
    chunks = list(execute([v5], base, grid, chunk=5, limits=limits))
    rows = [row for chunk in chunks for row in chunk.totals]
    allowed = [i for i, c in enumerate(configs)
               if areas[i] <= limit and c.pes <= 256 and c.memory.global_buffer_kib <= 128]
    assert [row["config"] for row in rows] == allowed  # exactly the configurations within, in grid order
    assert sum(chunk.cut for chunk in chunks) == grid.size - len(allowed)
    for row in rows:
        config = configs[row["config"]]
        assert row["area_mm2"] == pytest.approx(areas[row["config"]])
        assert row["area_mm2"] <= limit and config.pes <= 256 and config.memory.global_buffer_kib <= 128
        assert row["cycles"] == simulate(v5, config).totals["cycles"]  # limits never change a result


def test_the_3d_front_by_hand():
    # (time, energy, area): 0 is fastest; 1 beats 0 in energy; 2 is beaten by 1 in all three;
    # 3 ties 1 in time and energy but is smaller, so it beats 1; 4 is the smallest chip.
    points = np.array([(1, 9, 5), (2, 3, 4), (3, 4, 4), (2, 3, 3), (9, 9, 1)], dtype=float)
    assert pareto_front_3d(*points.T).tolist() == [0, 3, 4]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4)), min_size=1, max_size=60))
def test_the_3d_front_holds_no_dominated_point_and_misses_none(points):
    # Identical points are one design for the front: it keeps the first (as the 2-D front does).
    p = np.array(points, dtype=float)
    front = set(pareto_front_3d(p[:, 0], p[:, 1], p[:, 2]).tolist())
    for i in range(len(p)):
        dominated = any((p[j] <= p[i]).all() and (p[j] < p[i]).any() for j in range(len(p)))
        repeated = any((p[j] == p[i]).all() for j in range(i))
        assert (i in front) == (not dominated and not repeated)


def test_tune_finds_the_grids_best_within_the_budget(v5):
    base = resolve_hardware("32pe_os")
    grid = grid_from_dict(GRID)
    budget = 1.5
    result = tune([v5], base, Limits(max_area_mm2=budget), grid, keep=3)
    configs = configurations(base, grid, 0, grid.size)
    within = [(simulate(v5, c).totals["time_ms"], i) for i, c in enumerate(configs)
              if area_of(c).columns()["area_mm2"] <= budget]
    assert result.evaluated == len(within)
    tuned = result.tuned["sqnxt23_v5"]
    assert [row["config"] for row in tuned.best] == [i for _, i in sorted(within)[:3]]
    assert tuned.fixed["time_ms"] == simulate(v5, base).totals["time_ms"]
    assert tuned.gain == pytest.approx(tuned.fixed["time_ms"] / tuned.best[0]["time_ms"])


def test_tune_cli_writes_the_best_design_as_a_hardware_file(tmp_path):
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(yaml.safe_dump(GRID))
    out = tmp_path / "tuned"
    result = CliRunner().invoke(main, ["tune", "--net", "sqnxt23_v5", "--grid", str(grid_file), "--budget", "1.5",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "within area <= 1.5 mm^2" in result.output
    rows = list(csv.DictReader((out / "tune.csv").open()))
    assert rows[0]["rank"] == "1" and float(rows[0]["area_mm2"]) <= 1.5
    design = load_hardware(out / "tuned_sqnxt23_v5.yaml")
    assert simulate(load_network("sqnxt23_v5"), design).totals["time_ms"] == pytest.approx(float(rows[0]["time_ms"]))


def test_a_budget_nothing_meets_is_one_clear_line(tmp_path):
    result = CliRunner().invoke(main, ["tune", "--net", "sqnxt23_v5", "--budget", "0.001"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "no configuration" in result.output


def test_sweep_limits_and_3d_outputs(tmp_path):
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text(yaml.safe_dump(GRID))
    out = tmp_path / "sweep"
    result = CliRunner().invoke(main, ["sweep", "--net", "sqnxt23_v5", "--grid", str(grid_file), "--max-pes", "64",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    # 4 x 8, 4 x 16 (one core), 8 x 8 (one core) and 4 x 8 (two cores) have at most 64 PEs: 4 of 12
    # shapes, each with 2 buffers; 24 - 8 = 16 over the limit.
    assert "16 configurations over them were not evaluated" in result.output
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    assert len(rows) == 8
    front = list(csv.DictReader((out / "pareto3.csv").open()))
    assert front and (out / "pareto3.png").read_bytes().startswith(b"\x89PNG")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 3)), min_size=1, max_size=80),
       st.integers(1, 20))
def test_the_sweeps_running_3d_front_equals_the_front_of_all_rows(points, chunk):
    from sqnxt_sim.report.sweep_output import ParetoTracker

    p = np.array(points, dtype=float)
    rows = [{"network": "n", "config": i, "time_ms": t, "energy": e, "area_mm2": a} for i, (t, e, a) in enumerate(points)]
    tracker = ParetoTracker()
    for start in range(0, len(rows), chunk):  # chunk by chunk, as a sweep's rows arrive
        tracker.add(rows[start:start + chunk])
    assert [r["config"] for r in tracker.fronts_3d["n"]] == pareto_front_3d(p[:, 0], p[:, 1], p[:, 2]).tolist()
