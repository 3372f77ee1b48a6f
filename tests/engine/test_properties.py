"""Properties that must hold for any layer and any accelerator (hypothesis)."""

import math

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sqnxt_sim import hardware_from_dict, network_from_dict, simulate

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def networks(draw):
    """A few random layers (conv, grouped/depthwise conv, pool, fc), sometimes with a residual add."""
    channels = draw(st.integers(1, 48))
    height = size = draw(st.integers(1, 24))
    layers = []
    current = channels
    for index in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "conv", "depthwise", "pool"]))
        kernel = draw(st.integers(1, 5))
        pad = draw(st.integers(0, 2))
        stride = draw(st.integers(1, 3))
        if kernel > size + 2 * pad or (size + 2 * pad - kernel) // stride + 1 < 1:
            kernel, pad, stride = 1, 0, 1
        name = f"l{index}"
        if kind == "conv":
            groups = draw(st.sampled_from([g for g in (1, 2, 4) if current % g == 0]))
            out = groups * draw(st.integers(1, 24))
            layers.append({"name": name, "op": "conv", "out_channels": out, "kernel": kernel, "stride": stride,
                           "padding": pad, "groups": groups})
            current = out
        elif kind == "depthwise":
            layers.append({"name": name, "op": "conv", "out_channels": current, "kernel": kernel, "stride": stride,
                           "padding": pad, "groups": current})
        else:
            layers.append({"name": name, "op": "maxpool", "kernel": kernel, "stride": stride})
            if kernel > size:
                layers[-1].update(kernel=1, stride=1)
        size = (size + 2 * layers[-1].get("padding", 0) - layers[-1]["kernel"]) // layers[-1].get("stride", 1) + 1
    if draw(st.booleans()):
        layers.append({"name": "proj", "op": "conv", "out_channels": current, "kernel": 1, "inputs": [layers[-1]["name"]]})
        layers.append({"name": "sum", "op": "add", "inputs": ["proj", layers[-1]["name"] if len(layers) < 2 else layers[-2]["name"]]})
    if draw(st.booleans()):
        layers.append({"name": "fc", "op": "fc", "out_features": draw(st.integers(1, 100))})
    return _build(channels, height, layers, draw(st.integers(1, 3)))


def _build(channels, first_height, layers, batch):
    # Shapes were tracked loosely above; fall back to a larger input if a layer does not fit.
    for height in (first_height, 24, 48):
        try:
            return network_from_dict({"name": "random", "input": {"channels": channels, "height": height, "width": height, "batch": batch},
                                      "layers": layers})
        except ValueError:
            continue
    raise AssertionError("no input size fits")


@st.composite
def hardware(draw, **fixed):
    data = {
        "pe_array": {"rows": draw(st.integers(1, 40)), "cols": draw(st.integers(1, 40))},
        "cores": draw(st.integers(1, 6)),
        "dataflow": draw(st.sampled_from(["os", "ws", "is", "best"])),
        "memory": {
            # The smallest buffer stages one tile of every layer drawn (a 48-wide 5x5 window).
            "global_buffer_kib": draw(st.sampled_from([4, 8, 64, 512])),
            "dram_bandwidth_bytes_per_cycle": draw(st.sampled_from([None, 0.5, 4, 32, 512])),
        },
    }
    data.update(fixed)
    return data


def with_memory(data, **memory):
    return {**data, "memory": {**data["memory"], **memory}}


@SETTINGS
@given(networks(), hardware())
def test_physical_bounds(network, hw_data):
    hw = hardware_from_dict(hw_data)
    result = simulate(network, hw)
    for row in result.rows():
        assert row["utilization"] <= 1 + 1e-12
        assert row["cycles"] >= math.ceil(row["macs"] / hw.pes)
        assert row["energy"] >= row["macs"] * hw.energy.mac
        shares = sum(value for key, value in row.items() if key.startswith("loss_"))
        assert abs(shares + row["utilization"] - 1) < 1e-9
        assert row["cycles"] >= row["compute_cycles"] >= 0
    assert result.totals["utilization"] <= 1 + 1e-12


