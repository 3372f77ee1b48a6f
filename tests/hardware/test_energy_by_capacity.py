"""Energy that knows size and time: the buffer's per-access energy as a function of its
capacity, and static (leakage) power charged over the run time. Both opt-in (docs/model.md,
"Energy")."""

import math

import pytest

from sqnxt_sim import hardware_from_dict, load_network, simulate
from sqnxt_sim.errors import InputError
from sqnxt_sim.hardware import sram
from sqnxt_sim.hardware.energy import access_costs

from tests.helpers import one_layer_network, tiny_hardware

POINTS = [{"kib": 64, "energy": 4}, {"kib": 256, "energy": 8}]
LAYER = ({"op": "conv", "out_channels": 8, "kernel": 3, "padding": 1}, 4, 8, 8)


def buffer_cost(kib, **energy):
    return access_costs(tiny_hardware(memory={"global_buffer_kib": kib}, energy=energy)).global_buffer


def test_points_interpolate_log_log():
    # Between (64, 4) and (256, 8) the log-log slope is log(2) / log(4) = 0.5:
    # 128 KiB -> 4 x 2^0.5; beyond the ends the end segment goes on: 1024 KiB -> 4 x 16^0.5 = 16.
    assert buffer_cost(128, global_buffer_by_capacity=POINTS) == pytest.approx(4 * math.sqrt(2))
    assert buffer_cost(1024, global_buffer_by_capacity=POINTS) == pytest.approx(16)
    assert buffer_cost(16, global_buffer_by_capacity=POINTS) == pytest.approx(2)  # 4 x (1/4)^0.5
    assert buffer_cost(256, global_buffer_by_capacity=POINTS) == pytest.approx(8)


def test_a_curve_prices_accesses_as_the_fixed_cost_would():
    network = one_layer_network(*LAYER)
    curve = simulate(network, tiny_hardware(memory={"global_buffer_kib": 128},
                                            energy={"global_buffer_by_capacity": POINTS}))
    fixed = simulate(network, tiny_hardware(memory={"global_buffer_kib": 128},
                                            energy={"global_buffer": 4 * math.sqrt(2)}))
    assert curve.totals["energy"] == pytest.approx(fixed.totals["energy"])
    assert curve.totals["cycles"] == fixed.totals["cycles"]


@pytest.mark.parametrize("energy, words", [
    ({"global_buffer": 6, "global_buffer_by_capacity": POINTS}, "not both"),
    ({"global_buffer_by_capacity": [{"kib": 64, "energy": 4}, {"kib": 64, "energy": 8}]}, "must increase"),
    ({"global_buffer_by_capacity": [{"kib": 64, "energy": 4}]}, "global_buffer_by_capacity"),
    ({"global_buffer_by_capacity": [{"kib": 64, "energy": 0}, {"kib": 128, "energy": 1}]}, "energy"),
    ({"static_power": {"per_pe": -1, "per_buffer_kib": 0}}, "per_pe"),
    ({"static_power": "cacti"}, "static_power"),
])
def test_bad_curves_and_static_power_are_refused(energy, words):
    with pytest.raises(InputError, match=words):
        hardware_from_dict({"pe_array": {"rows": 4, "cols": 4}, "energy": energy})


def test_static_power_is_charged_over_the_run_time():
    # 4 x 4 PEs and 128 KiB at 500 MHz: leakage 16 x 0.01 + 128 x 0.002 = 0.416 units per
    # microsecond; a layer of C cycles lasts C / 500 microseconds.
    network = one_layer_network(*LAYER)
    hw = tiny_hardware(memory={"global_buffer_kib": 128}, clock_mhz=500,
                       energy={"static_power": {"per_pe": 0.01, "per_buffer_kib": 0.002}})
    row = simulate(network, hw).rows()[0]
    assert row["energy_static"] == pytest.approx(row["cycles"] / 500 * 0.416)
    plain = simulate(network, tiny_hardware(memory={"global_buffer_kib": 128})).rows()[0]
    assert plain["energy_static"] == 0
    assert row["energy"] == pytest.approx(plain["energy"] + row["energy_static"])


def test_the_built_in_table_is_cactis_in_eyeriss_units():
    table = sram.TABLE
    # The unit: Eyeriss's 108 KiB buffer costs 6 MACs per access (ISCA 2016, Table IV).
    assert buffer_cost(108, global_buffer_by_capacity=sram.BUILT_IN) == pytest.approx(6)
    # CACTI's own numbers grow with capacity: energy per access and leakage per KiB x KiB.
    assert list(table.pj_per_word) == sorted(table.pj_per_word)
    leak = [k * u for k, u in zip(table.kib, table.leakage_uw_per_kib)]
    assert leak == sorted(leak)
    # In pJ the table is CACTI's, per 16-bit word (a 32-bit word reads twice the bits).
    pj = access_costs(tiny_hardware(memory={"global_buffer_kib": table.kib[2]},
                                    energy={"unit": "pJ", "global_buffer_by_capacity": sram.BUILT_IN}))
    assert pj.global_buffer == pytest.approx(table.pj_per_word[2])
    wide = access_costs(tiny_hardware(memory={"global_buffer_kib": table.kib[2]}, word_bits=32,
                                      energy={"unit": "pJ", "global_buffer_by_capacity": sram.BUILT_IN}))
    assert wide.global_buffer == pytest.approx(2 * table.pj_per_word[2])


def test_shipped_presets_do_not_opt_in():
    from sqnxt_sim import resolve_hardware
    from pathlib import Path
    for name in sorted(p.stem for p in (Path(__file__).parents[2] / "hwconfigs").glob("*.yaml")):
        energy = resolve_hardware(name).energy
        assert energy.global_buffer_by_capacity is None and energy.static_power is None, name


def test_an_opted_in_buffer_sweep_no_longer_finds_bigger_is_free():
    # sqnxt23_v1 on a 32 x 32 os array, buffers 16 KiB .. 16 MiB. With a fixed cost per access a
    # bigger buffer only removes DRAM traffic, so energy never rises; with the CACTI curve and
    # leakage a buffer past what the network reuses costs more than it saves.
    network = load_network("sqnxt23_v1")
    sizes = [16, 64, 256, 1024, 4096, 16384]

    def energies(energy):
        return [simulate(network, tiny_hardware(32, 32, memory={"global_buffer_kib": kib}, energy=energy)).totals["energy"]
                for kib in sizes]

    fixed = energies({})
    assert all(b <= a * (1 + 1e-12) for a, b in zip(fixed, fixed[1:]))
    opted = energies({"global_buffer_by_capacity": sram.BUILT_IN, "static_power": sram.BUILT_IN})
    best = min(range(len(sizes)), key=opted.__getitem__)
    assert best < len(sizes) - 1
    assert opted[-1] > opted[best]
