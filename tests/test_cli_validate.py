"""`sim validate`: exit codes and the exact `FILE line N: field: message` line for each kind of
problem a trainer makes."""

from __future__ import annotations

import pytest
from conftest import edit, line_of
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()


def validate(*paths):
    result = runner.invoke(app, ["validate", *map(str, paths)])
    return result.exit_code, result.output.splitlines()


def assert_problem(write_scenario, text, fragment, expected, after=None):
    """The file fails with exactly one problem, on the line holding `fragment`."""
    path = write_scenario(text)
    code, lines = validate(path)
    assert code == 2
    assert lines == [f"{path} line {line_of(text, fragment, after)}: {expected}"]


def test_valid_file_prints_ok(write_scenario, minimal_scenario_yaml):
    path = write_scenario(minimal_scenario_yaml)
    assert validate(path) == (0, [f"{path}: ok"])


def test_several_files_one_bad(write_scenario, minimal_scenario_yaml):
    good = write_scenario(minimal_scenario_yaml, "good.yaml")
    bad = write_scenario(edit(minimal_scenario_yaml, "count: 2", "count: 0"), "bad.yaml")
    code, lines = validate(good, bad)
    assert code == 2
    assert lines[0] == f"{good}: ok"
    assert lines[1].startswith(f"{bad} line 12: region.units.vc-public.count: must be at least 1")


def test_misspelt_key_suggests_the_field(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "servers: 2", "servres: 2")
    assert_problem(
        write_scenario,
        text,
        "servres",
        "region.units.vc-public.acute.servres: unknown field 'servres' (did you mean 'servers'?)",
    )


def test_negative_capacity(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "capacity: 0.6", "capacity: -0.5")
    assert_problem(
        write_scenario,
        text,
        "capacity: -0.5",
        "backup_routines.paper.capacity: must be at least 0 (got -0.5)",
    )


def test_unknown_system_suggests_the_id(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "- system: journal", "- system: jornal")
    assert_problem(
        write_scenario,
        text,
        "jornal",
        "region.units.vc-public.depends_on.0.system: unknown system 'jornal' "
        "(did you mean 'journal'?)",
    )


def test_dependency_on_a_missing_unit(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "serves: [vc-public]", "serves: [vc-publik]")
    assert_problem(
        write_scenario,
        text,
        "vc-publik",
        "region.phone_lines.switchboard.serves.0: unknown care unit 'vc-publik' "
        "(did you mean 'vc-public'?)",
    )


def test_dependency_cycle_is_named(write_scenario, minimal_scenario_yaml):
    text = edit(
        minimal_scenario_yaml,
        "      kind: platform\n",
        "      kind: platform\n      depends_on:\n        - system: telephony\n",
    )
    assert_problem(
        write_scenario,
        text,
        "- system: telephony",
        "region.systems.network.depends_on.0.system: dependency cycle: "
        "network -> telephony -> network; systems cannot depend on each other in a circle",
        after="kind: platform",
    )


def test_duplicate_key(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "horizon: 2d\n", "horizon: 2d\nhorizon: 3d\n")
    assert_problem(
        write_scenario, text, "horizon: 3d", "horizon: duplicate key 'horizon' (first at line 4)"
    )


def test_tags_are_refused(write_scenario, minimal_scenario_yaml):
    text = edit(
        minimal_scenario_yaml, "title: Test drill", "title: !!python/object/apply:os.system [ls]"
    )
    path = write_scenario(text)
    code, lines = validate(path)
    assert code == 2
    assert lines == [
        f"{path} line 2: title: tags are not allowed (!!python/object/apply:os.system); "
        "write plain values"
    ]


def test_list_where_a_mapping_belongs(write_scenario, minimal_scenario_yaml):
    text = edit(
        minimal_scenario_yaml,
        "      planned:\n        visits_per_day: 40\n",
        "      planned:\n        - visits_per_day: 40\n",
    )
    assert_problem(
        write_scenario,
        text,
        "planned:",
        "region.units.vc-public.planned: must be a mapping of fields (key: value lines), not a list",
    )


