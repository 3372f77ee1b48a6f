"""The JSON Schemas printed by `sqnxt-sim schema` accept every shipped file and reject bad ones."""

import json
from pathlib import Path

import pytest
import yaml

from sqnxt_sim.schema import json_schema

jsonschema = pytest.importorskip("jsonschema")
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("kind, folder", [("hw", "hwconfigs"), ("network", "networks")])
def test_schema_is_valid_and_accepts_shipped_files(kind, folder):
    schema = json_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    files = sorted((ROOT / folder).glob("*.yaml"))
    assert files
    for path in files:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


@pytest.mark.parametrize(
    "kind, document",
    [
        ("hw", {"pe_array": {"rows": 0, "cols": 4}}),
        ("hw", {"pe_array": {"rows": 4, "cols": 4}, "colour": "red"}),
        ("hw", {"pe_array": {"rows": 4, "cols": 4}, "energy": {"dram": -1}}),
        ("network", {"name": "x", "input": {"channels": 1, "height": 1, "width": 1},
                     "layers": [{"name": "a", "op": "conv", "out_channels": 0, "kernel": 1}]}),
        ("network", {"name": "x", "input": {"channels": 1, "height": 1, "width": 1},
                     "layers": [{"name": "a", "op": "lstm"}]}),
    ],
)
def test_schema_rejects_what_the_loader_rejects(kind, document):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json_schema(kind))


def test_cli_prints_the_schema():
    from click.testing import CliRunner

    from sqnxt_sim.cli import main

    result = CliRunner().invoke(main, ["schema", "hw"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "sqnxt-sim hardware config"


def _undescribed(node, where, missing):
    """Collect ``where.property`` for every property of every object schema under ``node``
    (the top level, each entry of $defs, and schemas nested in anyOf, items and the like)
    that has no non-empty description."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if not (isinstance(prop, dict) and str(prop.get("description", "")).strip()):
                missing.append(f"{where}.{name}")
        for key, value in node.items():
            if key == "properties":
                for name, prop in value.items():
                    _undescribed(prop, f"{where}.{name}", missing)
            elif key == "$defs":
                for name, definition in value.items():
                    _undescribed(definition, name, missing)
            else:
                _undescribed(value, where, missing)
    elif isinstance(node, list):
        for value in node:
            _undescribed(value, where, missing)
    return missing


@pytest.mark.parametrize("kind", ["hw", "network"])
def test_every_property_has_a_description(kind):
    missing = _undescribed(json_schema(kind), "<top>", [])
    assert not missing, f"{len(missing)} properties of the {kind} schema have no description: {', '.join(missing)}"
