"""Every valid file bounded: a run's memory and work are estimated from the scenario before it
starts, and what exceeds the limits is refused up front with the numbers; a file admitted runs
inside the limit (checked with a resource limit on a subprocess); sweeps count their grid before
building it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from conftest import MINIMAL_SCENARIO, edit, line_of

from sim import limits
from sim.engine import BudgetExceeded, simulate
from sim.experiments import run_experiment
from sim.experiments.sweep import Parameter, SweepError, sweep_variants
from sim.scenario.loader import load_scenario, load_scenario_text, problems_in_text

ROOT = Path(__file__).resolve().parent.parent

# Two kilobytes that ask for a one-minute grid over 138 days, with a group of 10,000 units whose
# arrivals are drawn per unit and step: about 30 GB for one replication.
MONSTER = """\
name: monster
title: A small valid file that asks for too much
start: 2024-01-22 00:00
horizon: 138d
resolution: 1min
region:
  id: r
  name: R
  units:
    - {id: a, name: A, kind: hospital, count: 40, acute: {arrivals_per_day: 50, servers: 4}, beds: {beds: 300}, depends_on: [{system: journal}]}
    - {id: b, name: B, kind: primary_care, count: 10000, acute: {arrivals_per_day: 0.1, servers: 2}, depends_on: [{system: journal}]}
  phone_lines:
    - {id: p, name: P, count: 50, calls_per_day: 200, agents: 3, depends_on: [{system: net}]}
  systems:
    - {id: net, name: Net, kind: platform}
    - {id: journal, name: J, depends_on: [{system: net}]}
incidents:
  - {id: i, name: I, at: "07:00", fails: [net], repair: 6h}
"""

# About 270 MB for one replication: admitted under a limit a little above that.
EDGE = """\
name: edge
title: A small valid file near the memory limit
start: 2024-01-22 00:00
horizon: 20d
resolution: 1min
region:
  id: r
  name: R
  units:
    - {id: a, name: A, kind: hospital, count: 4, acute: {arrivals_per_day: 50, servers: 4}, planned: {visits_per_day: 100}, beds: {beds: 300}, depends_on: [{system: journal}]}
    - {id: b, name: B, kind: primary_care, count: 300, acute: {arrivals_per_day: 2, servers: 2}, planned: {visits_per_day: 20}, depends_on: [{system: journal}]}
  phone_lines:
    - {id: p, name: P, count: 5, calls_per_day: 200, agents: 3, depends_on: [{system: net}]}
  systems:
    - {id: net, name: Net, kind: platform}
    - {id: journal, name: J, depends_on: [{system: net}]}
incidents:
  - {id: i, name: I, at: "07:00", fails: [net], repair: 6h}
