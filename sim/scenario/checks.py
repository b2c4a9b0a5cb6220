"""Checks across a validated scenario: ids that are used twice or refer to nothing, dependency
cycles, times outside the simulated period, and strategies whose changes do not apply.

Each check reports the data path of the offending value, so the loader can name its line.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from ..graph import DependencyGraph
from ..i18n import N_, _
from ..vocabulary import MILESTONE_FORM, MILESTONE_FORMS, READINESS_LEVELS, SINGLE_MILESTONES
from .assumptions import extract_assumptions
from .changes import ChangeError, scenario_data, set_path
from .model import (
    Action,
    BackupRoutine,
    CareUnit,
    Condition,
    Consumable,
    PhoneLine,
    RecoveryAction,
    Scenario,
    System,
)
from .problems import Problem, Sources, display_path, problems_from_validation, suggest
from .yamlsafe import Path_

MAX_CHANGE_TRIES = 300
"""Most times the changes of strategies and drill options are tried out on the scenario."""
MAX_CHANGE_WORK = 5_000_000
"""Tries times the size of the scenario (characters of JSON): bounds the time a large file takes."""

RAISED_LEVELS = READINESS_LEVELS[1:]
COST_FIELDS = frozenset({"horizon", "resolution", "region", "backup_routines", "recovery_actions"})
"""Top-level fields a change of which can change what a run costs (sim/limits.py)."""

Finding = tuple[Path_, str]


def check_scenario(scenario: Scenario, sources: Sources | None = None) -> list[Problem]:
    """Every cross-reference problem in a validated scenario."""
    if sources is None:
        sources = Sources("<scenario>", data=scenario_data(scenario))
    findings = list(_findings(scenario, sources))
    problems = [sources.problem(path, message) for path, message in findings]
    too_large = [] if problems else _check_cost(scenario, sources)
    # When the scenario itself is too large, every variant is too: say it once.
    problems += too_large + _check_changes(scenario, sources, check_cost=not too_large)
    return problems


def _check_cost(s: Scenario, sources: Sources) -> list[Problem]:
    """A scenario whose one replication would exceed the server's limits (sim/limits.py) is
    refused here, with the numbers, so that a file that passes validation runs."""
    from ..limits import current as current_limits
    from ..limits import footprint, replication_problem

    problem = replication_problem(footprint(s), current_limits())
    if problem is None:
        return []
    return [sources.problem(tuple(problem.field.split(".")) if problem.field else (), str(problem))]


def _findings(s: Scenario, sources: Sources) -> Iterator[Finding]:
    yield from _duplicate_ids(s, sources)
    yield from _unknown_systems(s, sources)
    yield from _unknown_members(s)
    yield from _cycles(s)
    yield from _times(s)
    yield from _exercise_references(s)
    yield from _continuity(s)


def _names(s: Scenario) -> dict[str, set[str]]:
    """The ids a reference may name, by what they are."""
    region = s.region
    return {
        "systems": {x.id for x in region.systems},
        "units": {x.id for x in region.units},
        "lines": {x.id for x in region.phone_lines},
        "consumables": {x.id for x in region.consumables},
        "backups": {x.id for x in s.backup_routines},
        "actions": {x.id for x in s.recovery_actions},
        "injects": {x.id for x in s.exercise.injects},
        "incidents": {x.id for x in s.incidents},
        "continuity": {x.id for x in _parts(s) if x.continuity is not None},
    }


def _duplicate_ids(s: Scenario, sources: Sources) -> Iterator[Finding]:
    """Ids used twice, in one list and across units, phone lines and consumables (covers: names
    any of them)."""
    region = s.region
    r: Path_ = ("region",)
    lists: list[tuple[Path_, list[Any]]] = [
        (r + ("systems",), region.systems),
        (("incidents",), s.incidents),
        (("backup_routines",), s.backup_routines),
        (("recovery_actions",), s.recovery_actions),
        (("exercise", "injects"), s.exercise.injects),
        (("exercise", "decisions"), s.exercise.decisions),
        (("exercise", "expected_actions"), s.exercise.expected_actions),
        (("strategies",), s.strategies),
    ]
    lists += [
        (("exercise", "decisions", i, "options"), d.options)
        for i, d in enumerate(s.exercise.decisions)
    ]
    for where, items in lists:
        yield from _duplicates([(where + (i, "id"), x.id) for i, x in enumerate(items)], sources)
    yield from _duplicates(
        [(r + ("units", i, "id"), x.id) for i, x in enumerate(region.units)]
        + [(r + ("phone_lines", i, "id"), x.id) for i, x in enumerate(region.phone_lines)]
        + [(r + ("consumables", i, "id"), x.id) for i, x in enumerate(region.consumables)],
        sources,
        across=N_("units, phone lines and consumables"),
    )


def _unknown_system(names: dict[str, set[str]], path: Path_, sid: str) -> Iterator[Finding]:
    if sid in names["systems"]:
        return
    other = next(
        (what for what, key in ((N_("a care unit"), "units"), (N_("a phone line"), "lines"),
                                (N_("a consumable"), "consumables"))
         if sid in names[key]),
        None,
    )
    if other:
        yield path, _("{id} is {what}, not a system; name a system from region.systems").format(id=repr(sid), what=_(other))
    else:
        yield path, _("unknown system {id}").format(id=repr(sid)) + suggest(sid, names["systems"])


def _unknown_systems(s: Scenario, sources: Sources) -> Iterator[Finding]:
    """Systems named anywhere must exist."""
    region, names = s.region, _names(s)
    r: Path_ = ("region",)
    parts: list[tuple[str, Sequence[Any]]] = [
        ("units", region.units),
        ("phone_lines", region.phone_lines),
        ("consumables", region.consumables),
        ("systems", region.systems),
    ]
    for key, group in parts:
        for i, item in enumerate(group):
            for j, dep in enumerate(item.depends_on):
                yield from _unknown_system(names, r + (key, i, "depends_on", j, "system"), dep.system)
    for i, inc in enumerate(s.incidents):
        for j, failed in enumerate(inc.failed):
            # A plain id in the file is a string there; point at the list item either way.
            path: Path_ = ("incidents", i, "fails", j)
            raw = _get(sources.data, path)
            yield from _unknown_system(names, path + (("system",) if isinstance(raw, dict) else ()), failed.system)
    for i, b in enumerate(s.backup_routines):
        for j, sid in enumerate(b.replaces):
            yield from _unknown_system(names, ("backup_routines", i, "replaces", j), sid)
    for i, a in enumerate(s.recovery_actions):
        for j, sid in enumerate(a.systems):
            yield from _unknown_system(names, ("recovery_actions", i, "systems", j), sid)


def _unknown_members(s: Scenario) -> Iterator[Finding]:
    """Units, lines and consumables named in covers, serves and a unit's consumables."""
    region, names = s.region, _names(s)
    r: Path_ = ("region",)
    units, consumables = names["units"], names["consumables"]
    coverable = units | names["lines"] | consumables
    covering: tuple[tuple[str, Sequence[BackupRoutine | RecoveryAction]], ...] = (
        ("backup_routines", s.backup_routines),
        ("recovery_actions", s.recovery_actions),
    )
    for key, coverers in covering:
        for i, x in enumerate(coverers):
            for j, target in enumerate(x.covers or []):
                if target not in coverable:
                    yield (
                        (key, i, "covers", j),
                        _("unknown unit, phone line or consumable {id}").format(id=repr(target)) + suggest(target, coverable),
                    )
    for i, line in enumerate(region.phone_lines):
        for j, uid in enumerate(line.serves):
            if uid not in units:
                yield r + ("phone_lines", i, "serves", j), _("unknown care unit {id}").format(id=repr(uid)) + suggest(uid, units)
    for i, unit in enumerate(region.units):
        for j, cid in enumerate(unit.consumables):
            if cid not in consumables:
                yield (r + ("units", i, "consumables", j),
                       _("unknown consumable {id}").format(id=repr(cid)) + suggest(cid, consumables))


