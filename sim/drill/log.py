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
from typing import Any

import yaml

from ..scenario.model import Action, Scenario
from ..scenario.problems import Problem, suggest
from ..scenario.quantities import parse_duration_h, parse_time_point
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
    check_length,
    to_minute,
)

TOP_KEYS = ("scenario", "seed", "team", "start", "until", "decisions", "notes", "improvements")
DECISION_KEYS = ("at", "decide", "option", "skip", "do", "target", "period", "by", "note")
NOTE_KEYS = ("at", "text", "by", "hot_wash", "struck")
STRUCK_KEYS = ("by", "at")
IMPROVEMENT_KEYS = ("finding", "action", "owner", "due")
ACTIONS = (
    "raise_readiness",
    "lower_readiness",
    "activate_backup",
    "cancel_planned",
    "start_recovery",
    "inform_patients",
)


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


def parse_log(text: str, name: str = "<log>", base_dir: Path | None = None) -> DecisionLog:
    """Check the structure of a decision log given as text. Raises DrillLogError when the text is
    not YAML or not a mapping; other problems are kept in `problems` for play_log to report."""
    try:
        doc = parse_yaml(text)
    except YamlError as exc:
        raise DrillLogError(
            [Problem(name, i.line, ".".join(str(p) for p in i.path), i.message) for i in exc.issues]
        ) from None
    log = DecisionLog(name, doc=doc)
    problems: list[Problem] = []

    def bad(path: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(name, doc.line_of(path), ".".join(str(p) for p in path), message))

    data = doc.data
    if not isinstance(data, dict):
        raise DrillLogError([Problem(name, 1, "", "a decision log is a mapping (seed:, decisions:, ...)")])
    for key in data:
        if key not in TOP_KEYS:
            bad((key,), f"unknown field {key!r}{suggest(key, list(TOP_KEYS))}")
    if "scenario" in data:
        if not isinstance(data["scenario"], str) or not data["scenario"].strip():
            bad(("scenario",), "write the scenario file's path, relative to this log")
        else:
            log.scenario_path = (base_dir or Path(".")) / data["scenario"]
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        bad(("seed",), f"the seed is a whole number, zero or more, not {seed!r}")
    else:
        log.seed = seed
    log.team = str(data.get("team") or "")
    for key in ("start", "until"):
        if data.get(key) is not None:
            try:
                setattr(log, key, parse_time_point(data[key]))
            except ValueError as exc:
                bad((key,), str(exc))

    steps = data.get("decisions", [])
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        bad(("decisions",), "decisions is a list of entries (- at: ..., decide: ... or do: ...)")
        steps = []
    for i, spec in enumerate(steps):
        where = ("decisions", i)
        if not isinstance(spec, dict):
            bad(where, "each entry is a mapping with at: and decide: or do:")
            continue
        for key in spec:
            if key not in DECISION_KEYS:
                bad((*where, key), f"unknown field {key!r}{suggest(key, list(DECISION_KEYS))}")
        at = None
        if "at" not in spec:
            bad(where, "give the time of the decision (at: 07:15)")
        else:
            try:
                at = parse_time_point(spec["at"])
            except ValueError as exc:
                bad((*where, "at"), str(exc))
        has_decide, has_do = "decide" in spec, "do" in spec
        if has_decide == has_do:
            bad(where, "give either decide: (a decision point) or do: (an action), not both or neither")
        elif has_decide:
            if not isinstance(spec["decide"], str):
                bad((*where, "decide"), "write the decision point's id")
            skip = spec.get("skip", False)
            if not isinstance(skip, bool):
                bad((*where, "skip"), "skip is true or false")
            elif skip and "option" in spec:
                bad(where, "give option: or skip: true, not both")
            elif not skip and not isinstance(spec.get("option"), str):
                bad(where, "give the option chosen (option: id), or skip: true to leave it open")
            for key in ("target", "period"):
                if key in spec:
                    bad((*where, key), f"{key} belongs to do: entries")
        else:
            if spec["do"] not in ACTIONS:
                bad((*where, "do"), f"unknown action {spec['do']!r}{suggest(spec['do'], list(ACTIONS))}")
            if "period" in spec:
                try:
                    parse_duration_h(spec["period"])
                except ValueError as exc:
                    bad((*where, "period"), str(exc))
            for key in ("option", "skip"):
                if key in spec:
                    bad((*where, key), f"{key} belongs to decide: entries")
        for key in ("by", "note"):
            if key in spec and not isinstance(spec[key], str):
                bad((*where, key), f"{key} is text")
        if at is not None:
            log.steps.append(LoggedStep(doc.line_of(where), i, at, spec))

    notes = data.get("notes") or []
    if not isinstance(notes, list):
        bad(("notes",), "notes is a list of {at:, text:, by:}")
        notes = []
    for i, spec in enumerate(notes):
        where = ("notes", i)
        if not isinstance(spec, dict) or not isinstance(spec.get("text"), str):
            bad(where, "each note is a mapping with text: (and at:, by:, hot_wash: if wanted)")
            continue
        for key in spec:
            if key not in NOTE_KEYS:
                bad((*where, key), f"unknown field {key!r}{suggest(key, list(NOTE_KEYS))}")
        at = None
        if spec.get("at") is not None:
            try:
                at = parse_time_point(spec["at"])
            except ValueError as exc:
                bad((*where, "at"), str(exc))
        for key, limit in (("text", MAX_NOTE_CHARS), ("by", MAX_NAME_CHARS)):
            try:
                check_length(str(spec.get(key) or ""), key, limit)
            except DrillError as exc:
                bad((*where, key), str(exc))
        struck = spec.get("struck")
        if struck is not None and not (
            isinstance(struck, dict) and set(struck) <= set(STRUCK_KEYS) and struck.get("at") is not None
        ):
            bad((*where, "struck"), "struck is a mapping {by:, at:}: who struck the note, and when")
        elif struck is not None:
            try:
                parse_time_point(struck["at"])
            except ValueError as exc:
                bad((*where, "struck", "at"), str(exc))
        log.notes.append((doc.line_of(where), at, spec))

    rows = data.get("improvements") or []
    if not isinstance(rows, list):
        bad(("improvements",), "improvements is a list of {finding:, action:, owner:, due:}")
        rows = []
    for i, spec in enumerate(rows):
        where = ("improvements", i)
        if not isinstance(spec, dict):
            bad(where, "each row is a mapping with finding:, action:, owner:, due:")
            continue
        for key in spec:
            if key not in IMPROVEMENT_KEYS:
                bad((*where, key), f"unknown field {key!r}{suggest(key, list(IMPROVEMENT_KEYS))}")
        log.improvements.append(Improvement(*(str(spec.get(k) or "") for k in IMPROVEMENT_KEYS)))
    log.problems = problems
    return log


