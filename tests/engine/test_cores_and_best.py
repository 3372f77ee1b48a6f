"""Multi-core splits and per-layer dataflow choice, derived by hand on 4 x 4 arrays."""

import pytest

from sqnxt_sim import resolve_hardware, simulate

from tests.helpers import one_layer_network, tiny_hardware

POINTWISE = {"op": "conv", "out_channels": 6, "kernel": 1}  # 3x3x3 -> 6: M=9, D=3, F=6, 162 MACs


def run(layer, channels, size, dataflow="os", **hw):
    return simulate(one_layer_network(layer, channels, size), tiny_hardware(4, 4, dataflow, **hw))


def test_two_cores_split_output_channels():
    # By channels: 3 filters each; os Sr=9 -> 3 row folds, Sc=3 -> 1: 3 x (3 + 6) = 27 cycles.
    # By pixels: 5 and 4 pixels; the 5-pixel core: 2 x 2 folds x 9 = 36. Channels win.
    result = run(POINTWISE, 3, 3, cores=2)
    row = result.rows()[0]
    assert (row["cycles"], row["core_split"]) == (27, "channels")
    assert row["utilization"] == pytest.approx(162 / (27 * 32))
    # Per core 81 MACs / (27 cycles x 16 PEs)
    assert result.totals["per_core_utilization"] == pytest.approx([81 / 432, 81 / 432])
    # Chip PE-cycles 27 x 32 = 864. fill: 2 cores x 3 folds x 6 x 16 = 576; streaming
    # 2 x 3 x 3 x 16 = 288, of which 3 of 4 columns reachable: small dims 72, fold remainder
    # 288 x 0.75 - 162 = 54.
    assert row["loss_fill_drain"] == pytest.approx(576 / 864)
    assert row["loss_small_dims"] == pytest.approx(72 / 864)
    assert row["loss_fold_remainder"] == pytest.approx(54 / 864)


def test_three_cores_split_output_pixels():
    # Channels: 2 filters each -> 3 row folds x 9 = 27. Pixels: 3 each -> 1 x 2 folds x 9 = 18.
    row = run(POINTWISE, 3, 3, cores=3).rows()[0]
    assert (row["cycles"], row["core_split"]) == (18, "pixels")


def test_depthwise_groups_are_shared_out_whole():
    # 8 depthwise groups at 60 cycles each (see test_timing); 2 cores take 4 groups: 240.
    row = run({"op": "conv", "out_channels": 8, "kernel": 3, "padding": 1, "groups": 8}, 8, 4, cores=2).rows()[0]
    assert row["cycles"] == 240


def test_uneven_split_shows_idle_cores():
    # 5 depthwise groups (60 cycles each) on 3 cores. Channels: 2, 2 and 1 groups -> 120.
    # Pixels: 16 -> 6, 5, 5 pixels: 2 row folds x 15 x 5 groups = 150. Channels win, and the
    # third core idles 60 of the 120 cycles.
    row = run({"op": "conv", "out_channels": 5, "kernel": 3, "padding": 1, "groups": 5}, 5, 4, cores=3).rows()[0]
    assert (row["cycles"], row["core_split"]) == (120, "channels")
    assert row["loss_core_imbalance"] == pytest.approx(60 / (3 * 120))


def test_best_picks_the_fewest_cycles_per_layer():
    # os 54, ws 38, is 48 cycles (test_timing): among the presets best takes ws.
    row = run(POINTWISE, 3, 3, dataflow="best", best_of=["os", "ws", "is"]).rows()[0]
    assert (row["dataflow"], row["cycles"]) == ("ws", 38)
    # rs (docs/model.md): E = Q = 3, R = S = 1: 1 x 3 sets, copies = 4 x 1; p <= 6, q <= 3 fit the
    # default scratchpads; 4 filter copies -> fg = 4, p = ceil(6/4) = 2; one channel group, q = 3;
    # one round of 2 x 3 x 1 x 3 = 18 cycles, no fill (R = 1). Narrower strips tie (2 x 9, 3 x 6).
    row = run(POINTWISE, 3, 3, dataflow="best").rows()[0]
    assert (row["dataflow"], row["cycles"]) == ("rs", 18)


def test_shipped_multicore_and_squeezelerator_configs():
    multi = resolve_hardware("4core_16x16_os")
    assert (multi.cores, multi.pes) == (4, 1024)
    squeeze = resolve_hardware("squeezelerator")
    assert squeeze.dataflow == "best" and squeeze.memory.dram_bandwidth_bytes_per_cycle == 64
