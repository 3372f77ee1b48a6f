"""Figure geometry and colours (no pixel comparisons)."""

import pytest

from sqnxt_sim import simulate
from sqnxt_sim.report import plots
from sqnxt_sim.report.sweep_output import ParetoTracker, pareto_3d_png, pareto_png

from tests.helpers import one_layer_network, tiny_hardware


@pytest.mark.parametrize("stages", [3, 8, 12])
def test_stage_colours_never_collide_with_losses_or_levels(stages):
    stage = set(plots.stage_colors([f"s{i}" for i in range(stages)]).values())
    assert len(stage) == stages
    fixed = set(plots.LOSS_COLORS.values()) | {plots.USEFUL_COLOR, plots.STALL_COLOR}
    assert not stage & fixed
    assert not stage & set(plots.LEVEL_COLORS.values())
    assert not set(plots.LEVEL_COLORS.values()) & set(plots.LOSS_COLORS.values())


def test_utilization_bars_are_as_wide_as_their_cycles():
    # Cycles 10, 30, 0, 60: edges 0, 10, 40, 40, 100 -> centres 5, 25, 40, 70 and widths equal
    # to the cycles, so the bars tile the axis [0, 100] and a bar's area is its PE-cycles share.
    centres, widths = plots.layer_extents([10, 30, 0, 60])
    assert centres.tolist() == [5, 25, 40, 70]
    assert widths.tolist() == [10, 30, 0, 60]
    results = simulate(one_layer_network({"op": "conv", "out_channels": 8, "kernel": 3, "padding": 1}, 4, 8),
                       tiny_hardware())
    assert plots.utilization_png(results).startswith(b"\x89PNG")


def test_pareto_png_colours_points_by_a_grid_key():
    tracker = ParetoTracker(color_key="pe_array.rows")
    rows = [{"network": "n", "config": i, "time_ms": t, "energy": e, "area_mm2": a, "pe_array.rows": r}
            for i, (t, e, a, r) in enumerate([(1, 5, 4, 8), (2, 3, 3, 16), (3, 4, 1, 32), (4, 1, 2, 64)])]
    tracker.add(rows)
    assert [r["config"] for r in tracker.fronts["n"]] == [0, 1, 3]  # (3, 4) is beaten by (2, 3)
    # ... but not in area: (3, 4) is the smallest chip, so the three-objective front keeps it.
    assert [r["config"] for r in tracker.fronts_3d["n"]] == [0, 1, 2, 3]
    assert pareto_3d_png(tracker, "pJ", "a title").startswith(b"\x89PNG")
    assert [p[2] for p in tracker.sample["n"]] == [8, 16, 32, 64]
    assert pareto_png(tracker, "pJ", "a title " * 30).startswith(b"\x89PNG")
    categorical = ParetoTracker(color_key="dataflow")
    categorical.add([{**row, "dataflow": d} for row, d in zip(rows, ["os", "ws", "os", "best"])])
    assert pareto_png(categorical, "pJ", "t").startswith(b"\x89PNG")