def play_log(log: DecisionLog, scenario: Scenario, seed: int | None = None) -> Drill:
    """Play a drill of `scenario` from a decision log; raises DrillLogError naming the line of the
    first entry that does not fit the scenario or the drill's course."""
    name = log.file
    problems: list[Problem] = list(log.problems)
    bad_steps = {p.path.split(".")[1] for p in problems if p.path.startswith("decisions.") and p.path.count(".") >= 1}

    def problem(line: int | None, path: str, message: str) -> Problem:
        return Problem(name, line, path, message)

    horizon = scenario.horizon
    end_text = f"{scenario.start:%Y-%m-%d %H:%M} + {horizon:g} h"
    decisions = {d.id: d for d in scenario.exercise.decisions}

    def when(point: Any) -> float:
        return to_minute(scenario.hours(point))

    start_h = None
    if log.start is not None:
        start_h = when(log.start)
        if not 0 <= start_h < horizon:
            problems.append(problem(log.line("start"), "start", f"{log.start} is outside the scenario ({end_text})"))
    try:
        drill = Drill.new(scenario, log.seed if seed is None else seed, start_h if start_h is not None and 0 <= start_h < horizon else None)
    except DrillError as exc:
        raise DrillLogError([problem(log.line("seed"), "seed", str(exc))]) from None

    planned: list[tuple[float, LoggedStep, Entry]] = []
    for step in log.steps:
        spec, path = step.spec, f"decisions.{step.index}"
        if str(step.index) in bad_steps:
            continue
        t = when(step.at)
        if t < drill.start_h - 1e-9 or t > horizon + 1e-9:
            problems.append(problem(
                step.line, f"{path}.at",
                f"{step.at} is outside the drill (from {drill.clock_text(drill.start_h)} to the end of the "
                f"scenario, {drill.clock_text(horizon)})",
            ))
            continue
        by, note = str(spec.get("by") or ""), str(spec.get("note") or "")
        if "decide" in spec:
            dp = decisions.get(spec["decide"])
            if dp is None:
                problems.append(problem(
                    step.line, f"{path}.decide",
                    f"unknown decision point {spec['decide']!r}{suggest(spec['decide'], list(decisions))}",
                ))
                continue
            if spec.get("skip"):
                planned.append((t, step, Entry(t, "skip", dp.id, None, None, by, note)))
                continue
            ids = [o.id for o in dp.options]
            if spec["option"] not in ids:
                problems.append(problem(
                    step.line, f"{path}.option",
                    f"decision point {dp.id!r} has no option {spec['option']!r}{suggest(spec['option'], ids)}",
                ))
                continue
            planned.append((t, step, Entry(t, "option", dp.id, spec["option"], None, by, note)))
        else:
            try:
                action = Action(
                    do=spec["do"],
                    target=spec.get("target"),
                    period=spec.get("period"),
                )
                drill._check_action(action)
            except (ValueError, DrillError) as exc:
                problems.append(problem(step.line, path, _first_line(exc)))
                continue
            planned.append((t, step, Entry(t, "action", None, None, action, by, note)))
    until_h = horizon
    if log.until is not None:
        until_h = when(log.until)
        if not drill.start_h < until_h <= horizon + 1e-9:
            problems.append(problem(
                log.line("until"), "until",
                f"{log.until} is outside the drill (after {drill.clock_text(drill.start_h)}, by {drill.clock_text(horizon)})",
            ))
        elif planned and max(t for t, _s, _e in planned) > until_h + 1e-9:
            problems.append(problem(log.line("until"), "until", f"{log.until} is before the log's last decision"))
    if problems:
        raise DrillLogError(sorted(problems, key=lambda p: p.line or 0))

    planned.sort(key=lambda p: p[0])
    for t, step, entry in planned:
        while drill.clock_h < t - 1e-9:
            drill, _message = drill.advance(t)
        try:
            if entry.kind == "action":
                drill = drill.act(entry.action, entry.by, entry.note)  # type: ignore[arg-type]
            elif entry.kind == "skip":
                drill = drill.skip(entry.decision or "", entry.by, entry.note)
            else:
                drill = drill.choose(entry.decision or "", entry.option or "", entry.by, entry.note)
        except DrillError as exc:
            raise DrillLogError([problem(step.line, f"decisions.{step.index}", f"{exc} (seed {drill.seed})")]) from None
    while drill.clock_h < until_h - 1e-9:
        drill, _message = drill.advance(until_h)
    notes = []
    for line, at, spec in log.notes:
        t = when(at) if at is not None else drill.clock_h
        if not drill.start_h - 1e-9 <= t <= horizon + 1e-9:
            raise DrillLogError([problem(line, "notes", f"{at} is outside the drill")])
        note = Note(t, spec["text"], str(spec.get("by") or ""), bool(spec.get("hot_wash", False)))
        struck = spec.get("struck")
        if struck is not None:
            struck_h = when(parse_time_point(struck["at"]))
            note = Note(note.t_h, note.text, note.by, note.hot_wash, str(struck.get("by") or ""), struck_h)
        notes.append(note)
    return drill.__class__(
        drill.scenario, drill.seed, drill.start_h, drill.clock_h, drill.entries,
        tuple(sorted(notes, key=lambda n: n.t_h)), tuple(log.improvements),
    )


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
