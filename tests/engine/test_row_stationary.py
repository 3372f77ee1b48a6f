"""Row-stationary (rs) numbers derived by hand from docs/model.md, "Row-stationary".

Notation: N images, K filters, C channels, E x Q outputs, R x S kernel, H x W array,
scratchpads I (ifmap), Fs (filter), Ps (psum) words per PE.
"""

import numpy as np
import pytest

from sqnxt_sim import InputError, network_from_dict, simulate
from sqnxt_sim.engine.dataflows import REGISTRY, choices, names
from sqnxt_sim.engine.dataflows.base import ArrayShape, Conventions
from sqnxt_sim.engine.dataflows.rs import RS
from sqnxt_sim.engine.layer_table import layer_table

from tests.helpers import tiny_hardware

BIG_SPADS = {"ifmap_words": 12, "filter_words": 224, "psum_words": 24}  # Eyeriss's


def rs_hardware(rows, cols, spads=BIG_SPADS, **extra):
    memory = {"scratchpads": spads, "global_buffer_kib": 1024, "activation_share": 0, **extra.pop("memory", {})}
    return tiny_hardware(rows, cols, "rs", memory=memory, **extra)


def geometry_of(layer, channels, size, batch=1):
    network = network_from_dict({"name": "one", "input": {"channels": channels, "height": size, "width": size,
                                                           "batch": batch}, "layers": [{"name": "layer", **layer}]})
    table = layer_table(network)
    mac = int(np.flatnonzero(table.has_macs)[0])
    return network, table.take([mac]).geometry


def array(rows, cols, ifmap=12, filter_=224, psum=24):
    column = lambda x: np.array([[x]])
    return ArrayShape(column(rows), column(cols), column(ifmap), column(filter_), column(psum))


def cost_of(geometry, arr, chunks=1, rf_per_mac=False):
    cost = RS.cost(geometry, arr, chunks, Conventions(rf_per_mac=np.array([[rf_per_mac]]), load_drain_hops=np.array([[True]])))
    plain = lambda d: {op: int(np.asarray(v).ravel()[0]) for op, v in d.items()}
    return cost, plain


# Layer A fits one PE set exactly: 2 channels of 6 x 6, 2 filters 3 x 3, stride 1 -> E = Q = 4,
# on a 3 x 4 array (R = 3 rows, E = 4 columns).
LAYER_A = {"op": "conv", "out_channels": 2, "kernel": 3}


def test_layer_that_fits_one_pe_set():
    _, geometry = geometry_of(LAYER_A, channels=2, size=6)
    cost, plain = cost_of(geometry, array(3, 4))
    # rf = 1, rr = 3; ef = 1, e = 4; sv = sh = 1 copy.
    # q: min(C=2, floor(12/3)=4) = 2 -> cg = 1; p: min(K=2, floor(224/(2*3))=37, 24) = 2 -> fg = 1.
    # rounds = 1, runs = 1; pass = p q S N Q = 2*2*3*4 = 48 cycles, fill rr - 1 = 2 -> 50 cycles.
    assert int(cost.cycles.ravel()[0]) == 50
    assert int(cost.runs.ravel()[0]) == 1 and int(cost.folds.ravel()[0]) == 1
    # MACs = K C R S E Q = 2*2*9*16 = 576 = streaming PE-cycles 48 * 12 = mapped (no idle PE).
    assert int(geometry.macs[0]) == 576
    assert float(cost.streaming.ravel()[0]) == 576 and float(cost.mapped.ravel()[0]) == 576
    assert int(cost.fill_cycles.ravel()[0]) == 2
    # weights 2*2*3*3 = 36; outputs 2*4*4 = 32; Wi = 3*1 + 3 = 6 columns; Ri = 1*(4-1)*1 + 1*3 = 6 rows.
    assert plain(cost.gb_read) == {"filter": 36, "ifmap": 2 * 6 * 6, "psum": 0}  # ifmap: C Wi Ri = the input, once
    assert plain(cost.gb_write) == {"filter": 0, "ifmap": 0, "psum": 32}
    # filter to every PE of its set row: 36 * E = 144; ifmap rows to every PE: C Wi R E = 2*6*3*4 = 144;
    # psums: 32 outputs x (cg R - writes) = 32 * (3 - 1) = 64 hops up the columns.
    assert plain(cost.inter_pe) == {"filter": 144, "ifmap": 144, "psum": 64}
    assert plain(cost.register_file) == {"filter": 144, "ifmap": 144, "psum": 576}  # on_change: loads, sum per MAC
    per_mac, plain = cost_of(geometry, array(3, 4), rf_per_mac=True)
    assert plain(per_mac.register_file) == {"filter": 576, "ifmap": 576, "psum": 1152}  # ISCA 2016 Eqs. 3-4
    assert int(RS.waiting_partial_sums(geometry, array(3, 4)).ravel()[0]) == 0  # one round: sums finish in the array


