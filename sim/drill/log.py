"""Decision logs: how a group played a drill, as a YAML file that `sim drill` plays again.

    scenario: ../sormland-network-2022.yaml   # relative to the log; needed by `sim drill compare`
    seed: 1
    team: Team A
    start: "06:30"        # the drill clock's start (default: the first failure or inject)
    until: "18:00"        # where the clock stops at the end (default: the end of the period)
    decisions:
      - {at: "07:00", decide: staff-mode, option: raise-now, by: sjukvårdsledare}
      - {at: "07:20", do: cancel_planned, period: 10h}
      - {at: "08:20", decide: failover, skip: true}
    notes:
      - {at: "09:00", text: "1177 overloaded", by: kommunikatör}
      - {text: "Staff mode came late", hot_wash: true}
      - {at: "09:10", text: "a note struck later", struck: {by: facilitator, at: "09:15"}}
    improvements:
      - {finding: ..., action: ..., owner: ..., due: 2023-03-01}

Times are written as in scenarios: a clock time on the start date, a date and time, or an offset
from the start (+7h). Problems name the file and line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from ..scenario.model import Action, Scenario
from ..scenario.problems import Problem, Sources, problems_from_validation, suggest
from ..scenario.quantities import Duration, TimePointField, parse_time_point
from ..scenario.yamlsafe import YamlDocument, YamlError, decode_utf8, parse_yaml, read_capped
from .session import (
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    Drill,
    DrillError,
    Entry,
    Improvement,
    Note,
    ceil_minute,
    to_minute,
)

IMPROVEMENT_KEYS = ("finding", "action", "owner", "due")
ActionName = Literal[
    "raise_readiness", "lower_readiness", "activate_backup", "cancel_planned", "start_recovery", "inform_patients"
]


class DrillLogError(ValueError):
    """A decision log that cannot be played; `problems` lists each with file and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class LoggedStep:
    line: int | None
    index: int
    at: Any  # a TimePoint
    spec: dict[str, Any]


@dataclass
class DecisionLog:
    """A decision log read from a file: structure checked, references not yet."""

    file: str
    scenario_path: Path | None = None
    seed: int = 0
    team: str = ""
    start: Any = None
    until: Any = None
    steps: list[LoggedStep] = field(default_factory=list)
    notes: list[tuple[int | None, Any, dict[str, Any]]] = field(default_factory=list)
    improvements: list[Improvement] = field(default_factory=list)
    doc: YamlDocument | None = None
    problems: list[Problem] = field(default_factory=list)
    """Problems in the log's structure; play_log reports them with those it finds against the
    scenario."""

    def line(self, *path: Any) -> int | None:
        return self.doc.line_of(tuple(path)) if self.doc is not None else None


def read_log(path: str | os.PathLike[str]) -> DecisionLog:
    """Read and check the structure of a decision log file; raises DrillLogError."""
    path = Path(path)
    name = str(path)
    try:
        text = decode_utf8(read_capped(path))
    except YamlError as exc:
        raise DrillLogError([Problem(name, i.line, "", i.message) for i in exc.issues]) from None
    return parse_log(text, name, path.parent)


# --------------------------------------------------------------------------- the file's model


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogEntry(_Part):
    """One decision: `decide:` a decision point (an `option:` or `skip: true`), or `do:` an action."""

    at: TimePointField | None = None
    decide: str | None = None
    option: str | None = None
    skip: bool = False
    do: ActionName | None = None
    target: str | None = None
    period: Duration | None = None
    by: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> LogEntry:
        if self.at is None:
            raise ValueError("give the time of the decision (at: 07:15)")
        if (self.decide is None) == (self.do is None):
            raise ValueError("give either decide: (a decision point) or do: (an action), not both or neither")
        if self.decide is not None:
            if self.skip and self.option is not None:
                raise ValueError("give option: or skip: true, not both")
            if not self.skip and self.option is None:
                raise ValueError("give the option chosen (option: id), or skip: true to leave it open")
            if self.target is not None or self.period is not None:
                raise ValueError("target and period belong to do: entries")
        elif self.option is not None or self.skip:
            raise ValueError("option and skip belong to decide: entries")
        return self


