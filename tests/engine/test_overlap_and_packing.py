"""The two modelling options, fold_overlap and pack_groups, derived by hand (docs/model.md,
"Fold overlap and packed groups"). Both are off by default, and then nothing changes: the
SCALE-Sim agreement (test_scalesim_agreement.py) runs with the defaults and
test_defaults_are_scalesim_assumptions checks they are off.

fold_overlap: segments (folds, or chunks of one) stream back to back; each but the last takes
max(T, rows) cycles (the next stationary operand enters, or os outputs leave, through the rows
one word per column per cycle); the fill of rows + cols - 2 (+ rows for ws, is) is paid once.

pack_groups (ws, is): p = min(rows // D, cols // Sc, G) groups per fold, block-diagonally;
group j of a fold has its values cross the j blocks before its own.
"""

import numpy as np
import pytest

from sqnxt_sim import simulate
from sqnxt_sim import load_network

from tests.helpers import one_layer_network, tiny_hardware

HOP = 0.1  # default energy.inter_pe_hop: hops = energy_inter_pe_* / HOP


def run_one(layer, channels, height, width, rows, cols, dataflow, **options):
    network = one_layer_network(layer, channels, height, width)
    return simulate(network, tiny_hardware(rows, cols, dataflow, **options)).rows()[0]


# 1x1 conv 3 -> 4 on a 2 x 4 input: M = 8 pixels, D = 3, F = 4 (96 MACs).
TWO_ROW_FOLDS = ({"op": "conv", "out_channels": 4, "kernel": 1}, 3, 2, 4)


def test_os_two_folds_overlap():
    # os on 4 x 4: Sr = M = 8 -> 2 row folds, T = D = 3, fill = 4 + 4 - 2 = 6.
    # Off: 2 x (3 + 6) = 18. On: first fold max(3, 4) = 4, last 3, one fill 6: 13.
    off = run_one(*TWO_ROW_FOLDS, 4, 4, "os")
    on = run_one(*TWO_ROW_FOLDS, 4, 4, "os", fold_overlap=True)
    assert (off["cycles"], on["cycles"]) == (18, 13)
    assert on["folds"] == 2
    # Streaming is 2 x 3 cycles either way; the rest is fill/drain: (13 - 6) / 13.
    assert on["loss_fill_drain"] == pytest.approx(7 / 13)
    assert on["utilization"] == pytest.approx(96 / (13 * 16))
    # Overlap moves no data: every access count is the same.
    for key in ("gb_read_words", "gb_write_words", "energy"):
        assert on[key] == pytest.approx(off[key])


def test_ws_two_folds_overlap_waits_for_the_next_weights():
    # 1x1 conv 3 -> 8 on 1 x 2: M = 2, D = 3, F = 8. ws on 4 x 4: Sr = D = 3 (1 fold),
    # Sc = F = 8 -> 2 column folds, T = M = 2, fill = 4 + 4 - 2 + 4 = 10.
    # Off: 2 x (2 + 10) = 24. On: the second fold's weights take rows = 4 cycles to enter
    # behind the first fold's 2: 4 + 2 + 10 = 16.
    layer = ({"op": "conv", "out_channels": 8, "kernel": 1}, 3, 1, 2)
    assert run_one(*layer, 4, 4, "ws")["cycles"] == 24
    assert run_one(*layer, 4, 4, "ws", fold_overlap=True)["cycles"] == 16


def test_overlap_of_chunked_folds():
    # ws, 2 x 2 array, one layer whose waiting partial sums are tiled in chunks: each chunk is
    # a segment. Checked against the rule from the run's own psum_chunks (k) and folds:
    # segments = folds x k of T / k pixels each (T = M = 64 splits evenly when k divides it).
    layer = ({"op": "conv", "out_channels": 2, "kernel": 1}, 6, 8, 8)  # M = 64, D = 6, F = 2
    options = {"memory": {"global_buffer_kib": 0.25, "activation_share": 0}}
    off = run_one(*layer, 2, 2, "ws", **options)
    on = run_one(*layer, 2, 2, "ws", fold_overlap=True, **options)
    k, folds = off["psum_chunks"], off["folds"]  # D = 6 on 2 rows: 3 row folds
    assert folds == 3 and k > 1 and 64 % k == 0
    fill = 2 + 2 - 2 + 2
    assert off["compute_cycles"] == folds * (64 + k * fill)
    segment = 64 // k
    assert on["compute_cycles"] == folds * k * max(segment, 2) - (max(segment, 2) - segment) + fill