"""


def sim_in_subprocess(args: list[str], memory_mb: int, env: dict[str, str], timeout: float = 240):
    """`sim ARGS` with its data segment (heap and private mappings) limited to `memory_mb`."""
    def limit() -> None:
        size = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (size, size))

    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, env={**os.environ, **env}, preexec_fn=limit,
        capture_output=True, text=True, timeout=timeout,
    )


def test_the_files_are_small():
    assert len(MONSTER.encode()) <= 2048 and len(EDGE.encode()) <= 2048


def test_a_small_file_asking_for_too_much_is_refused_with_the_numbers_and_its_line():
    problems = problems_in_text(MONSTER, "monster.yaml")
    assert len(problems) == 1
    p = problems[0]
    assert (p.line, p.path) == (line_of(MONSTER, "resolution:"), "resolution")
    assert "1 min steps over 138 days for 10,040 units needs about" in p.message
    assert "GB for one replication; the limit is 4.0 GB (SIM_MAX_MEMORY_MB)" in p.message
    assert "use a resolution of" in p.message


def test_the_cli_refuses_it_up_front_under_a_memory_limit(tmp_path):
    path = tmp_path / "monster.yaml"
    path.write_text(MONSTER, encoding="utf-8")
    started = time.monotonic()
    res = sim_in_subprocess(["run", str(path), "-n", "100"], memory_mb=1024, env={})
    assert time.monotonic() - started < 60
    assert res.returncode == 2, res.stderr
    assert f"{path} line 5: resolution: 1 min steps over 138 days" in res.stdout + res.stderr
    assert "Traceback" not in res.stderr


def test_a_file_near_the_limit_runs_inside_it(tmp_path):
    """The estimate is on the high side: admitted under SIM_MAX_MEMORY_MB, the run stays within a
    resource limit of that size; a little under the estimate, it is refused up front."""
    path = tmp_path / "edge.yaml"
    path.write_text(EDGE, encoding="utf-8")
    fp = limits.footprint(load_scenario(path))
    estimate_mb = (limits.PROCESS_BYTES + fp.replication_bytes) / 2**20
    admitted = int(estimate_mb) + 8
    res = sim_in_subprocess(["run", str(path), "-n", "2", "--executor", "serial"], admitted,
                            {"SIM_MAX_MEMORY_MB": str(admitted)})
    assert res.returncode == 0, res.stderr[-2000:]
    refused = int(estimate_mb * 0.9)
    res = sim_in_subprocess(["run", str(path), "-n", "2", "--executor", "serial"], refused,
                            {"SIM_MAX_MEMORY_MB": str(refused)})
    assert res.returncode == 2 and "SIM_MAX_MEMORY_MB" in res.stdout + res.stderr
    assert "Traceback" not in res.stderr


def test_running_out_of_memory_anyway_is_a_message_not_a_traceback(tmp_path):
    path = tmp_path / "edge.yaml"
    path.write_text(EDGE, encoding="utf-8")
    res = sim_in_subprocess(["run", str(path), "-n", "2", "--executor", "serial"], 200, {"SIM_MAX_MEMORY_MB": "4096"})
    assert res.returncode == 1
    assert "out of memory" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize(
    "shape",
    [
        {"units": 3, "lines": 1, "items": 1},
        {"units": 12, "lines": 4, "items": 2},
        {"units": 1, "lines": 0, "items": 0, "count": 300},
        {"units": 6, "lines": 1, "items": 0, "backups": 5},
    ],
)
def test_the_estimate_is_on_the_high_side(shape):
    sc = load_scenario_text(_shaped(**shape))
    fp = limits.footprint(sc)
    simulate(sc, 0)
    tracemalloc.start()
    simulate(sc, 1)
    rep = simulate(sc, 2)  # the previous result is still held while the next is computed
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert fp.series >= len(rep.series)
    assert peak <= fp.replication_bytes <= 4 * peak + limits.MB * 4


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_the_series_bound_holds_for_every_shipped_scenario(path):
    sc = load_scenario(path)
    assert limits.footprint(sc).series >= len(simulate(sc, 0).series)


def _shaped(units: int, lines: int, items: int, count: int = 1, backups: int = 1) -> str:
    kinds = ["hospital", "primary_care", "dental", "other"]
    text = [
        "name: shaped\ntitle: Shaped\nstart: 2024-01-22 00:00\nhorizon: 6d\nresolution: 5min\n",
        "region:\n  id: r\n  name: R\n  units:\n",
    ]
    for i in range(units):
        beds = ", beds: {beds: 40}" if i % 4 == 0 else ""
        uses = f", consumables: [c{i % items}]" if items else ""
        text.append(
            f"    - {{id: u{i}, name: U, kind: {kinds[i % 4]}, count: {count}, acute: {{arrivals_per_day: 20, "
            f"servers: 2}}, planned: {{visits_per_day: 30}}{beds}{uses}, depends_on: [{{system: journal}}]}}\n"
        )
    if lines:
        text.append("  phone_lines:\n")
        text += [f"    - {{id: p{i}, name: P, calls_per_day: 100, agents: 2, depends_on: [{{system: net}}]}}\n"
                 for i in range(lines)]
    if items:
        text.append("  consumables:\n")
        text += [f"    - {{id: c{i}, name: C, depends_on: [{{system: ordering}}]}}\n" for i in range(items)]
    text.append(
        "  systems:\n    - {id: net, name: N, kind: platform}\n"
        "    - {id: journal, name: J, depends_on: [{system: net}]}\n"
        "    - {id: ordering, name: O, depends_on: [{system: net}]}\n"
        'incidents:\n  - {id: i, name: I, at: "07:00", fails: [net], repair: 30h}\n'
        "backup_routines:\n"
    )
    text += [f"  - {{id: b{k}, name: B, replaces: [journal], capacity: 0.6, admin_debt_per_hour: 1}}\n"
             for k in range(backups)]
    return "".join(text)


def test_a_strategy_that_makes_the_scenario_too_large_is_refused_at_its_line():
    text = edit(MINIMAL_SCENARIO, "      recovery_actions.new-server.lead_time: 1h\n",
                "      recovery_actions.new-server.lead_time: 1h\n      horizon: 100d\n      resolution: 1min\n"
                "      region.units.vc-public.count: 10000\n")
    problems = problems_in_text(text, "s.yaml")
    assert len(problems) == 1
    assert problems[0].path == "strategies.fast.set"
    assert problems[0].line == line_of(text, "set:", after="strategies:")
    assert "too large to run here" in problems[0].message and "(SIM_MAX_" in problems[0].message


def test_a_run_too_large_for_its_workers_is_refused_or_given_fewer(monkeypatch):
    sc = load_scenario_text(_shaped(3, 1, 1))
    fp = limits.footprint(sc)
    one = limits.run_bytes([fp], limits.RunShape(10, 1, False, 2))
    monkeypatch.setenv("SIM_MAX_MEMORY_MB", str(int(one / limits.MB) + 1))
    with pytest.raises(limits.TooLarge, match="on 8 worker processes need about .*: use 1 worker process"):
        run_experiment(sc, ["baseline"], 10, 0, executor="local", workers=8, bands=False)
    # Without --workers, as many as fit: here one.
    from sim.experiments.runner import check_size

    assert check_size({"baseline": sc}, 10, "local", None, None, False) == 1


def test_the_work_of_a_replication_is_bounded(monkeypatch):
    text = edit(MINIMAL_SCENARIO, "horizon: 2d", "horizon: 100d\nresolution: 1min")
    monkeypatch.setenv("SIM_MAX_WORK", "100000")
    problems = problems_in_text(text, "w.yaml")
    assert [p.path for p in problems] == ["resolution"]
    assert "steps of work a replication" in problems[0].message and "SIM_MAX_WORK" in problems[0].message
    monkeypatch.delenv("SIM_MAX_WORK")
    sc = load_scenario_text(text)
    monkeypatch.setenv("SIM_MAX_WORK", "100000")
    with pytest.raises(BudgetExceeded, match="SIM_MAX_WORK"):
        simulate(sc, 0)  # the engine checks again, whatever path a scenario took to it


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("SIM_MAX_MEMORY_MB", "512")
    monkeypatch.setenv("SIM_MAX_CONTACTS", "nonsense")
    monkeypatch.setenv("SIM_MAX_WORK", "-5")
    got = limits.Limits.from_environment()
    assert got.memory_mb == 512 and got.contacts == limits.Limits().contacts and got.work == limits.Limits().work


def test_a_sweep_counts_its_grid_before_building_it(minimal_scenario_yaml):
    sc = load_scenario_text(minimal_scenario_yaml)
    values = tuple(round(0.01 * i, 2) for i in range(100))
    huge = [Parameter(f"recovery_actions.new-server.capacity{i}", values) for i in range(7)]  # 10^14 points
    started = time.monotonic()
    with pytest.raises(SweepError, match="the grid has 100,000,000,000,000 points; the most a sweep runs is 1,000"):
        sweep_variants(sc, huge, ["baseline"])
    assert time.monotonic() - started < 10.0  # building the grid would never end
