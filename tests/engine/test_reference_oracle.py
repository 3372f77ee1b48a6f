"""The vectorized engine against the per-layer reference model (tests/oracle/reference.py).

The reference is an independent, scalar, one-layer-at-a-time transcription of docs/model.md.
Every column it produces must agree with ``simulate(...).rows()``: integers (cycles, folds,
word and byte counts, pass counts), strings and booleans exactly, floats to a relative 1e-8
(the engine rounds floats to 10 significant digits in its output).

Cases: every zoo network on every shipped hardware config plus configs chosen to reach the
corners of the model: odd array sides, 3 to 7 cores (channel and pixel splits, idle cores),
small buffers (the smallest whole KiB that stages one tile of every zoo layer: DRAM loop
tiling, partial sums tiled, spilled or revisited in DRAM, nothing resident), a huge one with
7-bit words (most activations resident), no activation part (activation_share 0), low and
non-integer DRAM bandwidths (stalls, memory-bound layers, exact rounding), word sizes that
are not whole bytes, a pJ energy table, and the legacy energy conventions (hop 2, RF per
MAC, no load/drain hops), and row-stationary (rs): Eyeriss, two cores, row folds, scratchpads
too small for some layers (``best`` skips rs there), ``best`` over all four dataflows and
``best_of`` two of them. A few
tiny hand-made graphs exercise what the zoo does not: ReLU layers, a concat holding the
network input, a concat or ReLU read after it is also a network output.

Where docs/model.md leaves a choice open, the reference marks its reading with
``INTERPRETATION``; those readings are the ones the engine makes today.
"""

from __future__ import annotations

import functools
import math

import pytest

from sqnxt_sim import hardware_from_dict, load_network, network_from_dict, resolve_hardware, simulate
from sqnxt_sim.errors import InputError
from tests.oracle.reference import LOSSES, reference_simulate, reference_totals
from sqnxt_sim.hardware.load import shipped_configs
from sqnxt_sim.workload.load import zoo_names

REL = 1e-8
ABS = 1e-12

