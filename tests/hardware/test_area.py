"""The area model (hardware/area.py): hand-derived chips, overrides, monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from sqnxt_sim import InputError
from sqnxt_sim.hardware.area import area_of
from tests.helpers import tiny_hardware

# The published numbers the defaults rest on (hardware/area.py gives the sources): the Aladdin
# table at 40 nm, 32-bit units, um^2: multiplier 5140 and adder 179 at a 2 ns period, 6350 and 278
# at 1 ns, 8340 and 379 at 0.5 ns; a register bit 5.98. CACTI 7 at 65 nm
# (benchmarks/cacti_buffer_table.json), mm^2: 512 B 0.00449938, 8 KiB 0.0549269, 64 KiB 0.38325.
TO_65 = (65 / 40) ** 2  # ideal area scaling from 40 to 65 nm: 2.640625
TO_40 = (40 / 65) ** 2


def test_a_4x4_chip_at_65nm_and_500mhz():
    area = area_of(tiny_hardware(memory={"global_buffer_kib": 8}))
    # 500 MHz is a 2 ns period: the 2 ns row. 16-bit MAC: 5140 x (16/32)^2 = 1285 for the multiplier,
    # 179 x 32/32 for the 32-bit accumulator adder: 1464 um^2 at 40 nm.
    mac = 1464 * TO_65  # 3865.875 um^2
    rf = 0.00449938e6  # 512 bytes of SRAM, um^2
    links = 3 * 16 * 5.98 * TO_65  # 3 words of flip-flops: 757.97 um^2
    assert area.mac == pytest.approx(16 * mac * 1e-6)
    assert area.register_file == pytest.approx(16 * rf * 1e-6)
    assert area.inter_pe == pytest.approx(16 * links * 1e-6)
    assert area.global_buffer == pytest.approx(0.0549269)
    assert area.vector_unit == 0 and area.cores == 0
    # 16 x 9123.22 um^2 + 0.0549269 mm^2
    assert area.total == pytest.approx(0.200899, rel=1e-5)


def test_two_8bit_cores_at_40nm_and_1ghz_with_a_vector_unit_and_core_overhead():
    area = area_of(tiny_hardware(8, 8, cores=2, word_bits=8, clock_mhz=1000, vector_unit={"lanes": 4},
                                 memory={"register_file_bytes": 8192, "global_buffer_kib": 64},
                                 area={"technology_nm": 40, "per_core_mm2": 0.1}))
    # 1 ns row, as published at 40 nm: 6350 x (8/32)^2 = 396.875 and 278 x 16/32 = 139.
    mac = 396.875 + 139  # 535.875 um^2
    rf = 0.0549269e6 * TO_40  # 8 KiB of SRAM scaled from 65 to 40 nm: 20,800.7 um^2
    links = 3 * 8 * 5.98  # 143.52 um^2
    assert area.mac == pytest.approx(128 * mac * 1e-6)
    assert area.register_file == pytest.approx(128 * rf * 1e-6)
    assert area.inter_pe == pytest.approx(128 * links * 1e-6)
    assert area.global_buffer == pytest.approx(0.38325 * TO_40)  # 0.145136 mm^2
    assert area.vector_unit == pytest.approx(2 * 4 * mac * 1e-6)  # a lane is a PE-class datapath
    assert area.cores == pytest.approx(0.2)
    # 128 x 21,480.1 um^2 + 0.145136 + 0.004287 + 0.2 mm^2
    assert area.total == pytest.approx(3.09887, rel=1e-5)


def test_a_clock_no_row_meets_takes_the_fastest_units():
    # 3 GHz is a 0.33 ns period, faster than any row: the 0.5 ns row, 8340 / 4 + 379 at 40 nm.
    fast = area_of(tiny_hardware(1, 1, clock_mhz=3000))
    assert fast.mac == pytest.approx((8340 / 4 + 379) * TO_65 * 1e-6)
    # 100 MHz (10 ns) and 250 MHz (4 ns): the 5 ns row and the 4 ns row.
    assert area_of(tiny_hardware(1, 1, clock_mhz=100)).mac == pytest.approx((4600 / 4 + 179) * TO_65 * 1e-6)
    assert area_of(tiny_hardware(1, 1, clock_mhz=250)).mac == pytest.approx((4620 / 4 + 179) * TO_65 * 1e-6)


def test_overrides_replace_the_defaults_as_given():
    area = area_of(tiny_hardware(2, 2, memory={"global_buffer_kib": 32},
                                 area={"mac_um2": 1000, "register_file_um2": 2000, "inter_pe_um2": 0,
                                       "global_buffer_by_capacity": [{"kib": 16, "mm2": 0.1}, {"kib": 64, "mm2": 0.4}]}))
    assert area.mac == pytest.approx(4 * 1000e-6)
    assert area.register_file == pytest.approx(4 * 2000e-6)
    assert area.inter_pe == 0
    # log-log: 32 KiB is the midpoint of 16 and 64, so sqrt(0.1 x 0.4) = 0.2 mm^2
    assert area.global_buffer == pytest.approx(0.2)


@pytest.mark.parametrize("area, field", [
    ({"global_buffer_by_capacity": "cacti_7nm"}, "area.global_buffer_by_capacity"),
    ({"mac_um2": -1}, "area.mac_um2"),
    ({"per_core_mm2": True}, "area.per_core_mm2"),
    ({"technology_nm": 0}, "area.technology_nm"),
    ({"tech": 65}, "area.tech"),
])
def test_bad_area_keys_name_the_field(area, field):
    with pytest.raises(InputError) as error:
        tiny_hardware(area=area)
    assert error.value.field == field


@settings(max_examples=30, deadline=None)
@given(rows=st.integers(1, 64), cols=st.integers(1, 64), cores=st.integers(1, 4), clock=st.floats(50, 3000),
       kib=st.floats(0.25, 4096), more=st.integers(1, 64), factor=st.floats(1.01, 16))
def test_area_grows_with_pes_and_buffer(rows, cols, cores, clock, kib, more, factor):
    def total(rows=rows, cores=cores, kib=kib, clock=clock):
        return area_of(tiny_hardware(rows, cols, cores=cores, clock_mhz=clock, memory={"global_buffer_kib": kib})).total

    base = total()
    assert total(rows=rows + more) > base
    assert total(cores=cores + 1) > base
    assert total(kib=kib * factor) > base
    assert total(clock=clock * factor) >= base  # a faster clock needs faster (larger) units