def test_layer_that_fits_one_pe_set_through_simulate():
    network, _ = geometry_of(LAYER_A, channels=2, size=6)
    row = simulate(network, rs_hardware(3, 4)).rows()[0]
    # 576 MACs / (50 cycles x 12 PEs) = 0.96; fill 2 x 12 / 600 = 0.04; nothing else lost.
    assert row["dataflow"] == "rs" and row["compute_cycles"] == 50
    assert row["utilization"] == pytest.approx(0.96)
    assert row["loss_fill_drain"] == pytest.approx(0.04)
    assert row["loss_small_dims"] == pytest.approx(0) and row["loss_fold_remainder"] == pytest.approx(0)
    assert row["active_pes"] == pytest.approx(12)


# Layer B must fold: 3 channels of 10 x 10, 5 filters 3 x 3 -> E = Q = 8, batch 2, on a 3 x 4
# array with scratchpads of 6 / 12 / 24 words.
LAYER_B = {"op": "conv", "out_channels": 5, "kernel": 3}
SMALL = dict(ifmap=6, filter_=12, psum=24)


def test_layer_that_must_fold():
    _, geometry = geometry_of(LAYER_B, channels=3, size=10, batch=2)
    cost, plain = cost_of(geometry, array(3, 4, **SMALL))
    # Widest strips: ef = ceil(8/4) = 2 strips of e = 4; rf = 1, rr = 3; copies = 1 x 1.
    # qmax = min(3, floor(6/3)) = 2, pmax = min(5, floor(12/(2*3)), 24) = 2;
    # fg = max(ceil(5/2), min(5, 1 copy)) = 3 -> p = 2 (6 filter slots for 5: padding);
    # cg = max(ceil(3/2), min(3, 1)) = 2 -> q = 2 (4 channel slots for 3).
    # rounds = 3 filter groups x 2 channel groups = 6 per strip; runs = 2 strips x 6 = 12.
    # pass = p q S N Q = 2*2*3*2*8 = 192 cycles; fill 2; cycles = 12 x 194 = 2328.
    # The search's other candidates are not faster: 2-wide strips (2 copies) take 3104 cycles with
    # 2 filter copies, 2328 with 2 channel copies (a tie: the widest strips stay); 1-wide strips
    # (4 copies) 3104 or 3136.
    assert int(cost.cycles.ravel()[0]) == 2328
    assert int(cost.runs.ravel()[0]) == 12 and int(cost.folds.ravel()[0]) == 2
    # MACs = N K C R S E Q = 2*5*3*9*64 = 17,280.
    assert int(geometry.macs[0]) == 17_280
    # streaming = 12 runs x 192 x 12 PEs = 27,648 = mapped = fg cg R E x 192 = 3*2*3*8*192: no idle PE.
    # PE-cycles 2328 x 12 = 27,936 = 17,280 useful + 10,368 padding of p and q (fold remainder)
    # + 288 fill (12 runs x 2 x 12).
    assert float(cost.streaming.ravel()[0]) == 27_648 == float(cost.mapped.ravel()[0])
    assert int(cost.fill_cycles.ravel()[0]) * 12 == 288
    assert 17_280 + 10_368 + 288 == 2328 * 12
    # weights 5*3*9 = 135; outputs 5*2*8*8 = 640; Wi = 7 + 3 = 10; Ri = 1*(8-2)*1 + 2*3 = 12 input rows
    # (strip 1 reads rows 0-5, strip 2 rows 4-9); writes per output = rf ceil(cg/cr) = 2.
    assert plain(cost.gb_read) == {"filter": 135 * 2,  # once per strip
                                   "ifmap": 3 * 2 * 10 * 12 * 3,  # C N Wi Ri x ceil(fg/ct) = 2160
                                   "psum": 640 * 1}
    assert plain(cost.gb_write)["psum"] == 640 * 2
    assert plain(cost.inter_pe) == {"filter": 135 * 8,  # x E
                                    "ifmap": 3 * 2 * 10 * 3 * 8 * 3,  # C N Wi R E fg = 4320
                                    "psum": 640 * (2 * 3 - 2)}  # outputs x (cg R - writes) = 2560
    # One round's sums wait between the two channel rounds: N Q e p ct cx = 2*8*4*2 = 128 words.
    assert int(RS.waiting_partial_sums(geometry, array(3, 4, **SMALL)).ravel()[0]) == 128


def test_layer_that_must_fold_in_chunks():
    _, geometry = geometry_of(LAYER_B, channels=3, size=10, batch=2)
    cost, plain = cost_of(geometry, array(3, 4, **SMALL), chunks=2)
    # 2 chunks of the N Q = 16 streamed columns: pass 2*2*3*8 = 96; runs 24; cycles 24 x 98 = 2352;
    # filters read and delivered once per chunk: 135 x 2 strips x 2 = 540.
    assert int(cost.cycles.ravel()[0]) == 2352
    assert plain(cost.gb_read)["filter"] == 540 and plain(cost.inter_pe)["filter"] == 135 * 8 * 2


