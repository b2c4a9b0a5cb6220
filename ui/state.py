"""Per-session state: the scenario being worked on and the runs made with it.

Everything lives in st.session_state, so two people on the same server never see each other's
scenario or results. Nothing here is kept at module level.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from sim.scenario import Problem, Scenario, ScenarioError, load_scenario_text

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_DIR = ROOT / "scenarios"
DEFAULT_SCENARIO = "sormland-network-2022.yaml"

_SCENARIO = "scenario_choice"
_RUNS = "runs"
_LAST_RUN = "last_run_key"


@dataclass(frozen=True)
class ScenarioChoice:
    """A scenario text with what validating it gave: the scenario, or its problems."""

    text: str
    name: str
    """The name problems are reported under (a file name)."""
    origin: str
    """`shipped`, `upload` or `edit`."""
    scenario: Scenario | None
    problems: tuple[Problem, ...] = ()
    files: tuple[tuple[str, bytes], ...] = ()
    """Region files uploaded beside the scenario, by the path its `region:` names."""

    @property
    def digest(self) -> str:
        h = hashlib.sha256(self.text.encode("utf-8"))
        for name, data in self.files:
            h.update(b"\0" + name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
        return h.hexdigest()

    @property
    def ok(self) -> bool:
        return self.scenario is not None


@dataclass(frozen=True)
class RunSettings:
    replications: int
    seed: int
    strategies: tuple[str, ...]
    executor: str
    workers: int | None = None
    engine: str = "fast"


@dataclass
class RunResult:
    """A finished run: the experiment and its JSON summary, under the key it was cached by."""

    key: tuple[Any, ...]
    settings: RunSettings
    scenario_name: str
    file: str
    experiment: Any
    summary: dict[str, Any]
    wall_s: float
    notes: list[str] = field(default_factory=list)


def shipped_scenarios() -> dict[str, Path]:
    """Scenario files shipped in scenarios/ (region files in scenarios/regions/ are not scenarios)."""
    return {p.name: p for p in sorted(SCENARIO_DIR.glob("*.yaml"))}


Files = tuple[tuple[str, bytes], ...]


def validate(text: str, name: str, origin: str, files: Files = ()) -> ScenarioChoice:
    """Check a scenario text. A `region:` file path is looked up among the region files uploaded
    beside it, then among the shipped region files."""
    try:
        scenario = load_scenario_text(text, name=name, base_dir=SCENARIO_DIR, files=dict(files))
    except ScenarioError as exc:
        return ScenarioChoice(text, name, origin, None, tuple(exc.problems), files)
    return ScenarioChoice(text, name, origin, scenario, (), files)


def validate_bytes(raw: bytes, name: str, origin: str, files: Files = ()) -> ScenarioChoice:
    """Check an uploaded file as it came (the loader reports a file that is not UTF-8); the
    editor gets its text with undecodable bytes replaced."""
    text = raw.decode("utf-8", errors="replace")
    try:
        scenario = load_scenario_text(raw, name=name, base_dir=SCENARIO_DIR, files=dict(files))
    except ScenarioError as exc:
        return ScenarioChoice(text, name, origin, None, tuple(exc.problems), files)
    return ScenarioChoice(text, name, origin, scenario, (), files)


def load_shipped(file_name: str) -> ScenarioChoice:
    path = shipped_scenarios()[file_name]
    return validate(path.read_text(encoding="utf-8"), f"scenarios/{file_name}", "shipped")


def current_scenario() -> ScenarioChoice:
    """This session's scenario; the default shipped one on the first visit."""
    if _SCENARIO not in st.session_state:
        st.session_state[_SCENARIO] = load_shipped(DEFAULT_SCENARIO)
    return st.session_state[_SCENARIO]


def set_scenario(choice: ScenarioChoice) -> None:
    st.session_state[_SCENARIO] = choice


def run_key(choice: ScenarioChoice, settings: RunSettings) -> tuple[Any, ...]:
    """What a run's results depend on: the scenario's content and the settings (the executor
    and worker count do not change the numbers, so they are not part of the key)."""
    return (choice.digest, settings.replications, settings.seed, settings.strategies, settings.engine)


def _runs() -> OrderedDict[tuple[Any, ...], RunResult]:
    if _RUNS not in st.session_state:
        st.session_state[_RUNS] = OrderedDict()
    return st.session_state[_RUNS]


def cached_run(key: tuple[Any, ...]) -> RunResult | None:
    runs = _runs()
    result = runs.get(key)
    if result is not None:
        runs.move_to_end(key)
    return result


def keep_run(result: RunResult, kept: int) -> None:
    """Keep a finished run in this session (the oldest go once more than `kept` are held)."""
    runs = _runs()
    runs[result.key] = result
    runs.move_to_end(result.key)
    while len(runs) > kept:
        runs.popitem(last=False)
    st.session_state[_LAST_RUN] = result.key


def last_run() -> RunResult | None:
    key = st.session_state.get(_LAST_RUN)
    return _runs().get(key) if key is not None else None
