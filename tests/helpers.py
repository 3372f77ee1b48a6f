from __future__ import annotations

import pytest

from sqnxt_sim import hardware_from_dict, network_from_dict


def tiny_hardware(rows: int = 4, cols: int = 4, dataflow: str = "os", **extra):
    return hardware_from_dict({"name": f"{rows}x{cols}_{dataflow}", "pe_array": {"rows": rows, "cols": cols},
                               "dataflow": dataflow, **extra})


def one_layer_network(layer: dict, channels: int, height: int, width: int | None = None):
    return network_from_dict({"name": "one", "input": {"channels": channels, "height": height, "width": width or height},
                              "layers": [{"name": "layer", **layer}]})


@pytest.fixture
def make_hw():
    return tiny_hardware