def _in_period(s: Scenario, path: Path_, point: Any) -> Iterator[Finding]:
    """A time inside the simulated period."""
    if point is None:
        return
    hours = point.hours_from(s.start)
    if hours < 0:
        yield path, _("{time} is before the start of the scenario ({start})").format(time=point, start=f"{s.start:%Y-%m-%d %H:%M}")
    elif hours > s.horizon + 1e-9:
        end = s.start + _hours(s.horizon)
        yield (
            path,
            _("{time} is after the end of the simulated period ({end}, start + horizon)").format(
                time=point, end=f"{end:%Y-%m-%d %H:%M}"),
        )


def _times(s: Scenario) -> Iterator[Finding]:
    for i, inc in enumerate(s.incidents):
        yield from _in_period(s, ("incidents", i, "at"), inc.at)
    for i, a in enumerate(s.recovery_actions):
        yield from _in_period(s, ("recovery_actions", i, "start", "at"), a.start.at)
    ex: Path_ = ("exercise",)
    for i, inj in enumerate(s.exercise.injects):
        yield from _in_period(s, ex + ("injects", i, "at"), inj.at)
    for i, d in enumerate(s.exercise.decisions):
        yield from _in_period(s, ex + ("decisions", i, "at"), d.at)


def _exercise_references(s: Scenario) -> Iterator[Finding]:
    """Decision points: the default is an option; actions and conditions name things that exist."""
    names = _names(s)
    ex: Path_ = ("exercise",)
    for i, d in enumerate(s.exercise.decisions):
        options = [o.id for o in d.options]
        if d.default not in options:
            yield (
                ex + ("decisions", i, "default"),
                _("default {id} is not one of the options ({options})").format(id=repr(d.default), options=", ".join(options))
                + suggest(d.default, options, list_them=0),
            )
        for j, o in enumerate(d.options):
            for k, act in enumerate(o.actions):
                yield from _action(ex + ("decisions", i, "options", j, "actions", k), act, names)
    expected = {e.id for e in s.exercise.expected_actions}
    for i, inj in enumerate(s.exercise.injects):
        for j, eid in enumerate(inj.expects):
            if eid not in expected:
                yield (ex + ("injects", i, "expects", j),
                       _("unknown expected action {id}").format(id=repr(eid)) + suggest(eid, expected))
    objectives = len(s.exercise.objectives)
    for i, e in enumerate(s.exercise.expected_actions):
        yield from _action(ex + ("expected_actions", i, "action"), e.action, names)
        if e.objective is not None and e.objective > objectives:
            yield (ex + ("expected_actions", i, "objective"),
                   _("objective {n} does not exist: the exercise has {count} objective(s)").format(n=e.objective, count=objectives))
        problem = milestone_problem(e.after, names)
        if problem:
            yield ex + ("expected_actions", i, "after"), problem
    conditions: list[tuple[Path_, Condition | None]] = [
        (ex + ("injects", i, "when"), x.when) for i, x in enumerate(s.exercise.injects)
    ] + [(ex + ("decisions", i, "when"), x.when) for i, x in enumerate(s.exercise.decisions)]
    for path, cond in conditions:
        if cond is None:
            continue
        problem = milestone_problem(cond.milestone, names)
        if problem:
            yield path + ("milestone",), problem
        if not cond.reached and cond.by is None:
            yield path, _("reached: false needs by (the time by which the milestone is expected)")
        yield from _in_period(s, path + ("by",), cond.by)


