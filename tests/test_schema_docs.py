"""The committed JSON Schema and reference are what the model generates now, and every shipped
scenario passes both the loader and the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import MINIMAL_SCENARIO

from sim.scenario.loader import problems_in
from sim.scenario.reference import reference_text, scenario_schema, schema_text
from sim.scenario.yamlsafe import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
REGIONS = sorted((ROOT / "scenarios" / "regions").glob("*.yaml"))


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(scenario_schema())


def test_schema_file_is_current():
    committed = (DOCS / "scenario.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "docs/scenario.schema.json is stale: run python -m sim schema --output "
        "docs/scenario.schema.json"
    )


def test_reference_file_is_current():
    committed = (DOCS / "scenario-reference.md").read_text(encoding="utf-8")
    assert committed == reference_text(), (
        "docs/scenario-reference.md is stale: run python -m sim reference --output "
        "docs/scenario-reference.md"
    )


def test_schema_is_valid_draft_2020_12():
    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"]


def test_schema_accepts_a_region_path_and_refuses_unknown_fields():
    data = parse_yaml(MINIMAL_SCENARIO).data
    v = validator()
    assert not list(v.iter_errors(data))
    assert not list(v.iter_errors({**data, "region": "regions/x.yaml"}))
    assert list(v.iter_errors({**data, "regoin": 1}))
    assert list(v.iter_errors({**data, "region": 5}))


def test_reference_has_a_section_per_model():
    text = reference_text()
    for name in scenario_schema()["$defs"]:
        assert f"# {name}\n" in text


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_shipped_scenario_is_valid(path):
    assert [str(p) for p in problems_in(path)] == []


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_shipped_scenario_passes_the_schema(path):
    data = parse_yaml(path.read_text(encoding="utf-8")).data
    v = validator()
    assert [e.message for e in v.iter_errors(data)] == []
    if isinstance(data.get("region"), str):
        region = parse_yaml((path.parent / data["region"]).read_text(encoding="utf-8")).data
        assert [e.message for e in v.iter_errors({**data, "region": region})] == []


@pytest.mark.parametrize("path", REGIONS, ids=[p.name for p in REGIONS])
def test_shipped_region_file_passes_the_region_schema(path):
    schema = scenario_schema()
    region_schema = {**schema, "$ref": "#/$defs/Region"}
    for key in ("properties", "required", "type", "additionalProperties", "description"):
        region_schema.pop(key, None)
    data = parse_yaml(path.read_text(encoding="utf-8")).data
    errors = jsonschema.Draft202012Validator(region_schema).iter_errors(data)
    assert [e.message for e in errors] == []
