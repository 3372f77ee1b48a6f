import pytest

from sqnxt_sim.hardware.energy import access_costs

from sqnxt_sim import InputError, hardware_from_dict, resolve_hardware
from sqnxt_sim.hardware.load import shipped_configs


@pytest.mark.parametrize("name", ["32pe_os", "32pe_ws", "16x16_os", "16x16_ws", "8x8_os", "8x8_ws"])
def test_shipped_configs_load(name):
    hw = resolve_hardware(name)
    side = {"32pe": 32, "16x16": 16, "8x8": 8}[name.rsplit("_", 1)[0]]
    assert (hw.pe_array.rows, hw.pe_array.cols) == (side, side)
    assert hw.dataflow == name.rsplit("_", 1)[1]


def test_32pe_is_a_32_by_32_array():
    assert resolve_hardware("hwconfigs/32pe_os.yaml").pes == 1024
    assert set(shipped_configs()) >= {"32pe_os", "32pe_ws"}


def test_defaults_are_eyeriss_normalized_energy():
    hw = hardware_from_dict({"pe_array": {"rows": 4, "cols": 4}})
    e = hw.energy
    # global_buffer is null unless given: access_costs prices it 6 (or by capacity when opted in).
    assert (e.unit, e.mac, e.register_file, e.inter_pe, access_costs(hw).global_buffer, e.dram) == (
        "mac_normalized", 1, 1, 2, 6, 200)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"pe_array": {"rows": -1, "cols": 4}}, "pe_array.rows"),
        ({"pe_array": {"rows": 4.5, "cols": 4}}, "pe_array.rows"),
        ({"pe_array": {"rows": 4, "cols": 4}, "cores": 0}, "cores"),
        ({"pe_array": {"rows": 4, "cols": 4}, "clock_mhz": "fast"}, "clock_mhz"),
        ({"pe_array": {"rows": 4, "cols": 4}, "memory": {"global_buffer_kib": 0}}, "memory.global_buffer_kib"),
        ({"pe_array": {"rows": 4, "cols": 4, "depth": 2}}, "pe_array.depth"),
        ({}, "pe_array"),
    ],
)
def test_invalid_values_name_the_field(data, field):
    with pytest.raises(InputError) as caught:
        hardware_from_dict(data, "hw.yaml")
    assert caught.value.field == field
    assert str(caught.value).startswith(f"hw.yaml: {field}: ")