def _parts(s: Scenario) -> list[CareUnit | PhoneLine | Consumable | System]:
    """Every unit, phone line, consumable and system: what may declare continuity deadlines."""
    region = s.region
    return [*region.units, *region.phone_lines, *region.consumables, *region.systems]


def _continuity(s: Scenario) -> Iterator[Finding]:
    """A deadline's services are services the unit has; only care units name services."""
    r: Path_ = ("region",)
    for i, u in enumerate(s.region.units):
        c = u.continuity
        if c is None or c.services is None:
            continue
        has = [name for name, part in (("acute", u.acute), ("planned", u.planned), ("discharge", u.beds))
               if part is not None]
        for j, service in enumerate(c.services):
            if service not in has:
                yield (
                    r + ("units", i, "continuity", "services", j),
                    _("unit {id} has no {service} service (it has: {services})").format(
                        id=repr(u.id), service=service, services=", ".join(has) or _("none")),
                )
    others: list[tuple[str, Sequence[PhoneLine | Consumable | System]]] = [
        ("phone_lines", s.region.phone_lines), ("consumables", s.region.consumables), ("systems", s.region.systems)]
    for key, items in others:
        for i, x in enumerate(items):
            if x.continuity is not None and x.continuity.services is not None:
                yield r + (key, i, "continuity", "services"), _("services belongs to care units; leave it out here")