DEPTHWISE = ({"op": "conv", "out_channels": 8, "kernel": 3, "padding": 1, "groups": 8}, 8, 4, 4)  # M=16, D=9, F=1


def test_ws_packs_depthwise_groups():
    # ws on 27 x 4: p = min(27 // 9, 4 // 1, 8) = 3 groups per fold, ceil(8 / 3) = 3 folds.
    # fill = 27 + 4 - 2 + 27 = 56, T = M = 16. Off: 8 x (16 + 56) = 576. On: 3 x 72 = 216.
    off = run_one(*DEPTHWISE, 27, 4, "ws")
    on = run_one(*DEPTHWISE, 27, 4, "ws", pack_groups=True)
    assert (off["cycles"], on["cycles"]) == (576, 216)
    macs = 8 * 16 * 9
    assert on["utilization"] == pytest.approx(macs / (216 * 108))
    # Positions within folds: groups 0..7 sit at 0, 1, 2, 0, 1, 2, 0, 1 -> their sum J = 7.
    # Filter load: group at position j has its 9 weights on rows 9j..9j+8; the weight for row i
    # crosses i links: sum = 81 j + 36 -> 8 x 36 + 81 x 7 = 855 (unpacked: 288).
    assert on["energy_inter_pe_filter"] / HOP == pytest.approx(855)
    assert off["energy_inter_pe_filter"] / HOP == pytest.approx(288)
    # An input enters at the left edge and crosses the j one-column blocks before its own
    # column: M D x j -> 144 x 7 = 1008 (unpacked: F - 1 = 0 hops).
    assert on["energy_inter_pe_ifmap"] / HOP == pytest.approx(1008)
    # A sum flows down D - 1 rows of its group plus the 9 j rows above: 8 x 16 x 8 + 16 x 9 x 7.
    assert on["energy_inter_pe_psum"] / HOP == pytest.approx(1024 + 1008)
    # Buffer and DRAM traffic do not change.
    assert on["gb_read_words"] == off["gb_read_words"]
    assert on["dram_read_bytes"] == off["dram_read_bytes"]


def test_is_packs_groups_and_os_cannot():
    # is: D = 9 on rows, M = 16 on columns. On 18 x 32: p = min(18 // 9, 32 // 16, 8) = 2,
    # 4 folds of T = F = 1 + fill 18 + 32 - 2 + 18 = 66: 4 x 67 = 268 (off: 8 x 67 = 536).
    assert run_one(*DEPTHWISE, 18, 32, "is")["cycles"] == 536
    assert run_one(*DEPTHWISE, 18, 32, "is", pack_groups=True)["cycles"] == 268
    # os shares each row's input and each column's weights over the whole array: no packing.
    assert run_one(*DEPTHWISE, 18, 32, "os", pack_groups=True)["cycles"] == run_one(*DEPTHWISE, 18, 32, "os")["cycles"]


def test_packing_needs_room_on_both_sides():
    # ws on 16 x 4: 16 // 9 = 1 group per fold, as unpacked.
    assert run_one(*DEPTHWISE, 16, 4, "ws", pack_groups=True)["cycles"] == run_one(*DEPTHWISE, 16, 4, "ws")["cycles"]


def test_defaults_are_scalesim_assumptions():
    hw = tiny_hardware()
    assert (hw.fold_overlap, hw.pack_groups) == (False, False)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is", "rs"])
def test_options_never_add_cycles_or_change_macs(dataflow):
    # max(T, rows) <= T + fill for every T >= 1, and packing only removes folds; rs pays its
    # climb once. Checked on a whole network with grouped layers.
    network = load_network("mobilenet_v1")
    base = simulate(network, tiny_hardware(16, 16, dataflow))
    for options in ({"fold_overlap": True}, {"pack_groups": True}, {"fold_overlap": True, "pack_groups": True}):
        other = simulate(network, tiny_hardware(16, 16, dataflow, **options))
        a, b = np.array(base.column("cycles")), np.array(other.column("cycles"))
        assert (b <= a).all()
        assert other.totals["macs"] == base.totals["macs"]
