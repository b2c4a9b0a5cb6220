"""No traceback, ever: every number a scenario holds has a finite range in the schema, a zero that
would divide is refused, and every numeric and duration field of every shipped scenario, replaced
by zero, a negative, a huge, a tiny, an infinite or a not-a-number value, is either refused with a
line number or runs within the server's limits. Files that are not files (pipes, devices, paths
longer than the system allows) are refused without waiting on them."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import edit
from field_mutants import Mutant, all_sites, sampled_mutants

from sim.engine import simulate
from sim.engine.budget import Budget
from sim.scenario import load_scenario, problems_in, problems_in_text
from sim.scenario.model import Scenario
from sim.scenario.quantities import parse_datetime, parse_duration_h

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- the schema


def _numbers(node: object, path: str = "") -> list[tuple[str, dict]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") in ("number", "integer"):
            found.append((path, node))
        for key, value in node.items():
            found += _numbers(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _numbers(value, f"{path}/{i}")
    return found


def test_every_number_in_the_schema_has_a_finite_range():
    numbers = _numbers(Scenario.model_json_schema())
    assert len(numbers) > 20
    unbounded = [
        path for path, node in numbers
        if not ({"minimum", "exclusiveMinimum"} & node.keys() and {"maximum", "exclusiveMaximum"} & node.keys())
    ]
    assert unbounded == []


@pytest.mark.parametrize("text", ["3661d", "99999999w", "523w", "1e999h"])
def test_durations_are_capped(text):
    with pytest.raises(ValueError):
        parse_duration_h(text)


def test_the_longest_duration_is_ten_years():
    assert parse_duration_h("3660d") == 3660 * 24


@pytest.mark.parametrize("when", ["1899-12-31 23:59", "2101-01-01 00:00", "0001-01-01 00:00", "9999-12-31 23:59"])
def test_dates_fall_in_1900_to_2100(when):
    with pytest.raises(ValueError, match="1900-2100"):
        parse_datetime(when)


def test_start_year_out_of_range_names_its_line(minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "start: 2024-01-22 00:00", "start: 2999-01-22 00:00")
    problems = problems_in_text(text, "s.yaml")
    assert [str(p) for p in problems] == [
        "s.yaml line 3: start: the year 2999 is out of range: dates fall in 1900-2100"
    ]


@pytest.mark.parametrize(
    ("before", "added", "field"),
    [
        ("      agents: 2\n", "      patience: 0\n", "region.phone_lines.switchboard.patience"),
        ("      agents: 2\n", "      handling_time: 0h\n", "region.phone_lines.switchboard.handling_time"),
        ("      planned:\n", "      beds: {beds: 10, length_of_stay: 0}\n", "region.units.vc-public.beds.length_of_stay"),
    ],
)
def test_a_zero_that_would_divide_is_refused(minimal_scenario_yaml, before, added, field):
    text = edit(minimal_scenario_yaml, before, before + added if "agents" in before else added + before)
    problems = problems_in_text(text, "s.yaml")
    assert len(problems) == 1, problems
    line = text.splitlines().index(added.rstrip("\n")) + 1
    assert (problems[0].line, problems[0].path) == (line, field)
    assert problems[0].message.startswith("must be")


# --------------------------------------------------------------------------- not files


def test_a_pipe_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    result = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(fifo)], capture_output=True, text=True, timeout=30, cwd=ROOT,
    )
    assert result.returncode == 2, result.stderr
    assert "is not a regular file" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_a_region_pipe_is_refused_at_the_region_line(tmp_path, minimal_scenario_yaml):
    (tmp_path / "regions").mkdir()
    os.mkfifo(tmp_path / "regions" / "r.yaml")
    start, end = minimal_scenario_yaml.index("region:\n"), minimal_scenario_yaml.index("incidents:\n")
    path = tmp_path / "s.yaml"
    path.write_text(minimal_scenario_yaml[:start] + "region: regions/r.yaml\n" + minimal_scenario_yaml[end:])
    problems = problems_in(path)
    assert [(p.line, p.path) for p in problems] == [(5, "region")]
    assert "is not a regular file" in problems[0].message


@pytest.mark.parametrize("ref", ["regions/" + "r" * 300 + ".yaml", "/".join(["a" * 200] * 30) + ".yaml"])
def test_a_very_long_region_path_is_refused_at_its_line(tmp_path, minimal_scenario_yaml, ref):
    start, end = minimal_scenario_yaml.index("region:\n"), minimal_scenario_yaml.index("incidents:\n")
    path = tmp_path / "s.yaml"
    path.write_text(minimal_scenario_yaml[:start] + f"region: {ref}\n" + minimal_scenario_yaml[end:])
    problems = problems_in(path)
    assert [(p.line, p.path) for p in problems] == [(5, "region")]
    assert "too long" in problems[0].message and len(str(problems[0])) < 400


def test_a_very_long_file_path_is_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(tmp_path / ("x" * 5000))],
        capture_output=True, text=True, timeout=30, cwd=ROOT,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "too long" in result.stdout + result.stderr


# --------------------------------------------------------------------------- the fuzz


def _refused_with_lines_or_runs(mutant: Mutant, folder: Path) -> None:
    path = mutant.write(folder)
    try:
        problems = problems_in(path)
        if problems:
            unplaced = [str(p) for p in problems if p.line is None or "internal error" in p.message]
            assert not unplaced, f"{mutant.label}: {unplaced}"
            return
        replication = simulate(load_scenario(path), 1, budget=Budget(max_seconds=60))
        assert replication is not None
    finally:
        mutant.restore(folder)


def _stratified(per_value: int, seed: int) -> list[Mutant]:
    """`per_value` fields for each hostile value, drawn with a seeded generator from every field
    of every shipped file."""
    rng = random.Random(seed)
    sites = all_sites()
    chosen = []
    for kind in ("number", "duration"):
        of_kind = [s for s in sites if s.kind == kind]
        for value in of_kind[0].values():
            chosen += [Mutant(site, value) for site in rng.sample(of_kind, min(per_value, len(of_kind)))]
    return chosen


FUZZ_CHUNKS = 4
FUZZ_SAMPLE = _stratified(per_value=int(os.environ.get("FIELD_FUZZ_PER_VALUE", "6")), seed=0)


def test_the_fuzz_reaches_every_shipped_file_and_every_hostile_value():
    files = {m.site.file for m in sampled_mutants(1)}
    assert len(files) >= 15
    assert {m.value for m in FUZZ_SAMPLE} >= {"0", "-1", "1e12", "1e-12", ".inf", ".nan", "0h", "99999999w", "1s"}


@pytest.mark.parametrize("chunk", range(FUZZ_CHUNKS))
def test_field_fuzz(chunk, tmp_path):
    for mutant in FUZZ_SAMPLE[chunk::FUZZ_CHUNKS]:
        _refused_with_lines_or_runs(mutant, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(8))
def test_field_fuzz_every_field(chunk, tmp_path):
    """Every numeric and duration field of every shipped file, three hostile values each."""
    for mutant in sampled_mutants(per_site=3, seed=1)[chunk::8]:
        _refused_with_lines_or_runs(mutant, tmp_path)