def _hours(h: float) -> Any:
    from datetime import timedelta

    return timedelta(hours=h)


def _get(data: Any, path: Path_) -> Any:
    node = data
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _duplicates(
    entries: list[tuple[Path_, str]], sources: Sources, across: str = ""
) -> Iterator[Finding]:
    first: dict[str, Path_] = {}
    for path, ident in entries:
        if ident in first:
            also = sources.where(first[ident])
            if across:
                yield path, _("id {id} is used twice among {across} (first at {where}); ids must be unique").format(
                    id=repr(ident), across=_(across), where=also)
            else:
                yield path, _("id {id} is used twice (first at {where}); ids must be unique").format(id=repr(ident), where=also)
        else:
            first[ident] = path


def _cycles(s: Scenario) -> Iterator[Finding]:
    """Cycles among systems' depends_on, each reported once as `a -> b -> a` (no recursion)."""
    needs: dict[str, list[str]] = {}
    edge_path: dict[tuple[str, str], Path_] = {}
    for i, system in enumerate(s.region.systems):
        needs.setdefault(system.id, [])
        for j, dep in enumerate(system.depends_on):
            needs[system.id].append(dep.system)
            edge_path.setdefault(
                (system.id, dep.system), ("region", "systems", i, "depends_on", j, "system")
            )
    for cycle in DependencyGraph(needs).cycles():
        yield (
            edge_path[(cycle[0], cycle[1])],
            _("dependency cycle: {cycle}; systems cannot depend on each other in a circle").format(cycle=" -> ".join(cycle)),
        )


def _action(path: Path_, act: Action, names: dict[str, set[str]]) -> Iterator[Finding]:
    target = act.target
    if target is None:
        return
    if act.do == "raise_readiness":
        known, what = set(RAISED_LEVELS), _("unknown readiness level to raise to {id}")
    elif act.do == "lower_readiness":
        known, what = set(READINESS_LEVELS), _("unknown readiness level {id}")
    elif act.do == "activate_backup":
        known, what = names["backups"], _("unknown backup routine {id}")
    elif act.do == "start_recovery":
        known, what = names["actions"], _("unknown recovery action {id}")
    elif act.do == "cancel_planned":
        known, what = names["units"], _("unknown care unit {id}")
    else:
        return
    if target not in known:
        yield path + ("target",), what.format(id=repr(target)) + suggest(target, known)


def milestone_problem(text: str, names: dict[str, set[str]]) -> str | None:
    """Why `text` is not a milestone, or None when it is one."""
    parts = text.split(":")
    forms = ", ".join(MILESTONE_FORMS)
    if len(parts) == 1:
        singles = set(SINGLE_MILESTONES)
        if text in singles:
            return None
        return _not_milestone(text, suggest(text, singles, list_them=0), forms)
    known_ids = {**names, "levels": set(READINESS_LEVELS)}
    kinds: dict[str, tuple[str, set[str], set[str] | None]] = {
        f.head: (f.names, known_ids[f.refers_to], set(f.events) or None) for f in MILESTONE_FORM.values()
    }
    kind = parts[0]
    if kind not in kinds:
        return _not_milestone(text, suggest(kind, set(kinds), list_them=0), forms)
    what, known, events = kinds[kind]
    want = 2 if events is None else 3
    if len(parts) != want:
        shape = f"{kind}:ID" if events is None else f"{kind}:ID:{'|'.join(sorted(events))}"
        return _("{text} is not a milestone; write it as {shape}").format(text=repr(text), shape=shape)
    if parts[1] not in known:
        return _("unknown {what} {id} in milestone {text}").format(what=_(what), id=repr(parts[1]), text=repr(text)) + suggest(
            parts[1], known)
    if events is not None and parts[2] not in events:
        return _("{text}: a {what} milestone ends in {events}").format(
            text=repr(text), what=_(what), events=(" " + _("or") + " ").join(sorted(events))) + suggest(parts[2], events, list_them=0)
    return None