def test_narrow_strips_fill_idle_pes():
    _, geometry = geometry_of(LAYER_B, channels=3, size=10, batch=2)
    cost, _ = cost_of(geometry, array(4, 5, **SMALL))
    # On 4 x 5 the widest strips (3 x 4 sets, one copy) leave 8 PEs idle: 2328 cycles as above.
    # 1-wide strips: ef = 8 sets of 3 x 1, copies = floor(4/3) x floor(5/1) = 5.
    # fg = max(ceil(5/2), min(5, 5)) = 5 = ct (filter copies) -> p = 1; cg = 2, cr = 1, q = 2.
    # rounds = ceil(5/5) x ceil(2/1) = 2; runs = 8 x 2 = 16; pass = 1*2*3*16 = 96; 16 x 98 = 1568.
    assert int(cost.cycles.ravel()[0]) == 1568 and int(cost.folds.ravel()[0]) == 8
    # streaming 16 x 96 x 20 = 30,720; mapped = fg cg R E x 96 = 5*2*3*8*96 = 23,040 (the 4th row idle).
    assert float(cost.streaming.ravel()[0]) == 30_720 and float(cost.mapped.ravel()[0]) == 23_040


def test_narrow_strips_through_simulate():
    network, _ = geometry_of(LAYER_B, channels=3, size=10, batch=2)
    hw = rs_hardware(4, 5, spads={"ifmap_words": 6, "filter_words": 12, "psum_words": 24})
    row = simulate(network, hw).rows()[0]
    # PE-cycles 1568 x 20 = 31,360 = 17,280 useful + 7,680 idle row (small dims: R = 3 of 4 rows)
    # + 5,760 channel padding (q = 2 for 3 channels: 23,040 - 17,280) + 640 fill (16 x 2 x 20).
    # The default buses (4, 5, 5 words per cycle) carry the reads in fewer cycles than the PEs need.
    assert row["compute_cycles"] == 1568 and row["folds"] == 8
    assert row["utilization"] == pytest.approx(17_280 / 31_360)
    assert row["loss_small_dims"] == pytest.approx(7_680 / 31_360)  # the idle row: R says so
    assert row["loss_fold_remainder"] == pytest.approx(5_760 / 31_360)
    assert row["loss_fill_drain"] == pytest.approx(640 / 31_360)
    assert row["loss_array_bus"] == 0
    assert row["active_pes"] == pytest.approx(15)  # 20 x 23,040 / 30,720


def test_a_narrow_bus_stalls_the_array():
    network, _ = geometry_of(LAYER_A, channels=2, size=6)
    hw = rs_hardware(3, 4, memory={"array_bus_words_per_cycle": {"ifmap": 0.5, "filter": 4, "psum": 4}})
    row = simulate(network, hw).rows()[0]
    # Layer A reads 72 input words; at half a word per cycle that takes 144 cycles > 50 of compute:
    # 94 cycles wait on the bus; PE-cycles 144 x 12 = 1728: useful 576, fill 24, bus 94 x 12 = 1128.
    assert row["compute_cycles"] == 144
    assert row["loss_array_bus"] == pytest.approx(1128 / 1728)
    assert row["utilization"] == pytest.approx(576 / 1728)


def test_scratchpads_too_small_for_a_filter_row():
    network, _ = geometry_of(LAYER_A, channels=2, size=6)
    tight = {"ifmap_words": 2, "filter_words": 224, "psum_words": 24}  # S = 3 inputs do not fit
    with pytest.raises(InputError, match="memory.scratchpads"):
        simulate(network, rs_hardware(3, 4, spads=tight))
    # best skips rs and runs a preset instead.
    best = tiny_hardware(3, 4, "best", memory={"scratchpads": tight})
    assert simulate(network, best).rows()[0]["dataflow"] in ("os", "ws", "is")


def test_default_scratchpads_share_the_register_file_as_eyeriss():
    # 512 B = 256 words of 16 bits, shared 12 : 224 : 24 (of 260): 11, 220, 23 words.
    hw = tiny_hardware(4, 4, "rs")
    assert hw.memory.scratchpad_words(hw.word_bits) == {"ifmap": 11, "filter": 220, "psum": 23}


def test_registry_lists_every_dataflow_once():
    assert names() == ("os", "ws", "is", "rs") and choices()[-1] == "best"
    assert all(model.name == name for name, model in REGISTRY.items())


def test_best_of_restricts_the_candidates():
    network, _ = geometry_of(LAYER_A, channels=2, size=6)
    only = tiny_hardware(3, 4, "best", best_of=["rs"], memory={"scratchpads": BIG_SPADS})
    assert simulate(network, only).rows()[0]["dataflow"] == "rs"
    with pytest.raises(InputError, match="best_of"):
        tiny_hardware(3, 4, "best", best_of=["rs", "best"])