CUSTOM_CONFIGS = {
    # Odd array sides, three cores: uneven channel/pixel slices and idle cores; best dataflow.
    "7x13_3cores_best": {"pe_array": {"rows": 7, "cols": 13}, "cores": 3, "dataflow": "best"},
    # The same with a narrow DRAM port: memory-bound layers, stalls shared over cores.
    "7x13_3cores_ws_bw4": {"pe_array": {"rows": 7, "cols": 13}, "cores": 3, "dataflow": "ws",
                           "memory": {"dram_bandwidth_bytes_per_cycle": 4}},
    # Tiny buffer (the smallest whole KiB that stages every zoo layer): nothing resident,
    # weights/input tiling, partial sums tiled, spilled or in DRAM (AlexNet).
    "16x16_is_gb17_bw4": {"pe_array": {"rows": 16, "cols": 16}, "dataflow": "is",
                          "memory": {"global_buffer_kib": 17, "dram_bandwidth_bytes_per_cycle": 4}},
    # pJ energy table (non-integer costs), transposed odd array, two cores, best.
    "13x7_2cores_best_gb21_pj": {"pe_array": {"rows": 13, "cols": 7}, "cores": 2, "dataflow": "best",
                                 "memory": {"global_buffer_kib": 21, "dram_bandwidth_bytes_per_cycle": 16.3},
                                 "energy": {"unit": "pJ", "mac": 0.2, "register_file": 0.35, "inter_pe_hop": 0.7,
                                            "global_buffer": 6.1, "dram": 128.3}},
    # 7-bit words (fractional bytes, rounded up per column) and a non-integer bandwidth whose
    # stall formula lands exactly on a whole cycle (sqnxt23v5_w2 s4b1_reduce1: 21750).
    "32x32_7cores_ws_w7_gb16_bw33.3": {"pe_array": {"rows": 32, "cols": 32}, "cores": 7, "dataflow": "ws",
                                       "word_bits": 7,
                                       "memory": {"global_buffer_kib": 16, "dram_bandwidth_bytes_per_cycle": 33.3}},
    # Large buffer in 7-bit words: most activations resident; AlexNet conv1's output stays on
    # chip only because the network input is not part of the live set.
    "5x9_best_w7_gb700": {"pe_array": {"rows": 5, "cols": 9}, "dataflow": "best", "word_bits": 7,
                          "memory": {"global_buffer_kib": 700}},
    # Five small cores, 1 byte/cycle: pooling/add steps (one per array-full of operations).
    "16x4_5cores_is_w8_gb9_bw1": {"pe_array": {"rows": 16, "cols": 4}, "cores": 5, "dataflow": "is",
                                  "word_bits": 8,
                                  "memory": {"global_buffer_kib": 9, "dram_bandwidth_bytes_per_cycle": 1}},
    # 12-bit words: half bytes rounded up, and the stall uses the rounded bytes.
    "5x9_best_w12_gb16_bw1": {"pe_array": {"rows": 5, "cols": 9}, "dataflow": "best", "word_bits": 12,
                              "memory": {"global_buffer_kib": 16, "dram_bandwidth_bytes_per_cycle": 1}},
    # Unlimited bandwidth and a small buffer: waiting partial sums over the room, some layers
    # tile them and some spill them to DRAM (energy x cycles), summed over two cores.
    "32x32_2cores_ws_gb32": {"pe_array": {"rows": 32, "cols": 32}, "cores": 2, "dataflow": "ws",
                             "memory": {"global_buffer_kib": 32}},
    # The energy conventions before the systolic-hop model (docs/model.md, "Energy").
    "16x16_best_legacy_energy": {"pe_array": {"rows": 16, "cols": 16}, "dataflow": "best",
                                 "memory": {"global_buffer_kib": 64, "dram_bandwidth_bytes_per_cycle": 8},
                                 "energy": {"inter_pe_hop": 2, "register_file_accesses": "per_mac",
                                            "load_drain_hops": False}},
    # No activation part: nothing stays on chip between layers, every layer stages with the
    # whole buffer.
    "8x8_ws_share0_gb32_bw16": {"pe_array": {"rows": 8, "cols": 8}, "dataflow": "ws",
                                "memory": {"global_buffer_kib": 32, "activation_share": 0,
                                           "dram_bandwidth_bytes_per_cycle": 16}},
    # Row-stationary (docs/model.md, "Row-stationary"; eyeriss.yaml is a shipped config).
    # Two Eyeriss-sized cores and a small buffer: splits by channels and by output rows, waiting
    # partial sums that fit, tile or spill, default scratchpads (the register file shared).
    "12x14_2cores_rs_gb16": {"pe_array": {"rows": 12, "cols": 14}, "cores": 2, "dataflow": "rs",
                             "memory": {"global_buffer_kib": 16}},
    # A small array: kernels taller than the array (row folds), many strips, stalls.
    "5x7_2cores_rs_gb24_bw8": {"pe_array": {"rows": 5, "cols": 7}, "cores": 2, "dataflow": "rs",
                               "memory": {"global_buffer_kib": 24, "dram_bandwidth_bytes_per_cycle": 8}},
    # Scratchpads too small for 7- and 11-wide kernels: best must skip rs on those layers.
    "12x14_best_spad6": {"pe_array": {"rows": 12, "cols": 14}, "dataflow": "best",
                         "memory": {"scratchpads": {"ifmap_words": 6, "filter_words": 40, "psum_words": 8}}},
    # (best over all four dataflows, rs included: the best configs above, e.g. 7x13_3cores_best,
    # 13x7_2cores_best_gb21_pj, 16x16_best_legacy_energy with RF per MAC.)
    # best_of restricted to two, listed out of registry order; a pJ table whose multicast
    # (inter_pe) and hop costs differ.
    "12x14_best_of_rs_os_pj": {"pe_array": {"rows": 12, "cols": 14}, "dataflow": "best", "best_of": ["rs", "os"],
                               "energy": {"unit": "pJ", "mac": 0.2, "register_file": 0.35, "inter_pe": 1.3,
                                          "inter_pe_hop": 0.7, "global_buffer": 6.1, "dram": 128.3}},
}

CONFIGS = [*shipped_configs(), *CUSTOM_CONFIGS]

# (network, config) -> reason, for disagreements understood to be engine bugs. Each entry is
# strict: once the engine is fixed the test passes, the xfail fails, and the entry must go.
ENGINE_BUGS: dict[tuple[str, str], str] = {}


@functools.cache
def _network(name: str):
    return load_network(name)


@functools.cache
def _hardware(name: str):
    if name in CUSTOM_CONFIGS:
        return hardware_from_dict({"name": name, **CUSTOM_CONFIGS[name]}, f"<{name}>")
    return resolve_hardware(name)


def _same(actual, expected) -> bool:
    if expected is None or actual is None:  # a column that does not apply to the layer
        return actual is expected
    if isinstance(expected, (bool, str)) or isinstance(actual, (bool, str)):
        return actual == expected and type(actual) is type(expected)
    if isinstance(expected, int):
        return actual == expected
    # math.isclose rather than pytest.approx: the same test, and 20 times faster here.
    return math.isclose(actual, expected, rel_tol=REL, abs_tol=ABS)


