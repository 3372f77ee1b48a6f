"""Hand-derived access counts, DRAM traffic and energy for small layers on a 4 x 4 array.

Defaults: 16-bit words, a 128 KiB global buffer (65,536 words: half for resident
activations, half (32,768 words) to stage streamed data), Eyeriss energies per word:
MAC 1, RF 1, inter-PE 2, GB 6, DRAM 200. A single-layer network reads its input from DRAM
and writes its output to DRAM. DRAM fills are also written into the GB, and write-backs
read out of it.
"""

import pytest

from sqnxt_sim import network_from_dict, simulate

from tests.helpers import one_layer_network, tiny_hardware

POINTWISE = {"op": "conv", "out_channels": 6, "kernel": 1}  # 3x3x3 -> 6x3x3: M=9, D=3, F=6, 162 MACs


def only_row(layer, channels, size, dataflow, **hw):
    return simulate(one_layer_network(layer, channels, size), tiny_hardware(4, 4, dataflow, **hw)).rows()[0]


def test_os_counts_and_energy():
    row = only_row(POINTWISE, 3, 3, "os")
    # os: Fr = ceil(9/4) = 3, Fc = ceil(6/4) = 2.
    # GB reads: ifmap M*D*Fc = 54, filter F*D*Fr = 54, + the output read for write-back 54.
    assert (row["gb_read_ifmap_words"], row["gb_read_filter_words"], row["gb_read_psum_words"]) == (54, 54, 54)
    # GB writes: outputs M*F = 54; DRAM fills: input 27, weights 18.
    assert (row["gb_write_psum_words"], row["gb_write_ifmap_words"], row["gb_write_filter_words"]) == (54, 27, 18)
    # DRAM: input 3*3*3 = 27 words, weights 18, output 54 -> bytes x2.
    assert (row["dram_read_ifmap_bytes"], row["dram_read_filter_bytes"], row["dram_write_psum_bytes"]) == (54, 36, 108)
    # inter-PE: ifmap M*D*(F-Fc) = 108, filter F*D*(M-Fr) = 108 -> 216 x 2 = 432
    assert row["energy_inter_pe"] == 432
    # RF: ifmap 162 + filter 162 + psum read/write 324 = 648
    assert row["energy_register_file"] == 648
    assert row["energy_mac"] == 162
    assert row["energy_global_buffer"] == (162 + 99) * 6  # 1,566
    assert row["energy_dram"] == (27 + 18 + 54) * 200  # 19,800
    assert row["energy"] == 162 + 648 + 432 + 1566 + 19800  # 22,608


def test_ws_counts_and_energy():
    row = only_row(POINTWISE, 3, 3, "ws")
    # ws: Fr = ceil(3/4) = 1, Fc = 2. GB reads ifmap M*D*Fc = 54, filter F*D = 18 (loaded
    # once), psum M*F*(Fr-1) = 0 (+54 write-back); GB writes psum M*F*Fr = 54 (+27+18 fills).
    assert (row["gb_read_ifmap_words"], row["gb_read_filter_words"], row["gb_read_psum_words"]) == (54, 18, 54)
    # inter-PE: ifmap M*D*(F-Fc) = 108, psum M*F*(D-Fr) = 108; RF: filter 162 + 18 load, ifmap 162
    assert row["energy_inter_pe_ifmap"] == 216 and row["energy_inter_pe_psum"] == 216
    assert row["energy_register_file"] == 342
    assert row["energy"] == 162 + 342 + 432 + (126 + 99) * 6 + 19800  # 22,086


def test_is_grouped_counts_and_energy():
    # 1x1 conv 4 -> 4 channels, groups 2, on 2x2: per group M=4, D=2, F=2; 32 MACs.
    row = only_row({"op": "conv", "out_channels": 4, "kernel": 1, "groups": 2}, 4, 2, "is")
    # is: Sr = D = 2 -> 1 fold, Sc = M = 4 -> 1 fold, T = F = 2; 2 groups x (2 + 2*4 + 4 - 2) = 24
    assert (row["macs"], row["cycles"]) == (32, 24)
    # GB reads: ifmap g*M*D = 16 (once, stationary), filter g*F*D*Fc = 8, + write-back 16
    assert (row["gb_read_ifmap_words"], row["gb_read_filter_words"], row["gb_read_psum_words"]) == (16, 8, 16)
    # inter-PE: filter g*F*D*(M-Fc) = 24, psum g*M*F*(D-Fr) = 16 -> 40 x 2 = 80
    assert row["energy_inter_pe"] == 80
    # RF: ifmap 32 + 16 stationary load, filter 32 -> 80
    assert row["energy_register_file"] == 80
    # DRAM: input 16 + weights 4*2 = 8 + output 16 = 40 words
    assert row["energy_dram"] == 40 * 200
    # GB: reads 40, writes psum 16 + fills 24 = 40 -> 80 x 6 = 480
    assert row["energy"] == 32 + 80 + 80 + 480 + 8000  # 8,672


