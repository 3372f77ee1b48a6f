"""The words of every report: batch, energy units and dimensionless columns, shared labels, '-' layers."""

import csv
import io

import pytest

from sqnxt_sim import hardware_from_dict, network_from_dict, resolve_hardware, simulate
from sqnxt_sim.report import compare_plots, plots
from sqnxt_sim.report.catalog import network_text
from sqnxt_sim.report.compare import comparison_csv, comparison_files, comparison_json, comparison_rows
from sqnxt_sim.studies.compare import compare
from sqnxt_sim.report.compare import comparison_text
from sqnxt_sim.report.export import energy_header, layers_csv, rows_csv
from sqnxt_sim.report.labels import LEVEL_LABELS, LOSS_LABELS, energy_column_unit, energy_unit, is_picojoules
from sqnxt_sim.report.labels import per_run_text
from sqnxt_sim.report.stages import stage_rows
from sqnxt_sim.report.table import layer_table_text, totals_text


def pointwise(k: int, batch: int = 1, name: str | None = None):
    """One 1x1 conv, 32 -> k channels on an 8x8 input, ``batch`` images."""
    return network_from_dict({"name": name or f"k{k}",
                              "input": {"channels": 32, "height": 8, "width": 8, "batch": batch},
                              "layers": [{"name": "conv", "op": "conv", "out_channels": k, "kernel": 1,
                                          "stage": "s1"}]})


# The README's example: relu and concat are free (0 cycles), add and pool have no MACs.
TINY = {"name": "tiny", "input": {"channels": 3, "height": 32, "width": 32}, "layers": [
    {"name": "conv1", "op": "conv", "out_channels": 16, "kernel": [3, 3], "stride": 1, "padding": 1},
    {"name": "r", "op": "relu"},
    {"name": "pw", "op": "conv", "out_channels": 32, "kernel": 1, "stage": "body"},
    {"name": "skip", "op": "conv", "inputs": ["r"], "out_channels": 32, "kernel": 1, "stage": "body"},
    {"name": "add1", "op": "add", "inputs": ["pw", "skip"], "stage": "body"},
    {"name": "cat", "op": "concat", "inputs": ["pw", "add1"], "stage": "body"},
    {"name": "pool", "op": "avgpool", "global": True, "stage": "head"},
    {"name": "fc", "op": "fc", "out_features": 10, "bias": True, "stage": "head"},
]}


class FigureTexts:
    """Stands in for png_bytes: keeps every text of each figure drawn instead of rendering it."""

    def __init__(self):
        self.figures: list[list[str]] = []

    def __call__(self, fig, dpi: int = 100) -> bytes:
        from matplotlib.text import Text

        self.figures.append([t.get_text() for t in fig.findobj(Text) if t.get_text()])
        plots.pyplot().close(fig)
        return b""


@pytest.fixture
def figure_texts(monkeypatch):
    texts = FigureTexts()
    monkeypatch.setattr(compare_plots, "png_bytes", texts)
    monkeypatch.setattr(plots, "png_bytes", texts)
    return texts


# ----------------------------------------------------------------------------- batch


def test_per_run_text():
    assert per_run_text([1, 1]) == "per inference"
    assert per_run_text([4, 4]) == "per batch of 4"
    assert per_run_text([1, 4]) == "per batch"


def test_compare_at_batch_2_says_per_batch(figure_texts):
    # 32pe_os, os: batch 2 puts 2 x 64 = 128 pixels on the 32 rows, 4 folds of
    # 32 + 32 + 32 - 2 = 94 cycles = 376 cycles (batch 1: 2 folds, 188); MACs double.
    comparison = compare([pointwise(16, batch=2), pointwise(32, batch=2)], ["32pe_os"])
    rows = comparison_rows(comparison)
    assert [(r["batch"], r["cycles"], r["macs"]) for r in rows] == [(2, 376, 65_536), (2, 376, 131_072)]
    text = comparison_text(comparison)
    assert text.splitlines()[0].split()[:3] == ["hardware", "network", "batch"]
    assert "per batch of 2 inferences" in text
    header = next(csv.reader(io.StringIO(comparison_csv(comparison))))
    assert "batch" in header
    assert "per batch of 2" in comparison_json(comparison)
    comparison_files(comparison)
    totals, stages, layers = figure_texts.figures
    assert "time per batch of 2 (ms)" in totals and "energy per batch of 2" in totals
    assert not [t for t in totals + stages + layers if "per inference" in t or "batch 1" in t]
    assert any("cycles per batch of 2" in t for t in stages)
    assert any(t.endswith("for a batch of 2") for t in layers)


def test_compare_at_batch_1_says_per_inference(figure_texts):
    comparison = compare([pointwise(16), pointwise(32)], ["32pe_os"])
    assert "batch" not in comparison_text(comparison).splitlines()[0]  # the table's look is unchanged
    assert [r["batch"] for r in comparison_rows(comparison)] == [1, 1]  # the CSV always has the column
    comparison_files(comparison)
    totals = figure_texts.figures[0]
    assert "time per inference (ms)" in totals
    assert any(t.endswith("per inference (batch 1)") for t in totals)


def test_compare_with_different_batches_names_each(figure_texts):
    comparison = compare([pointwise(16), pointwise(32, batch=4)], ["32pe_os"])
    assert [r["batch"] for r in comparison_rows(comparison)] == [1, 4]
    assert "the batches differ" in comparison_text(comparison)
    comparison_files(comparison)
    totals = figure_texts.figures[0]
    assert "time per batch (ms)" in totals and "k32\nbatch 4" in totals