def _check(engine_rows: list[dict], reference_rows: list[dict]) -> None:
    assert [row["name"] for row in engine_rows] == [row["name"] for row in reference_rows]
    mismatches = []
    for engine, reference in zip(engine_rows, reference_rows):
        # The oracle's own bookkeeping: utilization and the loss shares cover every PE-cycle.
        shares = reference["utilization"] + sum(reference[loss] for loss in LOSSES)
        if not math.isclose(shares, 1.0, rel_tol=1e-12):
            mismatches.append(f"{reference['name']}: reference utilization + losses = {shares!r}, not 1")
        for column, expected in reference.items():
            if column not in engine:
                mismatches.append(f"{reference['name']}: engine has no column {column!r}")
            elif not _same(engine[column], expected):
                mismatches.append(f"{reference['name']}.{column}: engine {engine[column]!r}, reference {expected!r}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:20])


def _cases():
    for network in zoo_names():
        for config in CONFIGS:
            reason = ENGINE_BUGS.get((network, config))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(network, config, id=f"{network}-{config}", marks=marks)


@pytest.mark.parametrize(("network", "config"), list(_cases()))
def test_engine_matches_reference(network, config):
    net, hw = _network(network), _hardware(config)
    result = simulate(net, hw)
    reference = reference_simulate(net, hw)
    _check(result.rows(), reference)
    for column, expected in reference_totals(reference, hw).items():
        assert _same(result.totals[column], expected), (column, result.totals[column], expected)


def test_rs_refuses_a_layer_its_scratchpads_cannot_map():
    # AlexNet's 11-wide conv1 does not fit a 6-word ifmap scratchpad: a config asking for rs is
    # refused by both, naming memory.scratchpads.
    hw = hardware_from_dict({"name": "rs_spad6", "pe_array": {"rows": 12, "cols": 14}, "dataflow": "rs",
                             "memory": {"scratchpads": {"ifmap_words": 6, "filter_words": 40, "psum_words": 8}}})
    net = _network("alexnet")
    for run in (simulate, reference_simulate):
        with pytest.raises(InputError, match="memory.scratchpads"):
            run(net, hw)


def _conv(name, source, channels=4, kernel=1, **extra):
    return {"name": name, "op": "conv", "out_channels": channels, "kernel": kernel, "padding": kernel // 2,
            "inputs": [source], **extra}


# Tiny graphs (8 x 8 inputs, tensors of 256 to 1,024 words) for what the zoo lacks.
EDGE_NETWORKS = {
    # ReLU layers in a chain, a ReLU that nobody reads (a network output mid-graph) while its
    # input is also read by later layers, and a residual add across them.
    "relus": [
        _conv("a", "input"), {"name": "a_relu", "op": "relu", "inputs": ["a"]},
        _conv("b", "a_relu", kernel=3), {"name": "b_relu_out", "op": "relu", "inputs": ["b"]},
        _conv("c", "b", 8, groups=4), _conv("d", "c"),
        {"name": "sum", "op": "add", "inputs": ["d", "a_relu"]}, _conv("e", "sum", 2),
    ],
    # A concat holding the network input (never resident), a dense-style concat of an early
    # and a late tensor, and a concat as the last layer.
    "concats": [
        _conv("a", "input", 8), {"name": "cat_in", "op": "concat", "inputs": ["input", "a"]},
        _conv("b", "cat_in", 4, 3), _conv("c", "b", 4), {"name": "dense", "op": "concat", "inputs": ["b", "c"]},
        {"name": "pool", "op": "maxpool", "kernel": 3, "stride": 1, "padding": 1, "inputs": ["dense"]},
        _conv("d", "pool", 6), _conv("e", "dense", 2), {"name": "out", "op": "concat", "inputs": ["d", "e"]},
    ],
    # Batch 2, a depthwise layer, and an FC head whose reduction (256) spills partial sums
    # in a 1 KiB buffer.
    "head": [
        _conv("dw", "input", 4, 3, groups=4), _conv("pw", "dw", 16),
        {"name": "pool", "op": "maxpool", "kernel": 2, "inputs": ["pw"]},
        {"name": "fc", "op": "fc", "out_features": 300, "inputs": ["pool"]},
    ],
    # Odd sizes (3 x 7 x 7 input, 5 and 3 channels): word counts that are not multiples of 8,
    # so with 7- or 12-bit words every operand column rounds to whole bytes on its own.
    "odd": [
        _conv("a", "input", 5, 3), _conv("b", "a", 3), {"name": "sum", "op": "add", "inputs": ["b", "input"]},
        {"name": "fc", "op": "fc", "out_features": 7, "inputs": ["sum"]},
    ],
}
EDGE_INPUTS = {"head": {"channels": 4, "height": 8, "width": 8, "batch": 2},
               "odd": {"channels": 3, "height": 7, "width": 7}}

EDGE_CONFIGS = {
    "3x5_best_gb1_bw7.7": {"pe_array": {"rows": 3, "cols": 5}, "dataflow": "best",
                           "memory": {"global_buffer_kib": 1, "dram_bandwidth_bytes_per_cycle": 7.7}},
    "4x4_2cores_ws_gb3_bw2": {"pe_array": {"rows": 4, "cols": 4}, "cores": 2, "dataflow": "ws",
                              "memory": {"global_buffer_kib": 3, "dram_bandwidth_bytes_per_cycle": 2}},
    "2x5_3cores_os_w12_gb4": {"pe_array": {"rows": 2, "cols": 5}, "cores": 3, "word_bits": 12,
                              "memory": {"global_buffer_kib": 4}},
    "4x2_is_gb8_bw1": {"pe_array": {"rows": 4, "cols": 2}, "dataflow": "is",
                       "memory": {"global_buffer_kib": 8, "dram_bandwidth_bytes_per_cycle": 1}},
    # 7-bit words: operand columns whose bits are not whole bytes are each rounded up, and the
    # stall formula must use the same per-operand bytes.
    "3x3_best_w7_gb2_bw3": {"pe_array": {"rows": 3, "cols": 3}, "dataflow": "best", "word_bits": 7,
                            "memory": {"global_buffer_kib": 2, "dram_bandwidth_bytes_per_cycle": 3}},
}


@pytest.mark.parametrize("config", list(EDGE_CONFIGS))
@pytest.mark.parametrize("network", list(EDGE_NETWORKS))
def test_graph_edge_cases_match_reference(network, config):
    net = network_from_dict({"name": network, "layers": EDGE_NETWORKS[network],
                             "input": EDGE_INPUTS.get(network, {"channels": 4, "height": 8, "width": 8})})
    hw = hardware_from_dict({"name": config, **EDGE_CONFIGS[config]})
    _check(simulate(net, hw).rows(), reference_simulate(net, hw))


# Corners of the waiting partial sums a review found (the layer's M or F caps the chunks, a
# dimension that cannot be cut still overflows and is weighed against spilling, tiled sums that
# leave the schedule no room fall back to spilling), and configurations that differ in preset
# and buffer evaluated in one call.
PSUM_CASES = {
    "chunks_capped_by_layer": (
        {"channels": 64, "height": 7, "width": 7, "batch": 8},
        [{"name": "a", "op": "conv", "out_channels": 200, "kernel": 3, "padding": 1}, {"name": "fc", "op": "fc", "out_features": 1000}],
        {"pe_array": {"rows": 4, "cols": 16}, "cores": 5, "dataflow": "ws",
         "memory": {"global_buffer_kib": 0.3, "activation_share": 0, "dram_bandwidth_bytes_per_cycle": 16}}),
    "no_room_left_spills": (
        {"channels": 3, "height": 7, "width": 7, "batch": 2},
        [{"name": "a", "op": "conv", "out_channels": 64, "kernel": 3}, {"name": "fc", "op": "fc", "out_features": 256}],
        {"pe_array": {"rows": 2, "cols": 256}, "cores": 4, "dataflow": "is", "memory": {"global_buffer_kib": 1}}),
    "fc_that_cannot_be_cut": (
        {"channels": 64, "height": 1, "width": 1},
        [{"name": "fc", "op": "fc", "out_features": 256}],
        {"pe_array": {"rows": 32, "cols": 256}, "dataflow": "ws",
         "memory": {"global_buffer_kib": 300 * 2 / 1024, "activation_share": 0}}),
}


@pytest.mark.parametrize("case", list(PSUM_CASES))
def test_partial_sum_corners_match_reference(case):
    inputs, layers, hw_data = PSUM_CASES[case]
    net = network_from_dict({"name": case, "input": inputs, "layers": layers})
    hw = hardware_from_dict({"name": case, **hw_data})
    _check(simulate(net, hw).rows(), reference_simulate(net, hw))


def test_configs_evaluated_together_equal_each_alone():
    from sqnxt_sim.engine.hardware_arrays import hardware_arrays
    from sqnxt_sim.engine.simulate import evaluate, prepare

    # 8 KiB ws cannot stage v1's stem with its tiled sums held, but spills; os at 8 KiB and ws
    # at 512 KiB are fine. Together in one call each row must equal its own run.
    workload = prepare(load_network("sqnxt23_v1"))
    configs = [hardware_from_dict({"name": f"c{i}", "pe_array": {"rows": 8, "cols": 16}, "dataflow": flow,
                                   "memory": {"global_buffer_kib": kib}})
               for i, (flow, kib) in enumerate([("os", 8), ("ws", 512), ("best", 8), ("ws", 8)])]
    together = evaluate(workload, hardware_arrays(configs))
    for i, hw in enumerate(configs):
        alone = evaluate(workload, hardware_arrays([hw]))
        for key, values in alone.items():
            assert (together[key][i] == values[0]).all(), (hw.name, key)
