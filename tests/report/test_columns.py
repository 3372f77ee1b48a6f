"""The column glossary: docs/columns.md is generated from it, every column of every output
matches exactly one of the definitions that list that output, and no definition is dead."""

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqnxt_sim import load_network, resolve_hardware, simulate
from sqnxt_sim.cli import main
from sqnxt_sim.report import columns
from sqnxt_sim.report.export import layers_csv, rows_csv
from sqnxt_sim.report.stages import stage_rows

DOC = Path(__file__).resolve().parents[2] / "docs" / "columns.md"
NETWORK = "squeezenet1_1"  # small, shipped: convs, pools, concats
CONFIGS = ("32pe_os", "4core_16x16_os", "eyeriss")  # one core, four cores, row-stationary
# Grid keys of every form: dotted, a bare top-level key, a mapping value, a tied axis.
GRID = ('pe_array.rows: [8, 16]\ncores: [1]\ndataflow: [os]\nvector_unit: [{lanes: 64}]\n'
        '"": [{memory.global_buffer_kib: 64, energy.global_buffer: 4.0}]\n')


def invoke(*args):
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def header(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text)))


@pytest.fixture(scope="module")
def real_columns(tmp_path_factory) -> dict[str, set[str]]:
    """Output key -> every column name seen in it (CSV headers and JSON keys)."""
    seen: dict[str, set[str]] = {output: set() for output in columns.OUTPUTS}
    network = load_network(NETWORK)
    for name in CONFIGS:
        results = simulate(network, resolve_hardware(name))
        seen["layers"].update(key for row in results.rows() for key in row)
        seen["layers"].update(header(layers_csv(results)))
        seen["totals"].update(results.totals)
        seen["stages"].update(header(rows_csv(stage_rows(results), energy_suffix=results.energy_unit.column_suffix)))
    compare = ["compare", "--net", NETWORK, "--net", "sqnxt23_v1", "--hw", "32pe_os", "--hw", "eyeriss"]
    seen["compare"].update(header(invoke(*compare, "--format", "csv")))
    data = json.loads(invoke(*compare, "--format", "json"))
    seen["compare"].update(key for row in data["rows"] for key in row)
    seen["stages"].update(key for entry in data["stages"] for row in entry["stages"] for key in row)
    directory = tmp_path_factory.mktemp("sweep")
    (directory / "grid.yaml").write_text(GRID)
    invoke("sweep", "--net", NETWORK, "--hw", "32pe_os", "--grid", str(directory / "grid.yaml"),
           "--out", str(directory / "out"), "--per-layer")
    for name in ("sweep.csv", "pareto.csv", "pareto3.csv"):
        seen["sweep"].update(header((directory / "out" / name).read_text()))
    seen["sweep_layers"].update(header((directory / "out" / "sweep_layers.csv").read_text()))
    invoke("tune", "--net", NETWORK, "--grid", str(directory / "grid.yaml"), "--budget", "100",
           "--out", str(directory / "tune"))
    seen["tune"].update(header((directory / "tune" / "tune.csv").read_text()))
    (directory / "space.yaml").write_text("base: sqnxt23_v1\nblocks: [[6, 6, 8, 1], [2, 4, 14, 1]]\nstem_kernel: [5]\n")
    invoke("search", "--space", str(directory / "space.yaml"), "--grid", str(directory / "grid.yaml"),
           "--out", str(directory / "search"))
    for name in ("search.csv", "search_pareto.csv"):
        seen["search"].update(header((directory / "search" / name).read_text()))
    return seen


def test_the_document_is_the_generated_glossary():
    assert DOC.read_text(encoding="utf-8") == columns.glossary_markdown(), (
        "docs/columns.md is stale: python -m sqnxt_sim.report.columns > docs/columns.md")


def test_every_real_column_matches_exactly_one_definition_of_its_output(real_columns):
    for output, names in real_columns.items():
        assert names, output
        for name in sorted(names):
            found = columns.find(name, output)
            assert len(found) == 1, (output, name, [d.name for d in found])


def test_every_definition_matches_a_real_column_in_each_output_it_names(real_columns):
    for definition in columns.COLUMNS:
        for output in definition.where:
            assert any(definition.matches(name) for name in real_columns[output]), (definition.name, output)


def test_families_match_their_expansions_and_nothing_else():
    assert [d.name for d in columns.find("energy_dram_pJ")] == ["energy_<level>"]
    assert [d.name for d in columns.find("energy_global_buffer_psum_macnorm")] == ["energy_<level>_<operand>"]
    assert [d.name for d in columns.find("energy_macnorm")] == ["energy"]
    assert [d.name for d in columns.find("memory.dram_bandwidth_bytes_per_cycle")] == ["<grid key>"]
    # The same name in two outputs: the layer's chosen dataflow, the dataflow a sweep grid sets.
    assert [d.name for d in columns.find("dataflow", "layers")] == ["dataflow"]
    assert [d.name for d in columns.find("dataflow", "sweep")] == ["<grid key>"]
    # Not columns: mac has no operand split, ratios no unit, a grid cannot vary names or result columns.
    for name in ("energy_mac_compute", "energy_ratio_pJ", "gb_read_weights_words", "name.x", "cycles_x"):
        assert not columns.find(name), name
    assert not columns.find("name", "sweep") and not columns.find("energy.unit", "sweep")
    assert [d.name for d in columns.find("cycles", "sweep")] == ["cycles"]


def test_every_output_has_a_heading_and_definitions():
    markdown = columns.glossary_markdown()
    assert markdown.startswith("_Generated by") and "python -m sqnxt_sim.report.columns > docs/columns.md" in markdown
    for heading, _ in columns.OUTPUTS.values():
        assert f"\n## {heading}\n" in markdown
    assert all(columns.definitions(output) for output in columns.OUTPUTS)
    # JSON-only totals name energy without the unit; CSVs with it.
    assert "| `energy_<level>` |" in markdown and "| `energy_<level>_<unit>` |" in markdown


def test_columns_command_prints_the_glossary_and_explains_one_column():
    text = invoke("columns")
    assert "loss_fill_drain" in text and "each fold fills and drains the systolic pipeline" in text
    assert invoke("columns", "--format", "markdown") == columns.glossary_markdown()
    one = invoke("columns", "energy_dram_macnorm")
    assert "energy_<level>_<unit>" in one and "loss_fill_drain" not in one
    assert "<grid key>" in invoke("columns", "dataflow")  # the sweep's meaning too
    result = CliRunner().invoke(main, ["columns", "no_such_column"])
    assert result.exit_code == 2 and "no_such_column" in result.output