class LogStruck(_Part):
    """Who struck a note out, and when."""

    at: TimePointField
    by: Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)] | None = None


class LogNote(_Part):
    """A note taken during the drill; `hot_wash: true` for the hot wash, `struck:` when struck out."""

    at: TimePointField | None = None
    text: Annotated[str, StringConstraints(max_length=MAX_NOTE_CHARS)]
    by: Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)] | None = None
    hot_wash: bool = False
    struck: LogStruck | None = None


class LogImprovement(_Part):
    """One row of the improvement plan (any of its cells may be left out)."""

    finding: str | int | float | None = None
    action: str | int | float | None = None
    owner: str | int | float | None = None
    due: str | int | float | None = None


class LogFile(_Part):
    """A decision log file: checked field by field, each problem with its line."""

    scenario: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    seed: Annotated[int, Field(ge=0, strict=True)] = 0
    team: str | None = None
    start: TimePointField | None = None
    until: TimePointField | None = None
    decisions: list[LogEntry] | None = None
    notes: list[LogNote] | None = None
    improvements: list[LogImprovement] | None = None


def parse_log(text: str, name: str = "<log>", base_dir: Path | None = None) -> DecisionLog:
    """Check the structure of a decision log given as text. Raises DrillLogError when the text is
    not YAML or not a mapping; other problems are kept in `problems` for play_log to report."""
    try:
        doc = parse_yaml(text)
    except YamlError as exc:
        raise DrillLogError(
            [Problem(name, i.line, ".".join(str(p) for p in i.path), i.message) for i in exc.issues]
        ) from None
    data = doc.data
    if not isinstance(data, dict):
        raise DrillLogError([Problem(name, 1, "", "a decision log is a mapping (seed:, decisions:, ...)")])
    log = DecisionLog(name, doc=doc)
    try:
        LogFile.model_validate(data)
    except ValidationError as exc:
        log.problems = problems_from_validation(exc, data, Sources(name, doc, data=data), LogFile)
    bad = {p.path for p in log.problems}

    def fine(*path: Any) -> bool:
        text = ".".join(str(x) for x in path)
        return not any(b == text or b.startswith(text + ".") for b in bad)

    if fine("scenario") and data.get("scenario"):
        log.scenario_path = (base_dir or Path(".")) / str(data["scenario"]).strip()
    log.seed = int(data.get("seed") or 0) if fine("seed") else 0
    log.team = str(data.get("team") or "")
    for key in ("start", "until"):
        if fine(key) and data.get(key) is not None:
            setattr(log, key, parse_time_point(data[key]))
    for i, spec in enumerate(_items(data, "decisions")):
        if fine("decisions", i):
            log.steps.append(LoggedStep(doc.line_of(("decisions", i)), i, LogEntry.model_validate(spec).at, spec))
    for i, spec in enumerate(_items(data, "notes")):
        if fine("notes", i):
            log.notes.append((doc.line_of(("notes", i)), LogNote.model_validate(spec).at, spec))
    for i, spec in enumerate(_items(data, "improvements")):
        if fine("improvements", i):
            log.improvements.append(Improvement(*(str(spec.get(k) or "") for k in IMPROVEMENT_KEYS)))
    return log


