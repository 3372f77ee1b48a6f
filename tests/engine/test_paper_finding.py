"""The SqueezeNext finding on the shipped 32 x 32 output-stationary config."""

import pytest

from sqnxt_sim import load_network, resolve_hardware, simulate


@pytest.fixture(scope="module")
def os_results():
    hw = resolve_hardware("32pe_os")
    return {name: simulate(load_network(name), hw) for name in ("sqnxt23_v1", "sqnxt23_v5")}


def test_eight_channel_layer_fills_a_quarter_of_the_columns(os_results):
    rows = {row["name"]: row for row in os_results["sqnxt23_v1"].rows()}
    # s1b1_reduce2 is 16 -> 8 channels on 55x55: 8 of 32 columns; 3025 pixels need 95 row
    # folds (the last holds 17 of 32 rows): spatial = 8/32 x 3025/(95 x 32) = 0.2488.
    spatial = rows["s1b1_reduce2"]["spatial_utilization"]
    assert spatial == pytest.approx(0.25 * 3025 / (95 * 32))
    assert 0.24 < spatial < 0.25


def test_v5_faster_and_better_utilized_than_v1(os_results):
    v1, v5 = os_results["sqnxt23_v1"].totals, os_results["sqnxt23_v5"].totals
    assert v5["cycles"] < v1["cycles"]
    assert v5["utilization"] > v1["utilization"]
