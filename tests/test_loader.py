"""Loading: the YAML layer (scalars, anchors, lines), region files, and the shape of problems."""

from __future__ import annotations

import pytest
from conftest import MINIMAL_SCENARIO, edit, line_of

from sim.scenario import Problem, Scenario, ScenarioError, load_scenario, load_scenario_text
from sim.scenario.loader import problems_in, problems_in_text
from sim.scenario.yamlsafe import YamlError, parse_yaml

REGION_START = MINIMAL_SCENARIO.index("region:\n")
REGION_END = MINIMAL_SCENARIO.index("incidents:\n")
REGION_FILE = (
    "\n".join(line[2:] for line in MINIMAL_SCENARIO[REGION_START:REGION_END].splitlines()[1:])
    + "\n"
)


def with_region_file(ref: str) -> str:
    return MINIMAL_SCENARIO[:REGION_START] + f"region: {ref}\n" + MINIMAL_SCENARIO[REGION_END:]


# --------------------------------------------------------------------------- YAML layer


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("no", "no"),
        ("Yes", "Yes"),
        ("on", "on"),
        ("OFF", "OFF"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("07:00", "07:00"),
        ("1:30", "1:30"),
        ("190:20:30", "190:20:30"),
        ("2022-12-06", "2022-12-06"),
        ("2022-12-06 00:00", "2022-12-06 00:00"),
        ("12", 12),
        ("-3", -3),
        ("010", 10),
        ("0x1f", 31),
        ("0o17", 15),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("1e999", "1e999"),
        (".inf", ".inf"),
        (".nan", ".nan"),
        ("1_000", "1_000"),
        ("null", None),
        ("~", None),
        ("", None),
        ('"12"', "12"),
        ("'true'", "true"),
        ("!!str 12", "12"),
        ("!!int 12", 12),
        ("!!float 2", 2.0),
    ],
)
def test_scalars_resolve_yaml_1_2_style(text, value):
    data = parse_yaml(f"key: {text}\n").data
    assert data == {"key": value}
    assert type(data["key"]) is type(value)


def test_every_key_and_item_has_its_line():
    doc = parse_yaml("a:\n  b:\n    - x\n    -\n      c: 1\nd: 2\n")
    assert doc.lines[("a",)] == 1
    assert doc.lines[("a", "b")] == 2
    assert doc.lines[("a", "b", 0)] == 3
    assert doc.lines[("a", "b", 1, "c")] == 5
    assert doc.line_of(("d",)) == 6
    assert doc.line_of(("a", "b", 1, "c", "missing")) == 5


def test_anchors_aliases_and_merge_keys():
    doc = parse_yaml(
        "defaults: &d\n"
        "  kind: primary_care\n"
        "  count: 2\n"
        "units:\n"
        "  - <<: *d\n"
        "    id: a\n"
        "    count: 3\n"
        "  - *d\n"
    )
    assert doc.data["units"] == [
        {"id": "a", "count": 3, "kind": "primary_care"},
        {"kind": "primary_care", "count": 2},
    ]
    # Merged and aliased content is found where the anchor wrote it.
    assert doc.line_of(("units", 0, "kind")) == 2
    assert doc.line_of(("units", 0, "count")) == 7
    assert doc.line_of(("units", 1, "count")) == 3


def test_merge_key_needs_a_mapping():
    with pytest.raises(YamlError) as info:
        parse_yaml("a:\n  <<: [1, 2]\n  b: 1\n")
    assert info.value.issues[0].message == "a merge key (<<) needs a mapping or a list of mappings"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\n---\nb: 2\n", 2, "the file holds more than one YAML document"),
        ("a: [1, 2\nb: 3\n", 2, "not valid YAML: did not find expected ',' or ']'"),
        ("a:\n\tb: 1\n", 2, "not valid YAML: found character that cannot start any token"),
        ("a: *nowhere\n", 1, "alias *nowhere has no anchor &nowhere before it"),
        ("? [a, b]\n: 1\n", 1, "a key must be plain text, not a list or mapping"),
        ("a: !!set {x}\n", 1, "tags are not allowed (!!set)"),
        ("a: !custom x\n", 1, "tags are not allowed (!custom)"),
        ("a: !!int x\n", 1, "'x' is not a whole number"),
    ],
)
def test_yaml_problems_name_the_line(text, line, message):
    with pytest.raises(YamlError) as info:
        parse_yaml(text)
    issue = info.value.issues[0]
    assert issue.line == line
    assert issue.message.startswith(message)


def test_tabs_get_a_hint():
    with pytest.raises(YamlError) as info:
        parse_yaml("a:\n\tb: 1\n")
    assert info.value.issues[0].message.endswith("; indent with spaces, not tabs")


def test_every_duplicate_key_is_reported():
    with pytest.raises(YamlError) as info:
        parse_yaml("a: 1\nb: 2\na: 3\nb: 4\n")
    assert [(i.line, i.message) for i in info.value.issues] == [
        (3, "duplicate key 'a' (first at line 1)"),
        (4, "duplicate key 'b' (first at line 2)"),
    ]


# --------------------------------------------------------------------------- loading


def test_load_scenario_returns_a_frozen_scenario(write_scenario, minimal_scenario_yaml):
    scenario = load_scenario(write_scenario(minimal_scenario_yaml))
    assert isinstance(scenario, Scenario)
    assert scenario.region.units[0].acute.servers == 2
    with pytest.raises(ValueError):
        scenario.name = "other"  # type: ignore[misc]


def test_text_and_bytes_load_alike(minimal_scenario_yaml):
    from_text = load_scenario_text(minimal_scenario_yaml)
    from_bytes = load_scenario_text(b"\xef\xbb\xbf" + minimal_scenario_yaml.encode())
    assert from_text == from_bytes


