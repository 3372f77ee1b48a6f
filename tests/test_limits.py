"""Large inputs simulate without error: a 10,000-layer network and a 256 x 256 array.

Only correctness is asserted (layer counts, MACs and cycles derived by hand); how long they
take is measured by hand, not asserted, so a slow machine does not fail the suite.
"""

from __future__ import annotations

import json
import warnings

import pytest
import yaml

from sqnxt_sim import InputError, hardware_from_dict, load_network, network_from_dict, simulate
from sqnxt_sim.report.export import layers_csv, results_json

LAYERS = 10_000
CHANNELS, SIZE = 8, 4


def chain(layers: int = LAYERS) -> dict:
    """``layers`` 1x1 convolutions, 8 -> 8 channels, on a 4 x 4 input."""
    return {
        "name": "chain10k",
        "input": {"channels": CHANNELS, "height": SIZE, "width": SIZE},
        "layers": [{"name": f"c{i}", "op": "conv", "out_channels": CHANNELS, "kernel": 1} for i in range(layers)],
    }


@pytest.fixture(scope="module")
def big_array():
    return hardware_from_dict({"name": "256x256_os", "pe_array": {"rows": 256, "cols": 256}, "dataflow": "os"})


@pytest.fixture(scope="module")
def chain_network():
    return network_from_dict(chain(), "chain10k")


def test_ten_thousand_layers_build(chain_network):
    assert len(chain_network.order) == LAYERS
    assert chain_network.order[0] == "c0" and chain_network.order[-1] == f"c{LAYERS - 1}"
    # Each layer: P*Q*K*C*R*S = 4*4 * 8 * 8 * 1*1 = 1,024 MACs and 8*8 = 64 weights.
    assert chain_network.macs == LAYERS * 1_024 == 10_240_000
    assert chain_network.weights == LAYERS * 64


def test_ten_thousand_layers_on_a_256x256_array(chain_network, big_array):
    results = simulate(chain_network, big_array)
    assert results.layer_count == LAYERS and results.totals["layers"] == LAYERS
    assert results.totals["macs"] == 10_240_000
    # os: rows take P*Q = 16 pixels, columns K = 8 filters, R*S*C = 8 stream in time; one fold
    # of T + rows + cols - 2 = 8 + 256 + 256 - 2 = 518 cycles per layer, no memory stalls.
    assert set(results.layers["cycles"]) == {518}
    assert results.totals["cycles"] == LAYERS * 518
    # utilization = 1,024 MACs / (518 cycles x 65,536 PEs) per layer.
    assert results.totals["utilization"] == pytest.approx(1_024 / (518 * 65_536))
    assert len(layers_csv(results).splitlines()) == LAYERS + 1
    assert len(json.loads(results_json(results))["layers"]) == LAYERS


def test_ten_thousand_layers_from_a_yaml_file(tmp_path):
    path = tmp_path / "chain10k.yaml"
    path.write_text(yaml.dump(chain(), Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper)))
    network = load_network(path)
    assert len(network.order) == LAYERS and network.macs == 10_240_000


def test_squeezenext_on_a_256x256_array_with_every_dataflow():
    network = load_network("sqnxt23_v1")
    for dataflow in ("os", "ws", "is", "best"):
        hardware = hardware_from_dict({"pe_array": {"rows": 256, "cols": 256}, "dataflow": dataflow,
                                       "memory": {"dram_bandwidth_bytes_per_cycle": 16}})
        results = simulate(network, hardware)
        # The published 1.0-SqNxt-23 counts (see tests/test_cli.py): 135 layers, 277,999,808 MACs.
        assert results.layer_count == 135
        assert results.totals["macs"] == 277_999_808
        assert 0 < results.totals["utilization"] <= 1


def test_extreme_but_valid_inputs_give_sane_numbers_or_an_input_error():
    """Both files pass validation; the result must add up (utilization + losses = 1) or the
    simulation must refuse with an InputError, never wrap around silently.

    FC with 5e10 inputs (within the 1e11-element limit) and 5e10 weights: at least
    (5e10 + 5e10) words x 8 bytes = 8e11 bytes from DRAM at 0.001 bytes/cycle = 8e14 cycles,
    times 4,194,304 PEs (the chip limit) = 3.4e21 PE-cycles, past int64 whatever the tiling.
    """
    network = network_from_dict({"name": "wide_fc", "input": {"channels": 1, "height": 50_000, "width": 1_000_000},
                                 "layers": [{"name": "fc", "op": "fc", "out_features": 1}]})
    hardware = hardware_from_dict({"pe_array": {"rows": 64, "cols": 1}, "cores": 65_536, "word_bits": 64,
                                   "memory": {"dram_bandwidth_bytes_per_cycle": 0.001}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "invalid value encountered in cast" included
        try:
            results = simulate(network, hardware)
        except InputError:
            return
    row = results.rows()[0]
    assert row["cycles"] >= row["compute_cycles"] > 0
    shares = row["utilization"] + sum(value for key, value in row.items() if key.startswith("loss_"))
    assert shares == pytest.approx(1)