def test_whole_file_is_a_list(write_scenario):
    path = write_scenario("- name: a\n- name: b\n")
    code, lines = validate(path)
    assert code == 2
    assert lines == [
        f"{path} line 1: a scenario file must be a mapping of fields (name:, title:, start:, "
        "region:, ...), not a list"
    ]


def test_missing_field_points_at_the_parent(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "      agents: 2\n", "")
    assert_problem(
        write_scenario,
        text,
        "- id: switchboard",
        "region.phone_lines.switchboard: missing required field 'agents'",
    )


def test_empty_file(write_scenario):
    path = write_scenario("  \n\n")
    assert validate(path) == (2, [f"{path}: the file is empty"])


def test_comments_only_is_empty(write_scenario):
    path = write_scenario("# nothing here yet\n")
    assert validate(path) == (2, [f"{path}: the file is empty"])


def test_not_utf8_names_the_line(write_scenario, minimal_scenario_yaml):
    data = edit(minimal_scenario_yaml, "title: Test drill", "title: Test \xe5").encode("latin-1")
    path = write_scenario(data)
    code, lines = validate(path)
    assert code == 2
    assert lines == [
        f"{path} line 2: the file is not UTF-8 text (byte 0xe5 cannot be decoded); save it as UTF-8"
    ]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert validate(path) == (2, [f"{path}: no such file"])


@pytest.mark.parametrize(
    ("old", "new", "check"),
    [
        ("title: Test drill", "title: no", lambda s: s.title == "no"),
        ("title: Test drill", "title: off", lambda s: s.title == "off"),
        ("title: Test drill", "title: 1:30", lambda s: s.title == "1:30"),
        ('at: "07:00"', "at: 07:00", lambda s: s.incidents[0].at.text == "07:00"),
        ("name: test-drill", "name: yes", lambda s: s.name == "yes"),
    ],
)
def test_norway_and_sexagesimal_traps_stay_text(
    write_scenario, minimal_scenario_yaml, old, new, check
):
    from sim.scenario import load_scenario

    path = write_scenario(edit(minimal_scenario_yaml, old, new))
    assert validate(path) == (0, [f"{path}: ok"])
    assert check(load_scenario(path))


def test_several_problems_in_one_file_are_all_reported(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "servers: 2", "servers: 0")
    text = edit(text, "capacity: 0.6", "capacity: 1.5")
    text = edit(text, "kind: failover", "kind: failovr")
    path = write_scenario(text)
    code, lines = validate(path)
    assert code == 2
    assert lines == [
        f"{path} line {line_of(text, 'servers: 0')}: region.units.vc-public.acute.servers: "
        "must be at least 1 (got 0)",
        f"{path} line {line_of(text, 'capacity: 1.5')}: backup_routines.paper.capacity: "
        "must be at most 1 (got 1.5)",
        f"{path} line {line_of(text, 'failovr')}: recovery_actions.new-server.kind: 'failovr' "
        "is not one of failover, alternative_system, mutual_aid (did you mean 'failover'?)",
    ]


def test_schema_command_prints_json():
    import json

    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_reference_command_writes_file(tmp_path):
    out = tmp_path / "ref.md"
    result = runner.invoke(app, ["reference", "--output", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Scenario file reference")


def test_field_and_reference_problems_are_reported_together(tmp_path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "both.yaml"
    bad.write_text(
        "name: x\ntitle: t\nstart: 2022-12-06 00:00\nhorizon: 2d\n"
        "region:\n  id: r\n  name: R\n  units:\n    - id: a\n      name: A\n      kind: hospital\n"
        "      acute: {arrivals_per_day: 5, servres: 2, servers: 1}\n"
        "      depends_on: [{system: jurnal}]\n"
        "  systems:\n    - id: journal\n      name: J\n"
        "incidents:\n  - id: i\n    name: I\n    at: 07:00\n    fails: [journal]\n    repair: 2h\n",
        encoding="utf-8",
    )
    res = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad)], capture_output=True, text=True)
    assert res.returncode == 2
    lines = res.stdout.strip().splitlines()
    assert any("line 12:" in ln and "servres" in ln and "did you mean 'servers'" in ln for ln in lines), lines
    assert any("line 13:" in ln and "unknown system 'jurnal'" in ln and "did you mean 'journal'" in ln for ln in lines), lines
