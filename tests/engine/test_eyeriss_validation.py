"""Row-stationary against the Eyeriss chip and paper: published numbers, with their sources.

Nothing in the model was fitted to these numbers (docs/model.md, "Row-stationary", says
where each choice comes from). Tolerances:

* latency: the chip's "processing latency" assumes DRAM fully overlapped but includes what
  an analytical model leaves out (pass ramp-up, control, clock-gated idle time, JSSC 2017
  Sec. VI.A), so a faithful model lands below it; nn_dataflow's own reproduction accepts
  0.8-1.0x of the measurement (tests/dataflow_test/test_nn_dataflow.py, test_eyeriss_isscc16).
* active PEs: 2%: Eyeriss strip-mines conv1's 55 output rows as 7-wide strips (footprint
  11 x 7 x 2 = 154 PEs), we as balanced 14-wide strips; both cover 11 x 14 PEs, ours averages
  the narrower last strip in.
* energy (ISCA 2016 Fig. 10, 1e9 MAC-normalized units): ALU and RF within 0.1 (nn_dataflow's
  band, its reading of the figure). DRAM: our schedule minimizes DRAM traffic (checked against
  ZigZag's best schedule, docs/validation.md) while the paper's optimizer minimized total
  energy under the RS buffer layout, so ours may be lower: within [0.75x, published + 0.1].
"""

import pytest

from sqnxt_sim import hardware_from_dict, load_network, resolve_hardware, simulate

# JSSC 2017 Table V (also ISSCC 2016 Fig. 14.5.6): AlexNet CONV layers, batch 4, 200 MHz.
TABLE_V_LATENCY_MS = {"conv1": 16.5, "conv2": 39.2, "conv3": 21.8, "conv4": 16.0, "conv5": 10.0}
TABLE_V_ACTIVE_PES = {"conv1": 154, "conv2": 135, "conv3": 156, "conv4": 156, "conv5": 156}
TABLE_V_MMACS = {"conv1": 421.66, "conv2": 895.79, "conv3": 598.1, "conv4": 448.6, "conv5": 299.0}

# ISCA 2016 Fig. 10 (AlexNet, 256 PEs, 512 B RF, 128 kB buffer, batch 16), as digitized in
# nn_dataflow's test_eyeriss_isca16: (ALU, DRAM, RF) in 1e9 MAC-normalized units.
FIG_10 = {"conv1": (1.69, 2.46, 6.75), "conv2": (3.58, 2.27, 14.33), "conv3": (2.39, 2.02, 9.57),
          "conv4": (1.79, 1.57, 7.18), "conv5": (1.20, 1.05, 4.78),
          "fc6": (0.60, 7.78, 2.42), "fc7": (0.27, 3.39, 1.07), "fc8": (0.07, 0.84, 0.26)}

# The Fig. 10 setup: ISCA 2016 Sec. VI.B (256 PEs as 16 x 16, 0.5 kB RF, 128 kB buffer, kB = 1024 B as
# in Eyeriss's 4 kB banks) and
# the Table IV costs (DRAM 200, buffer 6, array 2, RF 1, MAC 1), RF counted per MAC (Eqs. 3-4).
ISCA16 = {"name": "eyeriss_isca16", "pe_array": {"rows": 16, "cols": 16}, "dataflow": "rs", "clock_mhz": 200,
          "word_bits": 16, "memory": {"register_file_bytes": 512, "global_buffer_kib": 128, "activation_share": 0},
          "energy": {"unit": "mac_normalized", "mac": 1, "register_file": 1, "inter_pe": 2, "global_buffer": 6,
                     "dram": 200, "register_file_accesses": "per_mac"}}


@pytest.fixture(scope="module")
def chip_rows():
    results = simulate(load_network("alexnet", batch=4), resolve_hardware("eyeriss"))
    return {row["name"]: row for row in results.rows()}


@pytest.fixture(scope="module")
def isca16_rows():
    results = simulate(load_network("alexnet", batch=16), hardware_from_dict(ISCA16))
    return {row["name"]: row for row in results.rows()}


@pytest.mark.parametrize("layer", sorted(TABLE_V_LATENCY_MS))
def test_processing_latency_of_the_chip(chip_rows, layer):
    row = chip_rows[layer]
    assert row["macs"] / 1e6 == pytest.approx(TABLE_V_MMACS[layer], abs=0.1)  # the same work as the chip
    latency_ms = row["cycles"] / 200e3  # cycles at 200 MHz, DRAM stalls at the chip's 64-bit, 60 MHz link included
    assert 0.8 * TABLE_V_LATENCY_MS[layer] <= latency_ms <= TABLE_V_LATENCY_MS[layer]


@pytest.mark.parametrize("layer", sorted(TABLE_V_ACTIVE_PES))
def test_active_pes_of_the_chip(chip_rows, layer):
    assert chip_rows[layer]["active_pes"] == pytest.approx(TABLE_V_ACTIVE_PES[layer], rel=0.02)


@pytest.mark.parametrize("layer", sorted(FIG_10))
def test_energy_breakdown_of_isca16_fig10(isca16_rows, layer):
    row = isca16_rows[layer]
    alu, dram, rf = FIG_10[layer]
    assert row["energy_mac"] / 1e9 == pytest.approx(alu, abs=0.1)
    assert row["energy_register_file"] / 1e9 == pytest.approx(rf, abs=0.1)
    assert 0.75 * dram <= row["energy_dram"] / 1e9 <= dram + 0.1