def test_load_scenario_raises_with_every_problem(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "servers: 2", "servers: 0")
    text = edit(text, "agents: 2", "agents: many")
    path = write_scenario(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert [p.line for p in info.value.problems] == [
        line_of(text, "servers: 0"),
        line_of(text, "agents: many"),
    ]
    assert str(info.value).splitlines() == [str(p) for p in info.value.problems]


def test_problem_text_with_and_without_line():
    assert str(Problem("a.yaml", 3, "region.id", "bad")) == "a.yaml line 3: region.id: bad"
    assert str(Problem("a.yaml", None, "", "the file is empty")) == "a.yaml: the file is empty"
    assert str(Problem("a.yaml", 1, "", "must be a mapping")) == "a.yaml line 1: must be a mapping"


def test_folder_instead_of_file(tmp_path):
    assert [str(p) for p in problems_in(tmp_path)] == [f"{tmp_path}: is a folder, not a file"]


def test_problems_are_capped(minimal_scenario_yaml):
    units = "".join(f"    - {{id: u{i}, kind: moon}}\n" for i in range(300))
    text = edit(minimal_scenario_yaml, "  units:\n", "  units:\n" + units)
    found = problems_in_text(text, "s.yaml")
    assert len(found) == 101
    assert found[-1].message.startswith("and more problems not shown")


def test_missing_distribution_name(minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "repair: 4h", "repair: {median: 2h, p90: 4h}")
    assert [str(p) for p in problems_in_text(text, "s.yaml")] == [
        f"s.yaml line {line_of(text, 'repair:')}: incidents.outage.repair: a distribution needs "
        "dist: one of fixed, uniform, triangular, lognormal, exponential, empirical"
    ]


def test_model_rule_problem_points_at_the_item(minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "    repair: 4h\n", "")
    assert [str(p) for p in problems_in_text(text, "s.yaml")] == [
        f"s.yaml line {line_of(text, '- id: outage')}: incidents.outage: say how the systems come "
        "back: repair, restoration, or a repair on each system"
    ]


# --------------------------------------------------------------------------- region files


def test_region_file_is_spliced_in(write_scenario):
    write_scenario(REGION_FILE, "regions/test.yaml")
    scenario = load_scenario(write_scenario(with_region_file("regions/test.yaml")))
    assert scenario.region.id == "test-region"
    assert scenario == load_scenario_text(MINIMAL_SCENARIO)


def test_problem_in_region_file_names_that_file(write_scenario):
    region = edit(REGION_FILE, "servers: 2", "servres: 2")
    region_path = write_scenario(region, "regions/test.yaml")
    path = write_scenario(with_region_file("regions/test.yaml"))
    assert [str(p) for p in problems_in(path)] == [
        f"{region_path} line {line_of(region, 'servres')}: region.units.vc-public.acute.servres: "
        "unknown field 'servres' (did you mean 'servers'?)"
    ]


def test_check_problem_in_region_file_names_that_file(write_scenario):
    region = edit(REGION_FILE, "- system: journal", "- system: jornal")
    region_path = write_scenario(region, "regions/test.yaml")
    path = write_scenario(with_region_file("regions/test.yaml"))
    [found] = problems_in(path)
    assert found.file == str(region_path)
    assert found.line == line_of(region, "jornal")


def test_broken_region_file_and_scenario_problems_together(write_scenario):
    region_path = write_scenario("id: x\nid: y\n", "regions/test.yaml")
    text = edit(with_region_file("regions/test.yaml"), "horizon: 2d", "horizon: 2")
    path = write_scenario(text)
    assert [str(p) for p in problems_in(path)] == [
        f"{path} line 4: horizon: a duration needs a unit: write 2h, 2min or 2d, not a bare 2",
        f"{region_path} line 2: region.id: duplicate key 'id' (first at line 1)",
    ]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            "regions/none.yaml",
            "region file 'regions/none.yaml' not found (looked for {dir}/regions/none.yaml)",
        ),
        (
            "../outside.yaml",
            "the region file '../outside.yaml' must be in the scenario's folder or below it",
        ),
        (
            "/etc/region.yaml",
            "write the region file's path relative to the scenario file, not '/etc/region.yaml'",
        ),
        ("regions/test.txt", "a region file is a .yaml file; 'regions/test.txt' is not"),
    ],
)
def test_region_file_refused(write_scenario, ref, message):
    path = write_scenario(with_region_file(ref))
    expected = message.format(dir=path.parent)
    assert [str(p) for p in problems_in(path)] == [f"{path} line 5: region: {expected}"]


def test_region_file_in_text_needs_a_folder():
    found = problems_in_text(with_region_file("regions/test.yaml"), "upload.yaml")
    assert [str(p) for p in found] == [
        "upload.yaml line 5: region: 'regions/test.yaml' names a region file, but this scenario "
        "has no folder to look in; put the region inline"
    ]


def test_region_file_in_text_with_a_folder(write_scenario, tmp_path):
    write_scenario(REGION_FILE, "regions/test.yaml")
    scenario = load_scenario_text(with_region_file("regions/test.yaml"), "upload.yaml", tmp_path)
    assert scenario.region.id == "test-region"


def test_yaml_problems_name_list_items_by_id(minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "repair: 4h", "repair: !!binary aGVsbG8=")
    assert [str(p) for p in problems_in_text(text, "s.yaml")] == [
        f"s.yaml line {line_of(text, 'repair:')}: incidents.outage.repair: tags are not allowed "
        "(!!binary); write plain values"
    ]