def _not_milestone(text: str, hint: str, forms: str) -> str:
    return _("{text} is not a milestone").format(text=repr(text)) + hint + "; " + _("write one of {forms}").format(forms=forms)


# --------------------------------------------------------------------------- strategies


def _check_changes(s: Scenario, sources: Sources, check_cost: bool = True) -> list[Problem]:
    """Apply each strategy's and each drill option's `set:` to the scenario, as the runs will."""
    sets: list[tuple[Path_, dict[str, Any]]] = [
        (("strategies", i, "set"), st.set) for i, st in enumerate(s.strategies)
    ]
    for i, d in enumerate(s.exercise.decisions):
        sets += [
            (("exercise", "decisions", i, "options", j, "set"), o.set)
            for j, o in enumerate(d.options)
            if o.set
        ]
    if not sets:
        return []
    # Strategies are left out of the base: they cannot change each other, and a file with many
    # of them would otherwise be validated again in full for each one.
    base = scenario_data(s.model_copy(update={"strategies": []}))
    # Each try validates the whole scenario; a budget keeps a huge file from taking minutes.
    tries_left = min(MAX_CHANGE_TRIES, MAX_CHANGE_WORK // max(len(json.dumps(base)), 1))
    problems: list[Problem] = []
    for where, changes in sets:
        tries_left -= 1
        if tries_left < 0:
            return problems + [_too_many(sources)]
        if _change_problem(base, changes, check_cost) is None:
            continue
        bad_keys = 0
        for key, value in changes.items():
            tries_left -= 1
            if tries_left < 0:
                return problems + [_too_many(sources)]
            problem = _change_problem(base, {key: value}, check_cost)
            if problem is not None:
                bad_keys += 1
                problems.append(sources.problem(where + (key,), problem))
        if not bad_keys:
            problems.append(
                sources.problem(where, _("these changes together: {problem}").format(
                    problem=_change_problem(base, changes, check_cost)))
            )
    return problems


def _too_many(sources: Sources) -> Problem:
    return sources.problem(
        ("strategies",),
        _("too many changes to try out on a scenario this size; split the strategies and drill "
          "options over several scenario files"),
    )


def _change_problem(base: dict[str, Any], changes: dict[str, Any], check_cost: bool = True) -> str | None:
    data = copy.deepcopy(base)
    try:
        for path, value in changes.items():
            set_path(data, path, value)
    except ChangeError as exc:
        return exc.message
    data, _assumed, range_problems = extract_assumptions(data, Scenario)
    if range_problems:
        return _gives(range_problems[0])
    try:
        changed = Scenario.model_validate(data)
    except ValidationError as exc:
        found = problems_from_validation(exc, data, Sources("", data=data), Scenario)
        return _gives(found[0])
    if not check_cost or not any(path.split(".")[0] in COST_FIELDS for path in changes):
        return None
    from ..limits import current as current_limits
    from ..limits import footprint, replication_problem

    too_large = replication_problem(footprint(changed), current_limits())
    return None if too_large is None else _("gives a scenario too large to run here: {problem}").format(problem=too_large)


def _gives(first: Problem) -> str:
    return _("gives {part}: {problem}").format(part=first.path or _("the scenario"), problem=first.message)


__all__ = ["MILESTONE_FORMS", "check_scenario", "display_path", "milestone_problem"]
