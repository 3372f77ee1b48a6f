"""Our compute cycles against the real SCALE-Sim, one layer at a time, with no memory stalls.

Claim (docs/model.md, "Mapping and compute cycles"): with unlimited DRAM bandwidth a layer's compute
cycles equal SCALE-Sim's cycle count for the same layer, array and dataflow, plus one
(SCALE-Sim counts from cycle 0). Per fold: T + rows + cols - 2 (os), 2*rows + cols + T - 2
(ws, is); folds = ceil(Sr/rows) * ceil(Sc/cols).

Where the numbers in CASES come from
------------------------------------
scalesim 3.0.0 from PyPI, installed in a throwaway venv (never a dependency of this project),
with numpy 2.3.5 (scalesim 3.0.0 crashes under numpy >= 2.4: it calls int() on a 1-element
array). Produced by benchmarks/scalesim_crosscheck.py, conv topology mode, one topology file
per (layer, array, dataflow), config:

    [run_presets]           InterfaceBandwidth = CALC  (estimate-bandwidth mode: SRAM reads
                            always hit, so no read stalls), UseRamulatorTrace = False
    [architecture_presets]  ArrayHeight = rows, ArrayWidth = cols, Dataflow = os | ws | is,
                            ifmap / filter / ofmap SRAM 4096 kB each (the ofmap buffer never
                            fills mid-layer, so no write stalls)
    [layout]                IfmapCustomLayout = FilterCustomLayout = False
    [sparsity]              SparsitySupport = false

Recorded value: the "Total Cycles" column of COMPUTE_REPORT.csv (compute cycles including
stalls; "Stall Cycles" was 0 in every run). Not "Total Cycles (incl. prefetch)", which adds
the DRAM prefetch window before the first compute cycle.

Conversion of one of our layers to a SCALE-Sim topology row (scalesim_rows below)
-------------------------------------------------------------------------------------
* SCALE-Sim has no padding field and sizes the output as ceil((H - R + stride) / stride).
  For stride > 1 that is one more than the floor rule (ours, PyTorch, Caffe convolution)
  whenever (H - R) is not a multiple of the stride: the extra window hangs off the edge and
  its missing pixels become null requests. So the row gets the input extent the windows
  really cover, H' = (P - 1) * stride + R and W' = (Q - 1) * stride + S. That is the
  pre-padded size H + 2 * pad whenever the stride divides evenly, and one row/column less
  otherwise (feeding H + 2 * pad there gives SCALE-Sim a bigger layer: see
  test_prepadded_size_would_add_an_output_row_when_stride_does_not_divide).
* SCALE-Sim takes one stride for both axes; every case here has a square stride.
* Depthwise (G = C = K, one filter per channel): SCALE-Sim's "DP" layer-name convention
  splits the layer into C layers of one channel and one filter, run one after another, each
  counted from 0. The recorded value is their sum, so ours must equal it plus G, one per
  SCALE-Sim layer (our groups also run one after another).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sqnxt_sim import simulate

from tests.helpers import one_layer_network, tiny_hardware

SCALESIM_VERSION = "3.0.0"
DATAFLOWS = ("os", "ws", "is")


@dataclass(frozen=True)
class Case:
    name: str
    channels: int  # C, all input channels
    height: int  # H
    width: int  # W
    out_channels: int  # K
    kernel: tuple[int, int]  # R x S
    stride: int
    padding: tuple[int, int]  # rows, columns (each side)
    array: tuple[int, int]  # PE rows x cols
    os: int  # SCALE-Sim "Total Cycles" (summed over its layers for depthwise)
    ws: int
    is_: int
    groups: int = 1  # > 1 only for depthwise (groups == channels == out_channels)

    def scalesim(self, dataflow: str) -> int:
        return {"os": self.os, "ws": self.ws, "is": self.is_}[dataflow]

    @property
    def scalesim_layers(self) -> int:
        """How many SCALE-Sim layers (each counted from cycle 0) the layer becomes."""
        return self.groups


# fmt: off
CASES = [
    #     name                       C    H    W   K  kernel   s  padding  array        os     ws     is
    # 1x1, partial last fold in both dims for every dataflow (100 px, 20 ch on 8 x 8)
    Case("pw_partial_both",          20,  10,  10, 20, (1, 1), 1, (0, 0), (8, 8),    1325,  1097,  1637),
    # 1x1 on 16 x 16: 196 px = 12 folds + 4, 24 filters = 1 fold + 8
    Case("pw_14x14",                 16,  14,  14, 24, (1, 1), 1, (0, 0), (16, 16),  1195,   483,   909),
    # 1x1 on 32 x 32: 49 px = 32 + 17, 64 filters = 2 full folds
    Case("pw_7x7_64",                64,   7,   7, 64, (1, 1), 1, (0, 0), (32, 32),   503,   571,   631),
    # 3x3 stride 2 pad 1: (16 + 2 - 3) // 2 + 1 = 8, SCALE-Sim ifmap 17 x 17
    Case("conv3x3_s2_pad1",           8,  16,  16, 16, (3, 3), 2, (1, 1), (16, 16),   407,   549,  1239),
    # 3x3 stride 2 no pad, stride does not divide: (16 - 3) // 2 + 1 = 7, SCALE-Sim ifmap 15 x 15
    Case("conv3x3_s2_floor",          4,  16,  16,  8, (3, 3), 2, (0, 0), (8, 8),     349,   354,  1049),
    # 3x3 pad 1, D = 288 reductions
    Case("conv3x3_32ch",             32,  14,  14, 32, (3, 3), 1, (1, 1), (32, 32),  2449,  2609,  7937),
    # SqueezeNext-style 3x1 and 1x3 (padding on one axis only)
    Case("sqnxt_3x1",                 8,  14,  14, 16, (3, 1), 1, (1, 0), (16, 16),   701,   483,  1611),
    Case("sqnxt_1x3",                16,  14,  14,  8, (1, 3), 1, (0, 1), (8, 16),   1749,  1355,  2963),
    # first-layer-like 7x7 stride 2 on 3 channels (D = 147)
    Case("conv7x7_s2",                3,  23,  23, 16, (7, 7), 2, (0, 0), (32, 32),   626,   874,  1649),
    # non-square arrays both ways round (rows and columns must not be swapped)
    Case("conv3x3_on_8x16",           8,  10,  10, 24, (3, 3), 1, (1, 1), (8, 16),   2443,  2339,  3401),
    Case("pw_partial_on_16x8",       20,  10,  10, 20, (1, 1), 1, (0, 0), (16, 8),    881,   827,  1507),
    # FC = 1x1 conv on a 1x1 input
    Case("fc_100_to_10",            100,   1,   1, 10, (1, 1), 1, (0, 0), (8, 8),     227,   597,   415),
    # smaller than the array in every dimension
    Case("tiny_on_32x32",             4,   3,   3,  6, (1, 1), 1, (0, 0), (32, 32),    65,   102,    99),
    # depthwise 3x3 pad 1, 8 groups: SCALE-Sim "DP" layer = 8 one-channel layers
    Case("depthwise3x3",              8,   8,   8,  8, (3, 3), 1, (1, 1), (8, 8),    1464,  1368,  2936, groups=8),
]
# fmt: on


def network_of(case: Case):
    layer = {"op": "conv", "out_channels": case.out_channels, "kernel": list(case.kernel),
             "stride": case.stride, "padding": list(case.padding), "groups": case.groups}
    return one_layer_network(layer, case.channels, case.height, case.width)


def scalesim_rows(layer, name: str) -> list[list]:
    """SCALE-Sim conv topology rows (name, ifmap h, ifmap w, filter h, filter w, channels,
    filters, stride) for one of our MAC layers, by the conversion in the module docstring."""
    if layer.stride_h != layer.stride_w or layer.n != 1:
        raise ValueError(f"{name}: SCALE-Sim has one stride for both axes and batch 1")
    height = (layer.p - 1) * layer.stride_h + layer.r
    width = (layer.q - 1) * layer.stride_w + layer.s
    name = name.replace(",", "_").replace("DP", "dp")  # "DP" in a name means depthwise to SCALE-Sim
    if layer.g == 1:
        return [[name, height, width, layer.r, layer.s, layer.c, layer.k, layer.stride_h]]
    if layer.c != 1 or layer.k != layer.g:
        raise ValueError(f"{name}: only depthwise grouped layers map onto SCALE-Sim")
    return [[f"DP_{name}", height, width, layer.r, layer.s, layer.g, 1, layer.stride_h]]


def scalesim_topology(case: Case) -> list[list]:
    return scalesim_rows(network_of(case).layers[0], case.name)


def scalesim_output_size(size: int, kernel: int, stride: int) -> int:
    """SCALE-Sim 3.0.0's rule (topology_utils.topo_calc_hyperparams)."""
    return -(-(size - kernel + stride) // stride)


def hardware_of(case: Case, dataflow: str):
    rows, cols = case.array
    return tiny_hardware(rows, cols, dataflow)  # no DRAM bandwidth given: unlimited


def test_cases_are_recorded():
    assert all(case.scalesim(df) > 0 for case in CASES for df in DATAFLOWS)
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("dataflow", DATAFLOWS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_compute_cycles_equal_scalesim_plus_one(case, dataflow):
    row = simulate(network_of(case), hardware_of(case, dataflow)).rows()[0]
    assert row["stall_cycles"] == 0
    assert row["compute_cycles"] == row["cycles"]
    assert row["compute_cycles"] == case.scalesim(dataflow) + case.scalesim_layers


@pytest.mark.parametrize("dataflow", DATAFLOWS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_design_formula_reproduces_scalesim(case, dataflow):
    """The docs/model.md formula by hand, without the engine: pins SCALE-Sim's fold rule."""
    layer = network_of(case).layers[0]
    rows, cols = case.array
    m, d, f = layer.p * layer.q, layer.r * layer.s * layer.c, layer.k // layer.g
    sr, sc, t = {"os": (m, f, d), "ws": (d, f, m), "is": (d, m, f)}[dataflow]
    fill = rows + cols - 2 if dataflow == "os" else 2 * rows + cols - 2
    folds = -(-sr // rows) * -(-sc // cols)
    assert layer.g * (folds * (t + fill) - 1) == case.scalesim(dataflow)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_scalesim_topology_reproduces_our_layer(case):
    layer = network_of(case).layers[0]
    ((_, height, width, r, s, channels, filters, stride),) = scalesim_topology(case)
    assert scalesim_output_size(height, r, stride) == layer.p
    assert scalesim_output_size(width, s, stride) == layer.q
    layers = channels if case.groups > 1 else 1  # a "DP" row is split per channel
    per_layer_channels = 1 if case.groups > 1 else channels
    assert layers * layer.p * layer.q * r * s * per_layer_channels * filters == layer.macs


def test_prepadded_size_would_add_an_output_row_when_stride_does_not_divide():
    # conv3x3_s2_pad1: padded input 18, floor rule (18 - 3) // 2 + 1 = 8, SCALE-Sim rule 9.
    case = next(c for c in CASES if c.name == "conv3x3_s2_pad1")
    padded = case.height + 2 * case.padding[0]
    assert (padded - 3) // 2 + 1 == 8
    assert scalesim_output_size(padded, 3, 2) == 9
    assert scalesim_topology(case)[0][1] == 17