def _items(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def play_log(log: DecisionLog, scenario: Scenario, seed: int | None = None) -> Drill:
    """Play a drill of `scenario` from a decision log; raises DrillLogError naming the line of the
    first entry that does not fit the scenario or the drill's course."""
    problems: list[Problem] = list(log.problems)
    horizon = scenario.horizon
    start_h = None
    if log.start is not None:
        start_h = to_minute(scenario.hours(log.start))
        if not 0 <= start_h < horizon:
            end_text = f"{scenario.start:%Y-%m-%d %H:%M} + {horizon:g} h"
            problems.append(Problem(log.file, log.line("start"), "start", f"{log.start} is outside the scenario ({end_text})"))
            start_h = None
    try:
        drill = Drill.new(scenario, log.seed if seed is None else seed, start_h)
    except DrillError as exc:
        raise DrillLogError([Problem(log.file, log.line("seed"), "seed", str(exc))]) from None
    planned = [p for step in log.steps if (p := _plan(log, drill, step, problems)) is not None]
    until_h = _until(log, drill, planned, problems)
    if problems:
        raise DrillLogError(sorted(problems, key=lambda p: p.line or 0))
    drill = _replay(log, drill, sorted(planned, key=lambda p: p[0]), until_h)
    notes = []
    for line, at, spec in log.notes:
        t = to_minute(scenario.hours(at)) if at is not None else drill.clock_h
        if not drill.start_h - 1e-9 <= t <= horizon + 1e-9:
            raise DrillLogError([Problem(log.file, line, "notes", f"{at} is outside the drill")])
        note = Note(t, spec["text"], str(spec.get("by") or ""), bool(spec.get("hot_wash", False)))
        struck = spec.get("struck")
        if struck is not None:
            struck_h = to_minute(scenario.hours(parse_time_point(struck["at"])))
            note = Note(note.t_h, note.text, note.by, note.hot_wash, str(struck.get("by") or ""), struck_h)
        notes.append(note)
    return drill.__class__(
        drill.scenario, drill.seed, drill.start_h, drill.clock_h, drill.entries,
        tuple(sorted(notes, key=lambda n: n.t_h)), tuple(log.improvements),
    )


Planned = tuple[float, LoggedStep, Entry]


def _plan(log: DecisionLog, drill: Drill, step: LoggedStep, problems: list[Problem]) -> Planned | None:
    """The entry a logged step makes on the drill, or None (with its problem) when it does not
    fit the scenario."""
    scenario, horizon = drill.scenario, drill.horizon_h
    spec, path = step.spec, f"decisions.{step.index}"

    def bad(where: str, message: str) -> None:
        problems.append(Problem(log.file, step.line, where, message))

    t = to_minute(scenario.hours(step.at))
    if t < drill.start_h - 1e-9 or t > horizon + 1e-9:
        bad(f"{path}.at", f"{step.at} is outside the drill (from {drill.clock_text(drill.start_h)} to the end "
            f"of the scenario, {drill.clock_text(horizon)})")
        return None
    by, note = str(spec.get("by") or ""), str(spec.get("note") or "")
    if "decide" not in spec:
        try:
            action = Action(do=spec["do"], target=spec.get("target"), period=spec.get("period"))
            drill._check_action(action)
        except (ValueError, DrillError) as exc:
            bad(path, _first_line(exc))
            return None
        return t, step, Entry(t, "action", None, None, action, by, note)
    decisions = {d.id: d for d in scenario.exercise.decisions}
    dp = decisions.get(spec["decide"])
    if dp is None:
        bad(f"{path}.decide", f"unknown decision point {spec['decide']!r}{suggest(spec['decide'], list(decisions))}")
        return None
    if spec.get("skip"):
        return t, step, Entry(t, "skip", dp.id, None, None, by, note)
    ids = [o.id for o in dp.options]
    if spec["option"] not in ids:
        bad(f"{path}.option", f"decision point {dp.id!r} has no option {spec['option']!r}{suggest(spec['option'], ids)}")
        return None
    return t, step, Entry(t, "option", dp.id, spec["option"], None, by, note)


def _until(log: DecisionLog, drill: Drill, planned: list[Planned], problems: list[Problem]) -> float:
    """Where the clock stops: the log's `until`, or the end of the scenario."""
    horizon = drill.horizon_h
    if log.until is None:
        return horizon
    until_h = to_minute(drill.scenario.hours(log.until))
    line = log.line("until")
    if not drill.start_h < until_h <= horizon + 1e-9:
        problems.append(Problem(
            log.file, line, "until",
            f"{log.until} is outside the drill (after {drill.clock_text(drill.start_h)}, by {drill.clock_text(horizon)})",
        ))
    elif planned and max(t for t, _s, _e in planned) > until_h + 1e-9:
        problems.append(Problem(log.file, line, "until", f"{log.until} is before the log's last decision"))
    return until_h


def _replay(log: DecisionLog, drill: Drill, planned: list[Planned], until_h: float) -> Drill:
    """The drill with the planned entries taken in time order and the clock run to `until_h`."""
    for t, step, entry in planned:
        while drill.clock_h < t - 1e-9:
            drill, _message = drill.advance(t)
        try:
            if entry.action is not None:
                drill = drill.act(entry.action, entry.by, entry.note)
            elif entry.kind == "skip":
                drill = drill.skip(entry.decision or "", entry.by, entry.note)
            else:
                drill = drill.choose(entry.decision or "", entry.option or "", entry.by, entry.note)
        except DrillError as exc:
            message = f"{exc} (seed {drill.seed})"
            raise DrillLogError([Problem(log.file, step.line, f"decisions.{step.index}", message)]) from None
    while drill.clock_h < until_h - 1e-9:
        drill, _message = drill.advance(until_h)
    return drill


def _first_line(exc: Exception) -> str:
    text = str(exc)
    if "validation error" in text:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return "; ".join(lines[1:3]) if len(lines) > 1 else text
    return text.splitlines()[0]


# --------------------------------------------------------------------------- writing


def time_text(drill: Drill, t_h: float) -> str:
    """A drill time as a log writes it: HH:MM on the start date, else date and time."""
    t = ceil_minute(t_h) if abs(t_h - to_minute(t_h)) > 1e-9 else to_minute(t_h)
    when = drill.when(t)
    if when.date() == drill.scenario.start.date():
        return _Time(f"{when:%H:%M}")
    return _Time(f"{when:%Y-%m-%d %H:%M}")


def log_yaml(
    drill: Drill, *, scenario_path: str | None = None, team: str = "", until: bool = True, source: str = ""
) -> str:
    """The drill's decision log as YAML that `sim drill` plays again."""
    from ..scenario.quantities import format_duration

    data: dict[str, Any] = {}
    if scenario_path:
        data["scenario"] = scenario_path
    data["seed"] = drill.seed
    if team:
        data["team"] = team
    data["start"] = time_text(drill, drill.start_h)
    if until:
        data["until"] = time_text(drill, drill.clock_h)
    steps = []
    for e in drill.entries:
        item: dict[str, Any] = {"at": time_text(drill, e.t_h)}
        if e.kind == "action" and e.action is not None:
            item["do"] = e.action.do
            if e.action.target is not None:
                item["target"] = e.action.target
            if e.action.period is not None:
                item["period"] = format_duration(e.action.period)
        else:
            item["decide"] = e.decision
            if e.kind == "skip":
                item["skip"] = True
            else:
                item["option"] = e.option
        if e.by:
            item["by"] = e.by
        if e.note:
            item["note"] = e.note
        steps.append(item)
    data["decisions"] = steps
    if drill.notes:
        data["notes"] = [
            {"at": time_text(drill, n.t_h), "text": n.text, **({"by": n.by} if n.by else {}),
             **({"hot_wash": True} if n.hot_wash else {}),
             **({"struck": {"by": n.struck_by, "at": time_text(drill, n.struck_at_h)}} if n.struck_at_h is not None else {})}
            for n in drill.notes
        ]
    if drill.improvements:
        data["improvements"] = [
            {"finding": r.finding, "action": r.action, "owner": r.owner, "due": r.due}
            for r in drill.improvements
        ]
    head = f"# Decision log of a drill of {drill.scenario.name}; play it with `sim drill`.\n"
    if not scenario_path:
        ran_on = f" (the drill ran on {source})" if source else ""
        head += (
            f"# To compare it with `sim drill compare`, add `scenario: PATH`{ran_on}, the scenario\n"
            "# file's path relative to this log.\n"
        )
    return head + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Time(str):
    """A time written in quotes, so that no YAML reader takes 06:30 for a number."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Time, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"'))
