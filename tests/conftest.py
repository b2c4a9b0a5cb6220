"""Shared fixtures: a small valid scenario to break in tests, and helpers to write and find it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# Tests read English unless they ask for another language; a Swedish LANG on a developer's
# machine would otherwise change what the command line prints.
os.environ["SIM_LANG"] = "en"
# The app shows an unexpected error as a short message and logs it; the tests want to see it raised
# (tests/test_app_errors.py switches this off to check the short message).
os.environ["SIM_DEBUG"] = "1"



@pytest.fixture(scope="module")
def sormland() -> Any:
    """The shipped Sörmland scenario, loaded once per test module."""
    from shipped import SORMLAND

    from sim.scenario.loader import load_scenario

    return load_scenario(SORMLAND)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    """A new, empty drill database."""
    from sim.drill.store import DrillStore

    return DrillStore(tmp_path / "drills.sqlite")


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the app keeps its drills in this test (SIM_DRILL_DB; the file is not made yet)."""
    path = tmp_path / "drills.sqlite"
    monkeypatch.setenv("SIM_DRILL_DB", str(path))
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow", action="store_true", default=False,
        help="also run the tests marked slow (the long differential runs `make bench` does)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --slow (make bench does)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

MINIMAL_SCENARIO = """\
name: test-drill
title: Test drill
start: 2024-01-22 00:00
horizon: 2d
region:
  id: test-region
  name: Test region
  units:
    - id: vc-public
      name: Public primary care
      kind: primary_care
      count: 2
      acute:
        arrivals_per_day: 10
        servers: 2
      planned:
        visits_per_day: 40
      depends_on:
        - system: journal
  phone_lines:
    - id: switchboard
      name: Switchboard
      calls_per_day: 100
      agents: 2
      serves: [vc-public]
      depends_on:
        - system: telephony
  systems:
    - id: network
      name: Regional network
      kind: platform
    - id: journal
      name: Journal system
      depends_on:
        - system: network
    - id: telephony
      name: Telephony
      depends_on:
        - system: network
incidents:
  - id: outage
    name: Network outage
    at: "07:00"
    fails: [network]
    repair: 4h
backup_routines:
  - id: paper
    name: Paper journals
    replaces: [journal]
    capacity: 0.6
recovery_actions:
  - id: new-server
    name: New server
    kind: failover
    systems: [network]
    start: {after: diagnosis}
    lead_time: 2h
strategies:
  - id: fast
    set:
      recovery_actions.new-server.lead_time: 1h
"""


@pytest.fixture
def minimal_scenario_yaml() -> str:
    """A small valid scenario with an inline region, one incident and one strategy."""
    return MINIMAL_SCENARIO


def edit(text: str, old: str, new: str) -> str:
    """`text` with the first `old` replaced by `new`; fails loudly when `old` is not there."""
    assert old in text, f"fixture has no {old!r}"
    return text.replace(old, new, 1)


def line_of(text: str, fragment: str, after: str | None = None) -> int:
    """1-based line of the first line containing `fragment` (below the line holding `after`)."""
    start = line_of(text, after) if after else 0
    for number, line in enumerate(text.splitlines(), start=1):
        if number > start and fragment in line:
            return number
    raise AssertionError(f"no line contains {fragment!r}")


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def write(content: str | bytes, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
