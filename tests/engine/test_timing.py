"""Hand-derived cycle counts for single layers on a 4 x 4 array.

Formulas (docs/model.md): the GEMM of one group is M = N*P*Q pixels, D = R*S*C reduction,
F = K/G filters. os lays M on rows, F on cols, streams D; ws lays D on rows, F on cols,
streams M; is lays D on rows, M on cols, streams F. Folds = ceil(Sr/rows) * ceil(Sc/cols);
each fold costs T + rows + cols - 2 (os) or T + 2*rows + cols - 2 (ws, is).
On 4 x 4: os fill 6, ws/is fill 10.
"""

import pytest

from sqnxt_sim import simulate

from tests.helpers import one_layer_network, tiny_hardware


def run_one(layer, channels, size, dataflow, rows=4, cols=4, **hw):
    results = simulate(one_layer_network(layer, channels, size), tiny_hardware(rows, cols, dataflow, **hw))
    return results.rows()[0]


POINTWISE = {"op": "conv", "out_channels": 6, "kernel": 1}  # on 3 x 3 x 3: M=9, D=3, F=6, 162 MACs


@pytest.mark.parametrize(
    "dataflow, cycles, folds",
    [
        # os: Sr=9 -> 3 row folds (4, 4, 1: a partial last fold), Sc=6 -> 2 col folds; 6 x (3 + 6) = 54
        ("os", 54, 6),
        # ws: Sr=3 -> 1, Sc=6 -> 2 folds; 2 x (9 + 10) = 38
        ("ws", 38, 2),
        # is: Sr=3 -> 1, Sc=9 -> 3 folds; 3 x (6 + 10) = 48
        ("is", 48, 3),
    ],
)
def test_pointwise_conv_with_partial_last_fold(dataflow, cycles, folds):
    row = run_one(POINTWISE, channels=3, size=3, dataflow=dataflow)
    assert row["macs"] == 162
    assert row["cycles"] == cycles
    assert row["folds"] == folds
    assert row["utilization"] == pytest.approx(162 / (cycles * 16))


def test_os_spatial_utilization_counts_the_partial_fold():
    # Folds cover 3 x 4 rows x 2 x 4 cols = 96 PE slots per stream step; 9 x 6 = 54 used.
    row = run_one(POINTWISE, channels=3, size=3, dataflow="os")
    assert row["spatial_utilization"] == pytest.approx(54 / 96)
    # temporal = streaming / all cycles = 3 / 9; utilization = spatial x temporal
    assert row["temporal_utilization"] == pytest.approx(3 / 9)


def test_strided_conv_os():
    # 3x3 stride 2 pad 1 on 5x5x2 -> 4 channels: P = (5 + 2 - 3) // 2 + 1 = 3, so M = 9,
    # D = 3*3*2 = 18, F = 4. os: 3 row folds x 1 col fold x (18 + 6) = 72 cycles.
    row = run_one({"op": "conv", "out_channels": 4, "kernel": 3, "stride": 2, "padding": 1}, channels=2, size=5, dataflow="os")
    assert row["macs"] == 9 * 18 * 4
    assert row["cycles"] == 72


@pytest.mark.parametrize(
    "dataflow, cycles",
    [
        # FC 10 -> 5 is M=1, D=10, F=5. os: 1 x 2 folds x (10 + 6) = 32.
        ("os", 32),
        # ws: Sr=10 -> 3, Sc=5 -> 2: 6 folds x (1 + 10) = 66.
        ("ws", 66),
        # is: Sr=10 -> 3, Sc=1 -> 1: 3 folds x (5 + 10) = 45.
        ("is", 45),
    ],
)
def test_fc_layer(dataflow, cycles):
    row = run_one({"op": "fc", "out_features": 5}, channels=10, size=1, dataflow=dataflow)
    assert row["macs"] == 50
    assert row["cycles"] == cycles


def test_depthwise_groups_run_one_after_another():
    # Depthwise 3x3 pad 1 on 4x4x8: 8 groups of M=16, D=9, F=1. os per group: Sr=16 -> 4 row
    # folds, Sc=1 -> 1 col fold; 4 x (9 + 6) = 60 cycles; 8 groups -> 480.
    row = run_one({"op": "conv", "out_channels": 8, "kernel": 3, "padding": 1, "groups": 8}, channels=8, size=4, dataflow="os")
    assert row["macs"] == 8 * 16 * 9
    assert row["cycles"] == 480
    # One of 4 columns is used: spatial 0.25; utilization 1152 / (480 x 16) = 0.15.
    assert row["spatial_utilization"] == pytest.approx(0.25)
    assert row["utilization"] == pytest.approx(0.15)
    assert row["loss_small_dims"] == pytest.approx(0.15 * 3)  # 3 idle columns for every used one


def test_non_mac_layers_take_time_not_macs():
    # maxpool 2x2/2 on 4x4x8: 8*2*2 = 32 outputs x 4 compares = 128 ops on 16 PEs -> 8 cycles.
    row = run_one({"op": "maxpool", "kernel": 2}, channels=8, size=4, dataflow="os")
    assert (row["macs"], row["cycles"], row["utilization"]) == (0, 8, 0.0)
    assert row["loss_non_mac"] == 1.0


def test_loss_shares_and_utilization_sum_to_one():
    row = run_one(POINTWISE, channels=3, size=3, dataflow="os")
    losses = [value for key, value in row.items() if key.startswith("loss_")]
    assert sum(losses) + row["utilization"] == pytest.approx(1.0)
    # fill/drain: 6 of every 9 cycles; fold remainder: of the streaming 1/3, the share not used
    # although the dimensions could fill the array: 1/3 x (1 - 54/96) (M=9, F=6 exceed 4).
    assert row["loss_fill_drain"] == pytest.approx(6 / 9)
    assert row["loss_fold_remainder"] == pytest.approx(1 / 3 * (1 - 54 / 96))
    assert row["loss_small_dims"] == 0