def test_show_labels_the_batch_axis():
    batch4 = network_from_dict({**TINY, "input": {**TINY["input"], "batch": 4}})
    assert "input     4x3x32x32 (batch x channels x height x width)" in network_text(batch4)
    assert "input     3x32x32 (channels x height x width)" in network_text(network_from_dict(TINY))


def test_run_totals_name_the_batch():
    results = simulate(pointwise(16, batch=2), resolve_hardware("32pe_os"))
    assert "k16 at batch 2 (all totals are per batch)" in totals_text(results).splitlines()[0]
    assert "batch" not in totals_text(simulate(pointwise(16), resolve_hardware("32pe_os"))).splitlines()[0]


# ----------------------------------------------------------------------------- units


def test_ratios_and_shares_get_no_energy_unit():
    assert energy_header("energy", "pJ") == "energy_pJ"
    assert energy_header("energy_dram", "macnorm") == "energy_dram_macnorm"
    for key in ("energy_ratio", "energy_per_mac_ratio", "energy_saving", "energy_dram_share", "energy_unit"):
        assert energy_header(key, "macnorm") == key
    header = next(csv.reader(io.StringIO(comparison_csv(compare([pointwise(16), pointwise(32)], ["32pe_os"])))))
    assert "energy_ratio" in header and "energy_macnorm" in header
    assert not [h for h in header if "ratio" in h and h.endswith("macnorm")]


def test_picojoule_configs_are_labelled_pj():
    pj = hardware_from_dict({"name": "pj", "pe_array": {"rows": 8, "cols": 8},
                             "energy": {"unit": "pJ", "mac": 0.5, "dram": 100}})
    results = simulate(pointwise(16), pj)
    assert is_picojoules(results) and energy_unit(results) == "pJ" and energy_column_unit(results) == "pJ"
    assert layer_table_text(results).splitlines()[0].endswith("energy pJ")
    assert " pJ; by level" in totals_text(results) or " uJ; by level" in totals_text(results)
    assert "energy_pJ" in layers_csv(results).splitlines()[0]
    default = simulate(pointwise(16), resolve_hardware("32pe_os"))
    assert not is_picojoules(default) and energy_column_unit(default) == "E(MAC=1)"


# ----------------------------------------------------------------------------- shared labels


def test_one_wording_for_levels_and_losses(figure_texts):
    results = simulate(network_from_dict(TINY), resolve_hardware("squeezelerator"))
    totals = totals_text(results)
    for level, label in LEVEL_LABELS.items():
        # Leakage is named only where the config charges it (energy.static_power).
        assert (f"{label} " in totals.split("by level:")[1]) == (level != "static"), label
    leaky = resolve_hardware("squeezelerator").model_copy(
        update={"energy": resolve_hardware("squeezelerator").energy.model_copy(update={"static_power": "cacti_65nm"})})
    assert "static (leakage) " in totals_text(simulate(network_from_dict(TINY), leaky))
    plots.run_figures(results)
    utilization, cycles_energy, stages = figure_texts.figures
    assert {f"lost: {LOSS_LABELS[c]}" for c in ("loss_fill_drain", "loss_non_mac")} <= set(utilization)
    assert set(LEVEL_LABELS.values()) <= set(cycles_energy) and set(LEVEL_LABELS.values()) <= set(stages)


def test_layer_table_keeps_its_columns():
    results = simulate(pointwise(16), resolve_hardware("32pe_os"))
    # 32pe_os: 2 folds of 94 cycles = 0.376 us at 500 MHz (shown 0.4); 32,768 MACs / (188 x 1,024 PEs) = 0.170.
    header, rule, line = layer_table_text(results).splitlines()
    assert header.split() == ["#", "layer", "op", "shape", "(in", "->", "out)", "MACs", "cycles", "share", "time", "us",
                              "util", "spatial", "lost", "most", "to", "dataflow", "bound", "energy", "E(MAC=1)"]
    assert set(rule) == {"-", " "}
    # The only layer: all the cycles. Fill/drain 2 x 62 of the 188 cycles = 66%; small
    # dimensions (16 of 32 columns while streaming) 2 x 32 x 512 / (188 x 1,024) = 17%.
    assert line.split()[:15] == ["0", "conv", "conv", "32x8x8", "->", "16x8x8", "32.77k", "188", "100.0%", "0.4", "0.170",
                                 "0.500", "fill/drain", "66%", "os"]


# ----------------------------------------------------------------------------- layers without MACs


def test_free_and_non_mac_layers_render_everywhere(figure_texts):
    results = simulate(network_from_dict(TINY), resolve_hardware("4core_16x16_os"))
    by_name = {row["name"]: row for row in results.rows()}
    # The engine marks them None (no split without MACs, no bound without cycles); reports show '-'.
    assert (by_name["r"]["bound"], by_name["cat"]["bound"]) == (None, None)
    assert (by_name["add1"]["core_split"], by_name["pool"]["core_split"]) == (None, None)
    table = layer_table_text(results).splitlines()
    assert len(table) == 2 + 8
    assert [line.split()[1] for line in table[2:]] == list(by_name)
    assert "non-MAC layers" in totals_text(results)
    rows = list(csv.DictReader(io.StringIO(layers_csv(results))))
    assert [r["bound"] for r in rows if r["name"] in ("r", "cat")] == ["-", "-"]
    assert sum(r["cycles"] for r in stage_rows(results)) == results.totals["cycles"]
    assert rows_csv(stage_rows(results), energy_suffix="macnorm")
    plots.run_figures(results)
    comparison_files(compare([network_from_dict(TINY), pointwise(16)], ["4core_16x16_os"]))
    assert len(figure_texts.figures) == 3 + 3
