"""report/formats: one table, every format; every command's --format comes from the registry."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sqnxt_sim.cli import main
from sqnxt_sim.report import formats
from sqnxt_sim.report.tables import Table, energy_units

TABLE = Table("two configs", ["config", "cycles", "energy", "energy_ratio", "bound"],
              [{"config": "a", "cycles": 1200, "energy": 2.5, "energy_ratio": 1.0, "bound": None},
               {"config": "b", "cycles": 30, "energy": 0.125, "energy_ratio": 0.05, "bound": "memory"}],
              energy_units(["config", "cycles", "energy", "energy_ratio", "bound"], "pJ"), ["a note"])


def test_energy_columns_carry_the_unit_and_ratios_do_not():
    assert TABLE.units == {"energy": "pJ"}
    assert TABLE.header("energy") == "energy_pJ" and TABLE.header("energy", " ") == "energy (pJ)"


def test_csv_keeps_every_digit_and_leaves_what_does_not_apply_empty():
    assert formats.render(TABLE, "csv") == ("config,cycles,energy_pJ,energy_ratio,bound\n"
                                            "a,1200,2.5,1.0,\n"
                                            "b,30,0.125,0.05,memory\n")


def test_json_is_the_rows_without_units():
    assert json.loads(formats.render(TABLE, "json")) == [
        {"config": "a", "cycles": 1200, "energy": 2.5, "energy_ratio": 1.0, "bound": None},
        {"config": "b", "cycles": 30, "energy": 0.125, "energy_ratio": 0.05, "bound": "memory"}]


def test_markdown_and_text_align_numbers_right():
    markdown = formats.render(TABLE, "markdown").splitlines()
    assert markdown[0] == "### two configs"
    assert markdown[2] == "| config | cycles | energy (pJ) | energy_ratio | bound |"
    assert markdown[3] == "| :--- | ---: | ---: | ---: | :--- |"
    assert markdown[4] == "| a | 1,200 | 2.5 | 1 | - |" and markdown[-1] == "a note"
    text = formats.render(TABLE, "table").splitlines()
    assert text[1] == "config  cycles  energy (pJ)  energy_ratio  bound"
    assert text[3] == "a        1,200          2.5             1  -"


@pytest.mark.parametrize("command", [["nets"], ["hws"], ["show", "sqnxt23_v1"], ["run", "--top", "2"],
                                     ["compare", "--net", "sqnxt23_v1", "--net", "sqnxt23_v5"]])
def test_every_format_of_the_registry_is_an_option(command):
    for fmt in formats.names():
        result = CliRunner().invoke(main, [*command, "--format", fmt])
        assert result.exit_code == 0, (command, fmt, result.output)
        assert result.output.strip(), (command, fmt)
