"""Hand-derived access counts, DRAM traffic and energy for small layers on a 4 x 4 array.

Defaults: 16-bit words, a 128 KiB global buffer (65,536 words: half for resident
activations, half (32,768 words) to stage tiles), energies per word: MAC 1, RF 1, GB 6,
DRAM 200 (Eyeriss) and a systolic neighbour hop 0.1; RF accesses only where a value is written
into a PE. A single-layer network reads its input from DRAM
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
    # Hops (0.1 each): ifmap M*D*(F-Fc) = 108, filter F*D*(M-Fr) = 108, and the outputs drain
    # down the rows: folds of 4, 4 and 1 rows cross 6 + 6 + 0 links per column, x F = 6 -> 72.
    assert row["energy_inter_pe_ifmap"] == pytest.approx(10.8) and row["energy_inter_pe_psum"] == pytest.approx(7.2)
    assert row["energy_inter_pe"] == pytest.approx(28.8)
    # RF on change: the accumulator is written once per MAC; operands pass through pipeline registers.
    assert row["energy_register_file"] == 162
    assert row["energy_mac"] == 162
    assert row["energy_global_buffer"] == (162 + 99) * 6  # 1,566
    assert row["energy_dram"] == (27 + 18 + 54) * 200  # 19,800
    assert row["energy"] == pytest.approx(162 + 162 + 28.8 + 1566 + 19800)  # 21,718.8


def test_legacy_conventions_reproduce_the_old_energy():
    # Eyeriss-style counting: an RF read per operand per MAC (+ 2 for the os accumulator), every
    # hop at the array cost 2, no drain hops: 162 + 648 + 216 x 2 + 1,566 + 19,800 = 22,608.
    legacy = {"inter_pe_hop": 2, "register_file_accesses": "per_mac", "load_drain_hops": False}
    row = only_row(POINTWISE, 3, 3, "os", energy=legacy)
    assert (row["energy_register_file"], row["energy_inter_pe"], row["energy"]) == (648, 432, 22608)


def test_ws_counts_and_energy():
    row = only_row(POINTWISE, 3, 3, "ws")
    # ws: Fr = ceil(3/4) = 1, Fc = 2. GB reads ifmap M*D*Fc = 54, filter F*D = 18 (loaded
    # once), psum M*F*(Fr-1) = 0 (+54 write-back); GB writes psum M*F*Fr = 54 (+27+18 fills).
    assert (row["gb_read_ifmap_words"], row["gb_read_filter_words"], row["gb_read_psum_words"]) == (54, 18, 54)
    # Hops: ifmap M*D*(F-Fc) = 108, psum M*F*(D-Fr) = 108, weights loaded down 3 rows cross
    # 0 + 1 + 2 = 3 links per column, x F = 6 -> 18: 234 x 0.1. RF: the 18 stationary weights.
    assert row["energy_inter_pe_ifmap"] == pytest.approx(10.8) and row["energy_inter_pe_psum"] == pytest.approx(10.8)
    assert row["energy_inter_pe_filter"] == pytest.approx(1.8)
    assert row["energy_register_file"] == 18
    assert row["energy"] == pytest.approx(162 + 18 + 23.4 + (126 + 99) * 6 + 19800)  # 21,353.4


def test_is_grouped_counts_and_energy():
    # 1x1 conv 4 -> 4 channels, groups 2, on 2x2: per group M=4, D=2, F=2; 32 MACs.
    row = only_row({"op": "conv", "out_channels": 4, "kernel": 1, "groups": 2}, 4, 2, "is")
    # is: Sr = D = 2 -> 1 fold, Sc = M = 4 -> 1 fold, T = F = 2; 2 groups x (2 + 2*4 + 4 - 2) = 24
    assert (row["macs"], row["cycles"]) == (32, 24)
    # GB reads: ifmap g*M*D = 16 (once, stationary), filter g*F*D*Fc = 8, + write-back 16
    assert (row["gb_read_ifmap_words"], row["gb_read_filter_words"], row["gb_read_psum_words"]) == (16, 8, 16)
    # Hops: filter g*F*D*(M-Fc) = 24, psum g*M*F*(D-Fr) = 16, inputs loaded down 2 rows:
    # 1 link x M = 4 columns x 2 groups = 8 -> 48 x 0.1
    assert row["energy_inter_pe"] == pytest.approx(4.8)
    # RF: the 16 stationary inputs, written once
    assert row["energy_register_file"] == 16
    # DRAM: input 16 + weights 4*2 = 8 + output 16 = 40 words
    assert row["energy_dram"] == 40 * 200
    # GB: reads 40, writes psum 16 + fills 24 = 40 -> 80 x 6 = 480
    assert row["energy"] == pytest.approx(32 + 16 + 4.8 + 480 + 8000)  # 8,532.8


def test_layer_whose_weights_and_input_do_not_fit_takes_the_least_traffic_schedule():
    # 1 KiB buffer = 512 words: 256 for resident activations, 256 to stage tiles. 1x1 conv
    # 16 -> 32 on 16x16: input I = 4,096 words, weights W = 512, output O = 8,192; none fits.
    # Output resident (C innermost, one channel at a time): a step holds an output tile of kt
    # channels x u rows of 16 pixels, kt weights and u*16 inputs: 16 kt u + kt + 16 u <= 256.
    # kt = 11..15 with u = 1 fits: 3 channel tiles, 16 row tiles. Traffic O + 3 I + 16 W =
    # 8,192 + 12,288 + 8,192 = 28,672 words. The alternatives are worse: weights resident
    # needs C split in two (kt = 5: 7 I + 3 O spilled = 53,760), input resident 36,864.
    row = only_row({"op": "conv", "out_channels": 32, "kernel": 1}, 16, 16, "os", memory={"global_buffer_kib": 1})
    assert row["dram_resident"] == "output"
    assert (row["dram_input_passes"], row["dram_weight_passes"], row["dram_output_passes"]) == (3, 16, 1)
    assert row["dram_read_ifmap_bytes"] == 3 * 4096 * 2
    assert row["dram_read_filter_bytes"] == 16 * 512 * 2
    assert row["dram_write_bytes"] == 8192 * 2 and row["dram_read_psum_bytes"] == 0
    assert row["buffer_footprint_words"] <= 256


def test_batched_fc_reads_its_weights_once():
    # FC 512 -> 512 at batch 16, 16 KiB = 8,192 words: 4,096 stage tiles. I = 8,192, W = 262,144,
    # O = 8,192. Output resident with all 16 images: 16 kt + kt + 16 <= 4,096 -> kt <= 240, so
    # 3 channel tiles: the input is read 3 times, the weights once: 8,192 + 24,576 + 262,144.
    net = network_from_dict({"name": "fc", "input": {"channels": 512, "height": 1, "width": 1, "batch": 16},
                             "layers": [{"name": "fc", "op": "fc", "out_features": 512}]})
    row = simulate(net, tiny_hardware(4, 4, "os", memory={"global_buffer_kib": 16})).rows()[0]
    assert (row["dram_weight_passes"], row["dram_input_passes"]) == (1, 3)
    assert row["dram_read_filter_bytes"] == 262144 * 2
    assert row["dram_read_bytes"] + row["dram_write_bytes"] == (8192 + 24576 + 262144) * 2


def test_ws_partial_sums_that_exceed_their_room_are_tiled():
    # 1x1 conv 64 -> 32 on 32x32, ws on 4x4: D = 64 (Fr = 16), F = 32 (Fc = 8), M = 1,024.
    # Between row folds the sums of M x min(F, cols) = 4,096 outputs wait. 8 KiB = 4,096 words:
    # 2,048 stage tiles, half of that (1,024) may hold partial sums -> 4 chunks of 256 pixels.
    # Each chunk re-fills: 128 folds x (1,024 + 4 x (2*4 + 4 - 2)) = 136,192 cycles (untiled
    # 132,352). Spilling instead would send 1,024 x 32 x 15 = 491,520 words each way to DRAM.
    row = only_row({"op": "conv", "out_channels": 32, "kernel": 1}, 64, 32, "ws", memory={"global_buffer_kib": 8})
    assert (row["psum_strategy"], row["psum_chunks"], row["compute_cycles"]) == ("tiled", 4, 136192)
    assert row["dram_read_psum_bytes"] == 0
    # The stationary weights are loaded once per chunk: F*D*4 GB reads (+ none from DRAM fills).
    assert row["gb_read_filter_words"] == 32 * 64 * 4
    assert row["buffer_footprint_words"] <= 2048


def test_buffer_too_small_for_one_tile_is_a_clean_error():
    from sqnxt_sim.errors import InputError
    # 0.25 KiB = 128 words, 64 for tiles; one 7-row window of a 32-wide input alone is 224.
    with pytest.raises(InputError, match="global_buffer_kib"):
        only_row({"op": "conv", "out_channels": 4, "kernel": 7}, 1, 32, "os", memory={"global_buffer_kib": 0.25})


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
    # POINTWISE on os: 54 compute cycles; DRAM 27 + 18 words read, 54 written = 198 bytes.
    unlimited = only_row(POINTWISE, 3, 3, "os")
    assert unlimited["cycles"] == unlimited["compute_cycles"] == 54 and unlimited["bound"] == "compute"
    # Every schedule reading each word once is a candidate; the least exposed keeps the input
    # resident and streams one filter at a time: first load 27 inputs + 3 weights = 60 bytes,
    # last write-back one filter's 9 outputs = 18 bytes. At 1 byte/cycle:
    # 78 + max(54, 198 - 78) = 198 cycles, memory-bound.
    slow = only_row(POINTWISE, 3, 3, "os", memory={"dram_bandwidth_bytes_per_cycle": 1})
    assert slow["cycles"] == 198 and slow["stall_cycles"] == 144 and slow["bound"] == "memory"
    assert slow["loss_memory_stall"] == pytest.approx(144 / 198)
    # 8 bytes/cycle: 78/8 + max(54, 120/8) = 63.75 -> 64 cycles, compute-bound.
    fast = only_row(POINTWISE, 3, 3, "os", memory={"dram_bandwidth_bytes_per_cycle": 8})
    assert fast["cycles"] == 64 and fast["bound"] == "compute"


def test_memory_bound_one_fold_layer_takes_its_transfer_time():
    # FC 4 -> 4 at batch 4 on 4x4 os: one fold, 4 + 4 + 4 - 2 = 10 compute cycles. DRAM 16 + 16
    # words read, 16 written = 96 bytes. Least exposure: 24 words (e.g. input resident: 16
    # inputs + one filter's 4 weights first, its 4 outputs last) = 48 bytes. At 1 byte/cycle:
    # 48 + max(10, 96 - 48) = 96 cycles: the transfer time, not 2 x 96 as a fold-sized step gives.
    net = network_from_dict({"name": "fc", "input": {"channels": 4, "height": 1, "width": 1, "batch": 4},
                             "layers": [{"name": "fc", "op": "fc", "out_features": 4}]})
    row = simulate(net, tiny_hardware(4, 4, "os", memory={"dram_bandwidth_bytes_per_cycle": 1})).rows()[0]
    assert (row["compute_cycles"], row["folds"]) == (10, 1)
    assert (row["cycles"], row["stall_cycles"], row["bound"]) == (96, 86, "memory")


def test_picojoule_table_is_reported_in_pj():
    row = only_row(POINTWISE, 3, 3, "os", energy={"unit": "pJ", "mac": 0.5, "register_file": 0.5, "inter_pe_hop": 0.05,
                                                    "global_buffer": 3, "dram": 100})
    assert row["energy"] == pytest.approx(21718.8 / 2)  # every cost halved
