"""Evidence files: one YAML file per observed incident or study in scenarios/evidence/, with its
source, what was observed (a KPI, a unit kind, a time window, a value or range, how it was
measured) and the shipped scenario that encodes it. Validated like scenarios: a pydantic model,
and every problem as `FILE line N: field: message`."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from ..scenario.problems import (
    Problem,
    ScenarioError,
    Sources,
    finish,
    problems_from_validation,
    suggest,
)
from ..scenario.quantities import TimePointField
from ..scenario.yamlsafe import YamlError, decode_utf8, parse_yaml, read_capped

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]

Statistic = Literal["value", "count", "share"]
SHARE_OF = {
    "cancelled_planned": "planned_booked",
    "cancelled_acute": "acute_arrived",
    "calls_unanswered": "calls_attempts",
}
"""For `statistic: share`: the cumulative series of the normal volume a windowed count is
divided by (visits booked, acute patients arriving, call attempts)."""


def windowed_kpis() -> frozenset[str]:
    """KPIs that can be counted in a time window and by unit kind (from the vocabulary)."""
    from ..vocabulary import KPIS

    return frozenset(k.name for k in KPIS if k.by_window)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Source(_Model):
    """Where the figures come from."""

    title: str = Field(min_length=1, max_length=300)
    """Title of the report, statement, article or study."""
    publisher: str = Field(min_length=1, max_length=200)
    """Who published it (an authority, a journal, a news outlet)."""
    date: date
    """Date of publication (or of the statement), YYYY-MM-DD."""
    second_hand: bool = False
    """true when the figures were taken from a report about the source, not the source itself."""
    note: str = ""
    """What else a reader should know about the source."""


class Window(_Model):
    """A period of the encoding scenario, in its time points (`2021-05-14 08:00`, `+3d`)."""

    start: TimePointField
    """From this moment."""
    end: TimePointField
    """Up to this moment."""


class Observation(_Model):
    """One thing that was observed, as the simulator reports it."""

    id: Id
    """Short id, unique in the file."""
    kpi: str
    """A KPI of the simulator, by its name in sim/vocabulary.py (`cancelled_planned`, `staff_mode_h`, `full_operation_at_h`, ...)."""
    statistic: Statistic = "value"
    """value: the KPI of the whole run; count: the KPI counted in `window` (and `unit_kind`);
    share: that count as a share of the normal volume (cancelled visits of those booked,
    diverted acute patients of those arriving, unanswered calls of the attempts)."""
    unit_kind: Literal["hospital", "primary_care", "dental", "other", "phone"] | None = None
    """The unit kind counted (left out: all kinds)."""
    window: Window | None = None
    """The period counted (left out: the whole run)."""
    value: float | None = None
    """The observed value (give value or low/high)."""
    low: float | None = None
    """Lowest value consistent with the source (a range, or a bound with only low)."""
    high: float | None = None
    """Highest value consistent with the source."""
    tolerance: float = Field(default=0.1, gt=0, le=1)
    """For a single value: the relative error within which it counts as matched."""
    measured: str = Field(min_length=1)
    """How it was measured or stated, in the source's words."""
    second_hand: bool = False
    """true when this figure came second-hand."""

    @model_validator(mode="after")
    def _check(self) -> Observation:
        if (self.value is None) == (self.low is None and self.high is None):
            raise ValueError("give value, or low and/or high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low must not be above high")
        from ..vocabulary import KPI

        if self.kpi not in KPI:
            raise ValueError(f"no KPI {self.kpi!r}{suggest(self.kpi, list(KPI))}")
        windowed = windowed_kpis()
        if self.statistic in ("count", "share") and self.kpi not in windowed:
            raise ValueError(
                f"{self.kpi!r} cannot be counted in a window; count one of {', '.join(sorted(windowed))}"
            )
        if self.statistic == "share" and self.kpi not in SHARE_OF:
            raise ValueError(f"a share is of {', '.join(SHARE_OF)}, not {self.kpi!r}")
        if self.statistic == "value" and (self.window is not None or self.unit_kind is not None):
            raise ValueError("window and unit_kind need statistic: count or share")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high) of what counts as matched."""
        if self.value is not None:
            d = abs(self.value) * self.tolerance
            return self.value - d, self.value + d
        lo = self.low if self.low is not None else -float("inf")
        hi = self.high if self.high is not None else float("inf")
        return lo, hi

    @property
    def central(self) -> float:
        """One number for the observation: the value, the middle of a range, or its bound."""
        if self.value is not None:
            return self.value
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return self.low if self.low is not None else self.high  # type: ignore[return-value]

    def describe(self) -> str:
        if self.value is not None:
            return f"{self.value:g}"
        if self.low is not None and self.high is not None:
            return f"{self.low:g}-{self.high:g}"
        return f">= {self.low:g}" if self.low is not None else f"<= {self.high:g}"


class EvidenceFile(_Model):
    """An observed incident or a study, and the scenario that encodes it."""

    name: Id
    """Short name (the file is scenarios/evidence/NAME.yaml)."""
    title: str = Field(min_length=1, max_length=200)
    """What happened, in a line."""
    kind: Literal["incident", "study"]
    """incident: one event; study: figures over many hospitals or events."""
    level: Literal["incident", "population"] | None = None
    """How the calibration of the reference ranges counts the observations: `incident`, one
    hospital or region with values of its own; `population`, a mean or total over many hospitals
    or incidents, which pins the population's mean rather than one draw from it. Left out: a
    study is `population`, an incident `incident`; an incident that hit many organisations and is
    reported as their total (a national attack) says `population`."""
    country: str = Field(min_length=2, max_length=60)
    """Where it happened."""
    sources: list[Source] = Field(min_length=1)
    """Where the figures come from."""
    facts: list[str] = Field(default_factory=list)
    """What was published, in words, including what the model does not use."""
    scenario: str | None = None
    """The shipped scenario that encodes it, relative to this file (`../hse-ireland-2021.yaml`)."""
    not_encoded: str = ""
    """Without a scenario: why the model cannot encode it yet, and what uses it instead."""
    observations: list[Observation] = Field(default_factory=list)
    """What was observed, as KPIs of the encoding scenario."""

    @property
    def pooling_level(self) -> str:
        """`level`, or its default for the kind."""
        return self.level or ("population" if self.kind == "study" else "incident")

    @model_validator(mode="after")
    def _check(self) -> EvidenceFile:
        if self.scenario is None and not self.not_encoded:
            raise ValueError("give the scenario that encodes it, or not_encoded: why there is none")
        if self.scenario is None and self.observations:
            raise ValueError("observations need a scenario to be compared with")
        ids = [o.id for o in self.observations]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"observation ids must be unique: {', '.join(dup)}")
        return self


class Evidence:
    """An evidence file loaded with its encoding scenario."""

    def __init__(self, path: Path, file: EvidenceFile, scenario: Any):
        self.path = path
        self.file = file
        self.scenario = scenario
        """The encoding scenario (sim.scenario.Scenario), or None."""

    @property
    def name(self) -> str:
        return self.file.name


def is_evidence_data(data: Any) -> bool:
    """Whether parsed YAML is an evidence file (rather than a scenario)."""
    if not isinstance(data, dict) or "region" in data:
        return False
    return "observations" in data or "not_encoded" in data or data.get("kind") in ("incident", "study")


def problems_in_evidence(path: str | os.PathLike[str]) -> list[Problem]:
    return _load(Path(path))[1]


def load_evidence(path: str | os.PathLike[str]) -> Evidence:
    """An evidence file and its scenario; raises ScenarioError listing every problem."""
    ev, problems = _load(Path(path))
    if problems or ev is None:
        raise ScenarioError(problems)
    return ev


def _load(path: Path) -> tuple[Evidence | None, list[Problem]]:
    from ..scenario.loader import load_scenario, problems_in

    name = str(path)
    try:
        doc = parse_yaml(decode_utf8(read_capped(path)))
    except YamlError as exc:
        return None, [Problem(name, i.line, "", i.message) for i in exc.issues]
    data = doc.data
    if not isinstance(data, dict):
        return None, [Problem(name, doc.line_of(()), "", "an evidence file is a mapping of fields (name:, title:, sources:, observations:, ...)")]
    sources = Sources(name, doc, data=data)
    try:
        ev = EvidenceFile.model_validate(data)
    except ValidationError as exc:
        return None, finish(problems_from_validation(exc, data, sources, EvidenceFile), name)
    problems: list[Problem] = []
    scenario = None
    if ev.scenario is not None:
        target = (path.parent / ev.scenario).resolve()
        if not target.is_file():
            problems.append(sources.problem(("scenario",), f"scenario file {ev.scenario!r} not found (looked for {target})"))
        else:
            found = problems_in(target)
            if found:
                problems.append(sources.problem(("scenario",), f"the scenario {ev.scenario} has problems: run sim validate on it ({found[0]})"))
            else:
                scenario = load_scenario(target)
                problems += _window_problems(ev, scenario, sources)
    return (Evidence(path, ev, scenario) if not problems else None), finish(problems, name)


def _window_problems(ev: EvidenceFile, scenario: Any, sources: Sources) -> list[Problem]:
    out = []
    for i, o in enumerate(ev.observations):
        if o.window is None:
            continue
        a, b = scenario.hours(o.window.start), scenario.hours(o.window.end)
        if not 0 <= a < b <= scenario.horizon:
            out.append(sources.problem(("observations", i, "window"),
                f"the window must lie inside the scenario's simulated period (0 to {scenario.horizon:g} h from its start) and end after it starts; it is {a:g} h to {b:g} h"))
    return out


EVIDENCE_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "evidence"


def library_paths(folder: Path = EVIDENCE_DIR) -> list[Path]:
    """Every evidence file in the library folder (not the reference ranges)."""
    return sorted(p for p in folder.glob("*.yaml") if p.name != "reference-ranges.yaml")


def load_library(folder: Path = EVIDENCE_DIR) -> list[Evidence]:
    return [load_evidence(p) for p in library_paths(folder)]
