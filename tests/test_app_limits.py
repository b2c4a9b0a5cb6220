"""Limits that protect a shared server: settings from the environment, the shared run slots,
the replication cap and a run's time budget."""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest

from ui import runs, settings, state

ROOT = Path(__file__).resolve().parent.parent


def choice() -> state.ScenarioChoice:
    path = ROOT / "scenarios" / "sormland-network-2022.yaml"
    return state.validate(path.read_text(encoding="utf-8"), "scenarios/sormland-network-2022.yaml", "shipped")


def test_defaults(monkeypatch):
    for name in ("SIM_APP_MAX_UPLOAD_BYTES", "SIM_APP_MAX_REPLICATIONS", "SIM_APP_RUN_BUDGET_S",
                 "SIM_APP_MAX_HEAVY_RUNS", "SIM_APP_DEFAULT_REPLICATIONS"):
        monkeypatch.delenv(name, raising=False)
    limits = settings.read_limits()
    assert limits.max_upload_bytes == 1_000_000 and limits.max_upload_mb == 1
    assert limits.default_replications == 50 <= limits.max_replications
    assert limits.run_budget_s > 0 and limits.max_heavy_runs >= 1


def test_environment_overrides_and_bad_values(monkeypatch):
    monkeypatch.setenv("SIM_APP_MAX_UPLOAD_BYTES", "2500000")
    monkeypatch.setenv("SIM_APP_MAX_REPLICATIONS", "30")
    monkeypatch.setenv("SIM_APP_DEFAULT_REPLICATIONS", "80")
    monkeypatch.setenv("SIM_APP_MAX_HEAVY_RUNS", "lots")
    monkeypatch.setenv("SIM_APP_RUN_BUDGET_S", "-5")
    limits = settings.read_limits()
    assert limits.max_upload_bytes == 2_500_000 and limits.max_upload_mb == 3
    assert limits.max_replications == 30 and limits.default_replications == 30
    assert limits.max_heavy_runs == 2  # not a number: the default
    assert limits.run_budget_s == 0.1  # never zero or negative


def test_the_shared_object_is_a_bounded_semaphore():
    assert isinstance(settings.HEAVY_RUNS, type(threading.BoundedSemaphore()))


def test_a_run_waits_for_a_slot_and_is_told_so():
    slots = threading.BoundedSemaphore(1)
    limits = dataclasses.replace(settings.LIMITS, max_heavy_runs=1, queue_wait_s=5)
    told: list[int] = []
    slots.acquire()
    threading.Timer(0.3, slots.release).start()
    started = time.monotonic()
    with runs.heavy_run_slot(told.append, limits, slots):
        waited = time.monotonic() - started
    assert told == [1] and waited >= 0.25
    assert slots.acquire(blocking=False)  # released again


def test_a_run_gives_up_when_the_server_stays_busy():
    slots = threading.BoundedSemaphore(1)
    limits = dataclasses.replace(settings.LIMITS, max_heavy_runs=1, queue_wait_s=0.2)
    slots.acquire()
    with pytest.raises(runs.RunRefused, match="busy"), runs.heavy_run_slot(lambda n: None, limits, slots):
        pass


def test_replications_are_capped():
    limits = dataclasses.replace(settings.LIMITS, max_replications=20)
    s = state.RunSettings(21, 0, ("baseline",), "serial")
    with pytest.raises(runs.RunRefused, match="between 1 and 20"):
        runs.execute(choice(), s, limits=limits)


def test_unknown_strategy_and_invalid_scenario_are_refused():
    with pytest.raises(runs.RunRefused, match="nope"):
        runs.execute(choice(), state.RunSettings(2, 0, ("nope",), "serial"))
    bad = state.validate("name: x\n", "bad.yaml", "edit")
    with pytest.raises(runs.RunRefused, match="problems"):
        runs.execute(bad, state.RunSettings(2, 0, ("baseline",), "serial"))


def test_a_run_over_its_time_budget_stops_with_partial_results():
    limits = dataclasses.replace(settings.LIMITS, run_budget_s=0.001)
    s = state.RunSettings(400, 0, ("baseline",), "serial")
    result = runs.execute(choice(), s, limits=limits)
    assert result.experiment.partial
    assert result.notes and "partial" in result.notes[0]
    assert result.key[-1] == "partial"


def test_run_key_follows_content_and_settings_not_the_executor():
    c = choice()
    a = state.run_key(c, state.RunSettings(10, 0, ("baseline",), "serial"))
    b = state.run_key(c, state.RunSettings(10, 0, ("baseline",), "local"))
    assert a == b
    assert a != state.run_key(c, state.RunSettings(10, 1, ("baseline",), "serial"))
    edited = state.validate(c.text + "\n# a comment\n", c.name, "edit")
    assert a != state.run_key(edited, state.RunSettings(10, 0, ("baseline",), "serial"))


@pytest.mark.parametrize("executor", ["serial", "local"])
def test_a_five_second_budget_stops_a_long_run_within_about_ten_seconds(executor):
    """The budget is kept inside a chunk of work: a chunk of the large region (50 replications of
    about half a second each on a quiet machine) takes far longer than the budget, and the run
    still stops on time with the replications it finished. The bound leaves room for a machine
    busy with other work; without the stop inside a chunk, the run takes over 20 s."""
    path = ROOT / "scenarios" / "large-region-benchmark.yaml"
    choice = state.validate(path.read_text(encoding="utf-8"), "scenarios/large-region-benchmark.yaml", "shipped")
    limits = dataclasses.replace(settings.LIMITS, run_budget_s=5.0, max_workers=2)
    s = state.RunSettings(2000, 0, ("baseline",), executor)
    started = time.monotonic()
    result = runs.execute(choice, s, limits=limits)
    elapsed = time.monotonic() - started
    assert elapsed < 15.0, f"took {elapsed:.1f} s"
    exp = result.experiment
    assert exp.partial and exp.runs["baseline"].replications < 2000
    assert result.summary["partial"] is True
    assert "partial" in result.notes[0]