def test_layer_that_does_not_fit_is_tiled_and_refetches_its_input():
    # 1 KiB buffer = 512 words: 256 resident, 256 staging, tiles of 128. 1x1 conv 16 -> 32 on
    # 16x16: input 4,096 words, weights 512. Weights outer: ceil(512/128) = 4 chunks, input
    # read 4 times: 512 + 4*4096 = 16,896 words. Input outer: ceil(4096/128) = 32 chunks,
    # weights 32 times: 32*512 + 4096 = 20,480. Weights outer wins.
    row = only_row({"op": "conv", "out_channels": 32, "kernel": 1}, 16, 16, "os", memory={"global_buffer_kib": 1})
    assert (row["dram_input_passes"], row["dram_weight_passes"]) == (4, 1)
    assert row["dram_read_ifmap_bytes"] == 4 * 4096 * 2
    assert row["dram_read_filter_bytes"] == 512 * 2
    assert row["dram_write_bytes"] == 32 * 256 * 2  # output written once (reduction 16 <= 128: no psum spill)


def chain(*convs, channels=8, size=4):
    layers = [{"name": name, "op": "conv", "out_channels": 8, "kernel": 1, **({"inputs": inputs} if inputs else {})}
              for name, inputs in convs]
    return {"name": "chain", "input": {"channels": channels, "height": size, "width": size}, "layers": layers}


def test_activation_stays_on_chip_when_the_live_set_fits():
    # 8x4x4 tensors are 128 words; a 1 KiB buffer keeps up to 256 words resident.
    # While conv2 runs, conv1's output and conv2's output are live: 256 <= 256 -> conv1 stays.
    net = network_from_dict(chain(("conv1", None), ("conv2", None)))
    rows = simulate(net, tiny_hardware(4, 4, "os", memory={"global_buffer_kib": 1})).rows()
    assert rows[0]["output_on_chip"] and rows[1]["input_on_chip"]
    assert rows[0]["dram_write_bytes"] == 0
    assert rows[1]["dram_read_ifmap_bytes"] == 0
    assert rows[0]["dram_read_ifmap_bytes"] == 128 * 2  # the network input comes from DRAM
    assert rows[1]["dram_write_bytes"] == 128 * 2  # the network output goes to DRAM


def test_residual_shortcut_stays_live_across_its_block():
    data = chain(("a", None), ("b", None), ("c", None))
    data["layers"].append({"name": "sum", "op": "add", "inputs": ["c", "a"]})
    net = network_from_dict(data)
    # While c runs, a (the shortcut), b and c are live: 3 x 128 = 384 words.
    small = simulate(net, tiny_hardware(4, 4, "os", memory={"global_buffer_kib": 1})).rows()  # 256 resident
    assert not any(row["output_on_chip"] for row in small)
    assert small[3]["dram_read_ifmap_bytes"] == 2 * 128 * 2  # add reads c and a back from DRAM
    big = simulate(net, tiny_hardware(4, 4, "os", memory={"global_buffer_kib": 2})).rows()  # 512 resident
    assert [row["output_on_chip"] for row in big] == [True, True, True, False]  # the sum is the network output
    assert big[3]["dram_read_bytes"] == 0


def test_bandwidth_stalls_and_unlimited_bandwidth_is_compute_only():
    # POINTWISE on os: 54 compute cycles, 6 folds; DRAM 27 + 18 words read, 54 written = 198 bytes.
    unlimited = only_row(POINTWISE, 3, 3, "os")
    assert unlimited["cycles"] == unlimited["compute_cycles"] == 54 and unlimited["bound"] == "compute"
    # 1 byte/cycle: transfer 198 cycles > 54; plus one step's share exposed: 198 / 6 = 33 -> 231
    slow = only_row(POINTWISE, 3, 3, "os", memory={"dram_bandwidth_bytes_per_cycle": 1})
    assert slow["cycles"] == 231 and slow["stall_cycles"] == 177 and slow["bound"] == "memory"
    assert slow["loss_memory_stall"] == pytest.approx(177 / 231)
    # 8 bytes/cycle: transfer 24.75 < 54, so compute-bound, but the first load and last
    # write-back still show: 54 + 198 / 6 / 8 = 58.125 -> 59 cycles
    fast = only_row(POINTWISE, 3, 3, "os", memory={"dram_bandwidth_bytes_per_cycle": 8})
    assert fast["cycles"] == 59 and fast["bound"] == "compute"


def test_picojoule_table_is_reported_in_pj():
    row = only_row(POINTWISE, 3, 3, "os", energy={"unit": "pJ", "mac": 0.5, "register_file": 0.5, "inter_pe": 1,
                                                    "global_buffer": 3, "dram": 100})
    assert row["energy"] == 22608 / 2  # every cost halved