@SETTINGS
@given(networks(), hardware(), st.sampled_from([0.5, 4, 32]), st.sampled_from([2, 4, 16]))
def test_more_bandwidth_never_adds_cycles(network, hw_data, bandwidth, factor):
    slow = simulate(network, hardware_from_dict(with_memory(hw_data, dram_bandwidth_bytes_per_cycle=bandwidth)))
    fast = simulate(network, hardware_from_dict(with_memory(hw_data, dram_bandwidth_bytes_per_cycle=bandwidth * factor)))
    unlimited = simulate(network, hardware_from_dict(with_memory(hw_data, dram_bandwidth_bytes_per_cycle=None)))
    for s, f, u in zip(slow.column("cycles"), fast.column("cycles"), unlimited.column("cycles")):
        assert u <= f <= s


@SETTINGS
@given(networks(), hardware(), st.sampled_from([4, 16, 64]), st.sampled_from([2, 4, 64]))
def test_larger_buffer_never_adds_dram_traffic(network, hw_data, kib, factor):
    small = simulate(network, hardware_from_dict(with_memory(hw_data, global_buffer_kib=kib)))
    large = simulate(network, hardware_from_dict(with_memory(hw_data, global_buffer_kib=kib * factor)))
    # The schedule minimizes a layer's total DRAM words, so the total never grows; one
    # direction may (a bigger buffer can trade 94 KB of re-read weights for 40 KB of spilled
    # partial sums, which adds writes: hypothesis found such a layer).
    def total(result):
        return [r + w for r, w in zip(result.column("dram_read_bytes"), result.column("dram_write_bytes"))]

    for s, l in zip(total(small), total(large)):
        assert l <= s


@SETTINGS
@given(networks(), hardware(cores=1), st.integers(2, 8))
def test_more_cores_never_take_more_cycles(network, hw_data, cores):
    # The cores share the buffer, so in ws/is N cores keep up to N times the partial sums
    # waiting between row folds: they leave the DRAM schedule less room (or must be tiled),
    # which may cost DRAM time. Where no sums wait, more cores never hurt.
    one = simulate(network, hardware_from_dict(hw_data))
    many = simulate(network, hardware_from_dict({**hw_data, "cores": cores}))
    assume(all(s == "none" for run in (one, many) for s in run.column("psum_strategy")))
    for a, b in zip(one.column("cycles"), many.column("cycles")):
        assert b <= a


@SETTINGS
@given(networks(), hardware(cores=1, dataflow="os"), st.integers(2, 8))
def test_more_cores_never_take_more_cycles_in_os(network, hw_data, cores):
    one = simulate(network, hardware_from_dict(hw_data))
    many = simulate(network, hardware_from_dict({**hw_data, "cores": cores}))
    for a, b in zip(one.column("cycles"), many.column("cycles")):
        assert b <= a


@SETTINGS
@given(networks(), hardware())
def test_best_is_never_slower_than_any_preset(network, hw_data):
    best = simulate(network, hardware_from_dict({**hw_data, "dataflow": "best"})).column("cycles")
    for preset in ("os", "ws", "is"):
        cycles = simulate(network, hardware_from_dict({**hw_data, "dataflow": preset})).column("cycles")
        assert all(b <= c for b, c in zip(best, cycles))


@SETTINGS
@given(networks(), hardware())
def test_dram_traffic_is_at_least_compulsory_and_tiles_fit(network, hw_data):
    hw = hardware_from_dict(hw_data)
    result = simulate(network, hw)
    staging_words = hw.memory.global_buffer_kib * 1024 * 8 / hw.word_bits * (1 - hw.memory.activation_share)
    for layer, row in zip(network.layers, result.rows()):
        if not layer.has_macs:
            continue
        # Compulsory: every weight once, every input word once unless it is on chip, every
        # output word once unless it stays on chip (bytes round up per operand column).
        words = lambda count: (count * hw.word_bits + 7) // 8
        assert row["dram_read_filter_bytes"] >= words(layer.weights)
        if not row["input_on_chip"]:
            assert row["dram_read_ifmap_bytes"] >= words(layer.input_elements)
        if not row["output_on_chip"]:
            assert row["dram_write_bytes"] >= words(layer.output_elements)
        assert row["buffer_footprint_words"] <= staging_words + 1  # + 1: the held sums round up
