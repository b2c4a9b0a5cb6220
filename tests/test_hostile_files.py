"""Files built to hurt: each one is refused with a line-numbered problem, quickly, without a
traceback and without eating memory. The load runs in a subprocess that times itself, so a hang
or a crash cannot take the test run down with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MINIMAL_SCENARIO, edit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import ScenarioError, load_scenario_text

ROOT = Path(__file__).resolve().parents[1]
TIME_LIMIT_S = 2.0
# The wall-clock bound is looser: on a machine busy with other work a second of CPU can take
# several. A hang is caught by the subprocess timeout either way.
WALL_LIMIT_S = 30.0
MEMORY_LIMIT_MB = 600

SCRIPT = """
import json, resource, sys, time
from sim.scenario.loader import problems_in
t, cpu = time.monotonic(), time.process_time()
problems = problems_in(sys.argv[1])
elapsed, cpu = time.monotonic() - t, time.process_time() - cpu
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"elapsed": elapsed, "cpu": cpu, "peak_mb": peak_mb, "problems": [str(p) for p in problems]}))
"""


def load_in_subprocess(path: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["cpu"] < TIME_LIMIT_S, f"took {out['cpu']:.2f} s of CPU"
    assert out["elapsed"] < WALL_LIMIT_S, f"took {out['elapsed']:.2f} s"
    assert out["peak_mb"] < MEMORY_LIMIT_MB, f"peak memory {out['peak_mb']:.0f} MB"
    assert all("internal error" not in p for p in out["problems"])
    return out["problems"]


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb(write_scenario):
    path = write_scenario(billion_laughs())
    problems = load_in_subprocess(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path} line 6: aliases expand too far")


def test_alias_bomb_in_a_region_file(write_scenario, minimal_scenario_yaml):
    write_scenario(billion_laughs(), "regions/bomb.yaml")
    region_start = minimal_scenario_yaml.index("region:\n")
    region_end = minimal_scenario_yaml.index("incidents:\n")
    text = (
        minimal_scenario_yaml[:region_start]
        + "region: regions/bomb.yaml\n"
        + minimal_scenario_yaml[region_end:]
    )
    path = write_scenario(text)
    problems = load_in_subprocess(path)
    assert problems == [
        f"{path.parent / 'regions' / 'bomb.yaml'} line 6: aliases expand too far: the file holds "
        "more than 100,000 values once aliases are expanded"
    ]


def test_nesting_ten_thousand_deep_lists(write_scenario):
    path = write_scenario("name: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert load_in_subprocess(path) == [f"{path} line 1: the file nests deeper than 50 levels"]


def test_nesting_ten_thousand_deep_mappings(write_scenario):
    path = write_scenario("{a: " * 10_000 + "1" + "}" * 10_000 + "\n")
    assert load_in_subprocess(path) == [f"{path} line 1: the file nests deeper than 50 levels"]


def test_fifty_megabyte_file(write_scenario, tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:
        for _ in range(50):
            fh.write(b"#" * 999_999 + b"\n")
    assert path.stat().st_size == 50_000_000
    assert load_in_subprocess(path) == [
        f"{path}: the file is too large (50.0 MB); a scenario file may be at most 1 MB"
    ]


def test_too_many_values(write_scenario):
    path = write_scenario("name: [" + "1," * 450_000 + "1]\n")
    problems = load_in_subprocess(path)
    assert problems == [
        f"{path} line 1: the file holds too many values (more than 100,000 keys, values and lists)"
    ]


def test_thousands_of_bad_units_are_capped(write_scenario, minimal_scenario_yaml):
    units = "  units:\n" + "    - {id: x, kind: moon}\n" * 10_000
    text = edit(minimal_scenario_yaml, "  units:\n", units + "  unused:\n")
    path = write_scenario(text)
    problems = load_in_subprocess(path)
    assert len(problems) == 101
    assert problems[-1].startswith(f"{path}: and more problems not shown")


def test_huge_scalars_are_cut_short(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "title: Test drill", "title: " + "x" * 900_000)
    text = edit(text, "servers: 2", "servers: " + "9" * 20_000)
    path = write_scenario(text)
    problems = load_in_subprocess(path)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "title: may be at most 200 characters long",
        "region.units.vc-public.acute.servers: must be a whole number (got '" + "9" * 37 + "...')",
    ]
    assert all(len(p) < 600 for p in problems)


def test_huge_key_gets_a_short_message(write_scenario, minimal_scenario_yaml):
    text = edit(minimal_scenario_yaml, "horizon: 2d", "horizon: 2d\n" + "k" * 1000 + ": 1")
    problems = load_in_subprocess(write_scenario(text))
    assert len(problems) == 1
    assert "unknown field 'kkkk" in problems[0]
    assert len(problems[0]) < 600


def test_many_strategies(write_scenario, minimal_scenario_yaml):
    strategies = "".join(
        f"  - id: s{i}\n    set: {{recovery_actions.new-server.lead_time: {i % 5 + 1}h}}\n"
        for i in range(3_000)
    )
    text = edit(minimal_scenario_yaml, "  - id: fast\n", strategies + "  - id: fast\n")
    problems = load_in_subprocess(write_scenario(text))
    assert len(problems) == 1
    assert problems[0].endswith(
        "strategies: too many changes to try out on a scenario this size; split the strategies "
        "and drill options over several scenario files"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"name: a\x00b\n",
            "the file contains a control character U+0000; the file looks like UTF-16: save it as UTF-8",
        ),
        (
            b"name: a\x07b\n",
            "the file contains a control character U+0007; remove it or retype the line",
        ),
        (
            "name: a\n".encode("utf-16"),
            "the file is not UTF-8 text (byte 0xff cannot be decoded); save it as UTF-8",
        ),
    ],
)
def test_binary_content(write_scenario, content, message):
    path = write_scenario(content)
    assert load_in_subprocess(path) == [f"{path} line 1: {message}"]


# --------------------------------------------------------------------------- fuzzing


def _only_scenario_errors(payload: str | bytes) -> None:
    try:
        load_scenario_text(payload, "<fuzz>")
    except ScenarioError as exc:
        assert exc.problems
        assert all("internal error" not in p.message for p in exc.problems), exc.problems


# FUZZ_EXAMPLES=5000 runs a longer search by hand.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(st.text(max_size=400))
def test_arbitrary_text_raises_only_scenario_errors(text):
    _only_scenario_errors(text)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_scenario_errors(data):
    _only_scenario_errors(data)


YAML_BITS = st.sampled_from(
    [
        "",
        "-1",
        "0",
        "1e999",
        "true",
        "no",
        "~",
        "[]",
        "{}",
        "[a, b]",
        "{dist: lognormal}",
        "07:00",
        "2h",
        "&x 1",
        "*x",
        "!!str 1",
        "'",
        "network",
        "+1h",
        "99999999999999999999",
        "{<<: *x}",
        "\t",
        "2024-02-30 10:00",
        "- a",
        "x: y",
    ]
)


@FUZZ
@given(st.data())
def test_mutated_scenarios_raise_only_scenario_errors(data):
    """The minimal scenario with values replaced, lines dropped or repeated."""
    lines = MINIMAL_SCENARIO.splitlines()
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["value", "drop", "repeat"]))
        if action == "drop":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        elif ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {data.draw(YAML_BITS)}"
        if not lines:
            break
    _only_scenario_errors("\n".join(lines) + "\n")
