"""A drill: a scenario, a seed, a clock and the group's decision log.

The drill's state is only that. Its played timeline is one simulation of the scenario under the
logged decisions, shown up to the clock; every step plays it again from the start (a replication
takes milliseconds), so a drill replayed from its log is exact. In a drill the group decides:
the automatic escalation and cancellation policies are off and decision points take no defaults.

An option's `set:` changes apply to the whole run, so they are meant for things that act after the
decision (lead times, policies, a recovery action's start). `Drill.choose` says so when a change
alters what has already been shown.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np

from ..engine import Branch, Control, TimedAction, branch_seed, replication_seed
from ..experiments.bands import percentile_band
from ..i18n import N_, _, clock, language
from ..limits import TooLarge, check_kept, footprint
from ..scenario.changes import ChangeError, apply_changes, scenario_data
from ..scenario.model import Action, Condition, DecisionPoint, Inject, Scenario
from ..vocabulary import DEADLINE_KPIS, KPI, TOTAL, kpi, series, series_key
from .catalogue import describe_action
from .deadlines import DeadlineInject, breach_inject, declared
from .play import EPS, Played, play

DEFAULT_REPLICATIONS = 20
"""Replications behind a what-if preview and the Monte Carlo band: enough for p10-p90 at a few
hundred milliseconds for a region the size of Sörmland."""
MAX_REPLICATIONS = 200

MAX_TITLE_CHARS = 200
"""Longest drill title."""
MAX_NAME_CHARS = 100
"""Longest team name, and longest `by` (a role or a person)."""
MAX_NOTE_CHARS = 2000
"""Longest note."""
MAX_REASON_CHARS = 1000
"""Longest reason given with a decision or an action, and longest cell of the improvement plan."""
MAX_IMPROVEMENTS = 100
"""Most rows in the improvement plan."""
MAX_TEAMS = 12
"""Most teams in one exercise."""


class DrillError(ValueError):
    """Something the drill cannot do, said so a facilitator can act on it."""


def check_length(text: str, what: str, limit: int) -> str:
    """`text`, or DrillError when it is longer than `limit` characters."""
    if len(text) > limit:
        raise DrillError(f"{what} may be at most {limit:,} characters long (this one has {len(text):,})")
    return text


EntryKind = Literal["option", "skip", "action"]


@dataclass(frozen=True)
class Entry:
    """One line of the decision log: an option chosen at a decision point, a decision point left
    open (`skip`), or an action from the catalogue."""

    t_h: float
    kind: EntryKind
    decision: str | None = None
    option: str | None = None
    action: Action | None = None
    by: str = ""
    note: str = ""


@dataclass(frozen=True)
class Note:
    """A note taken during the drill or at the hot wash. A struck note stays in the log, marked
    with who struck it and when (on the drill clock), and is left out of the report."""

    t_h: float
    text: str
    by: str = ""
    hot_wash: bool = False
    struck_by: str = ""
    struck_at_h: float | None = None

    @property
    def struck(self) -> bool:
        return self.struck_at_h is not None

    def unstruck(self) -> Note:
        """The note as it was written (for checks that a note's text never changes)."""
        return replace(self, struck_by="", struck_at_h=None)


@dataclass(frozen=True)
class Improvement:
    """A row of the improvement plan."""

    finding: str
    action: str = ""
    owner: str = ""
    due: str = ""


@dataclass(frozen=True)
class Upcoming:
    """An inject or decision point still to come, for the facilitator."""

    kind: Literal["inject", "decision"]
    id: str
    title: str
    t_h: float | None  # when it comes on the current course; None: not on the current course
    condition: str


def to_minute(t_h: float) -> float:
    """A time on the drill clock: whole minutes, so that a log written as HH:MM replays exactly."""
    return round(t_h * 60) / 60


def ceil_minute(t_h: float) -> float:
    """The first whole minute at or after `t_h`: when the clock shows something that happens."""
    return math.ceil(t_h * 60 - 1e-6) / 60


UPCOMING_KINDS = {"inject": N_("inject"), "decision": N_("decision")}
"""What is still to come, as a person reads it (translated where shown)."""


def span_text(hours: float) -> str:
    """A length of time for people: `45 min`, `2 h 10 min`, `3 d 4 h`."""
    minutes = int(round(hours * 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        h, m = divmod(minutes, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    d, rest = divmod(minutes, 24 * 60)
    h = round(rest / 60)
    return f"{d} d {h} h" if h else f"{d} d"


def default_start_h(scenario: Scenario) -> float:
    """Where a drill's clock starts: the first failure, inject or decision with a set time,
    rounded down to the quarter hour."""
    times = [scenario.hours(i.at) for i in scenario.incidents]
    times += [scenario.hours(i.at) for i in scenario.exercise.injects if i.at is not None]
    times += [scenario.hours(d.at) for d in scenario.exercise.decisions if d.at is not None]
    if not times:
        return 0.0
    return max(0.0, math.floor(min(times) * 4 + EPS) / 4)


def condition_text(scenario: Scenario, cond: Condition) -> str:
    delay = f" + {_dur(cond.delay)}" if cond.delay > 0 else ""
    if cond.reached:
        return f"when {cond.milestone}{delay}"
    by = f" by {cond.by}" if cond.by is not None else ""
    return f"if {cond.milestone} is not reached{by}{delay}"


def _dur(h: float) -> str:
    from ..scenario.quantities import format_duration

    return format_duration(h)


def condition_time(scenario: Scenario, cond: Condition, milestones: dict[str, float]) -> float | None:
    """When a condition holds on a played timeline, or None if it never does."""
    if cond.reached:
        t = milestones.get(cond.milestone)
        return None if t is None else t + cond.delay
    by = scenario.hours(cond.by) if cond.by is not None else scenario.horizon
    t = milestones.get(cond.milestone)
    if t is not None and t <= by + EPS:
        return None
    return by + cond.delay


class _Cache:
    """Played timelines by drill content, shared by every drill object in the process. Keys are
    the scenario's content, the seed and the log, so sharing is safe."""

    def __init__(self, size: int = 48):
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()  # the app serves every browser session from threads

    def has(self, key: Any) -> bool:
        with self.lock:
            return key in self.items

    def get(self, key: Any, make: Any) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()  # outside the lock: two sessions may compute the same value once each
        with self.lock:
            self.items[key] = value
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_CACHE = _Cache()
_KEYS: dict[int, tuple[Scenario, str]] = {}


def scenario_key(scenario: Scenario) -> str:
    """A digest of the scenario's content (computed once per scenario object)."""
    known = _KEYS.get(id(scenario))
    if known is not None and known[0] is scenario:
        return known[1]
    text = json.dumps(scenario_data(scenario), sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(text.encode()).hexdigest()
    if len(_KEYS) > 64:
        _KEYS.clear()
    _KEYS[id(scenario)] = (scenario, key)
    return key


@dataclass(frozen=True)
class Drill:
    """A drill's state. Every change gives a new Drill; nothing is mutated."""

    scenario: Scenario
    seed: int = 0
    start_h: float = 0.0
    clock_h: float = 0.0
    entries: tuple[Entry, ...] = ()
    notes: tuple[Note, ...] = ()
    improvements: tuple[Improvement, ...] = ()

    @classmethod
    def new(cls, scenario: Scenario, seed: int = 0, start_h: float | None = None) -> Drill:
        if seed < 0:
            raise DrillError(f"the seed must be zero or positive, got {seed}")
        start = to_minute(default_start_h(scenario) if start_h is None else float(start_h))
        if not 0 <= start < scenario.horizon:
            raise DrillError(
                f"the drill must start within the simulated period (0 to {scenario.horizon:g} h)"
            )
        return cls(scenario, seed, start, start)

    # ------------------------------------------------------------------ identity
    @property
    def scenario_key(self) -> str:
        return scenario_key(self.scenario)

    def _key(self, *extra: Any) -> tuple[Any, ...]:
        return (self.scenario_key, self.seed, self.entries, *extra)

    # ------------------------------------------------------------------ clock helpers
    def when(self, t_h: float) -> datetime:
        return self.scenario.start + timedelta(hours=t_h)

    def clock_text(self, t_h: float | None = None) -> str:
        """`Tue 06 Dec 06:30`; in Swedish `tis 6 dec 06:30`."""
        t = self.clock_h if t_h is None else t_h
        if language() == "en":
            return f"{self.when(t):%a %d %b %H:%M}"
        return clock(self.when(t), weekday=True)

    @property
    def horizon_h(self) -> float:
        return float(self.scenario.horizon)

    def played_span(self, margin_h: float = 2.0) -> tuple[float, float]:
        """From the drill's start to a little after the last thing the group did (a decision, an
        action, a note; or the last inject, in a drill with none): what a report's charts show
        first. A clock moved on to the end afterwards does not stretch it."""
        acted = [*(e.t_h for e in self.entries), *(n.t_h for n in self.notes)]
        # Injects count only in a drill where the group left no trace: those met while the clock
        # ran on to the end were never played.
        times = acted or [t for t, _inject in self.delivered()]
        last = max([self.start_h, *times])
        end = min(self.clock_h, self.horizon_h, last + max(margin_h, 0.25 * (last - self.start_h)))
        return self.start_h, max(end, min(self.clock_h, self.start_h + 1.0))

    @property
    def finished(self) -> bool:
        return self.clock_h >= self.horizon_h - EPS

    # ------------------------------------------------------------------ the played timeline
    def decision_point(self, dp_id: str) -> DecisionPoint:
        for dp in self.scenario.exercise.decisions:
            if dp.id == dp_id:
                return dp
        known = ", ".join(d.id for d in self.scenario.exercise.decisions) or "none"
        raise DrillError(f"no decision point {dp_id!r} in this scenario (decision points: {known})")

    def inject(self, inject_id: str) -> Inject:
        for inj in self.scenario.exercise.injects:
            if inj.id == inject_id:
                return inj
        raise DrillError(f"no inject {inject_id!r} in this scenario")

    def chosen_options(self, entries: tuple[Entry, ...] | None = None) -> list[tuple[Entry, Any]]:
        out = []
        for e in self.entries if entries is None else entries:
            if e.kind == "option":
                dp = self.decision_point(e.decision or "")
                out.append((e, next(o for o in dp.options if o.id == e.option)))
        return out

    def effective_scenario(self, entries: tuple[Entry, ...] | None = None) -> Scenario:
        """The scenario with the `set:` changes of every chosen option."""
        changes: dict[str, Any] = {}
        for _e, option in self.chosen_options(entries):
            changes.update(option.set)
        if not changes:
            return self.scenario
        key = (self.scenario_key, "effective", tuple(sorted((k, repr(v)) for k, v in changes.items())))
        try:
            return _CACHE.get(key, lambda: apply_changes(self.scenario, changes))
        except ChangeError as exc:
            raise DrillError(f"the chosen options' changes do not fit together: {exc}") from None

    def timed_actions(self, entries: tuple[Entry, ...] | None = None) -> tuple[TimedAction, ...]:
        actions: list[TimedAction] = []
        for e in self.entries if entries is None else entries:
            if e.kind == "action" and e.action is not None:
                actions.append(TimedAction(e.t_h, e.action, "group"))
            elif e.kind == "option":
                dp = self.decision_point(e.decision or "")
                option = next(o for o in dp.options if o.id == e.option)
                for a in option.actions:
                    actions.append(TimedAction(e.t_h, a, f"decision {dp.id}: {option.id}"))
        return tuple(actions)

    def control(self, entries: tuple[Entry, ...] | None = None) -> Control:
        return Control(
            actions=self.timed_actions(entries),
            automatic_escalation=False,
            automatic_cancellation=False,
            decision_defaults=False,
            automatic_patient_information=False,
        )

    def played(self) -> Played:
        """The drill's own timeline, to the end of the simulated period (show it up to the clock)."""
        return _CACHE.get(
            self._key("played"),
            lambda: play(self.effective_scenario(), replication_seed(self.seed, 0), self.control()),
        )

    # ------------------------------------------------------------------ injects and decisions
    def all_injects(self) -> list[tuple[float, Inject | DeadlineInject]]:
        """Every inject on the played timeline to the end of the period: the scenario's, and
        those a breach of a continuity deadline fires."""
        by_id: dict[str, Inject | DeadlineInject] = {i.id: i for i in self.scenario.exercise.injects}
        played = self.played()
        for b in played.timeline.breaches:
            by_id.setdefault(b.inject_id, breach_inject(self.scenario, b))
        seen: set[str] = set()
        out = []
        for t, i in played.rep.injects:
            if i in by_id and i not in seen:
                seen.add(i)
                out.append((t, by_id[i]))
        return out

    def delivered(self) -> list[tuple[float, Inject | DeadlineInject]]:
        """Injects delivered by the clock, in order."""
        return [(t, inj) for t, inj in self.all_injects() if ceil_minute(t) <= self.clock_h + EPS]

    def decision_times(self) -> dict[str, float | None]:
        """When each decision point comes on the played timeline (None: not on this course)."""
        sc = self.scenario
        milestones = self.played().milestones
        out: dict[str, float | None] = {}
        for dp in sc.exercise.decisions:
            if dp.at is not None:
                out[dp.id] = sc.hours(dp.at)
            else:
                assert dp.when is not None  # the model requires at or when
                out[dp.id] = condition_time(sc, dp.when, milestones)
        return out

    def answered(self) -> dict[str, Entry]:
        return {e.decision: e for e in self.entries if e.kind in ("option", "skip") and e.decision}

    def open_decisions(self) -> list[DecisionPoint]:
        """Decision points that have come and wait for the group."""
        times = self.decision_times()
        done = self.answered()
        return [
            dp
            for dp in self.scenario.exercise.decisions
            if dp.id not in done and _due(times[dp.id], self.clock_h)
        ]

    def upcoming(self) -> list[Upcoming]:
        """Injects and decision points still to come (facilitator only)."""
        sc = self.scenario
        delivered = {i.id for _t, i in self.delivered()}
        played_at = {i: t for t, i in self.played().rep.injects}
        out: list[Upcoming] = []
        for inj in sc.exercise.injects:
            if inj.id in delivered:
                continue
            cond = str(inj.at) if inj.at is not None else condition_text(sc, _when(inj))
            out.append(Upcoming("inject", inj.id, inj.title, played_at.get(inj.id), cond))
        for at, fired in self.all_injects():
            if isinstance(fired, DeadlineInject) and fired.id not in delivered:
                out.append(Upcoming("inject", fired.id, fired.title, at, _("a continuity deadline (business impact analysis)")))
        times = self.decision_times()
        done = self.answered()
        for dp in sc.exercise.decisions:
            t = times[dp.id]
            if dp.id in done or (t is not None and ceil_minute(t) <= self.clock_h + EPS):
                continue
            cond = str(dp.at) if dp.at is not None else condition_text(sc, _when(dp))
            out.append(Upcoming("decision", dp.id, dp.question, t, cond))
        out.sort(key=lambda u: (u.t_h is None, u.t_h or 0.0))
        return out

    def next_stop(self) -> tuple[float, str] | None:
        """The next inject or decision point after the clock on the current course (on the
        minute it shows)."""
        stops = [
            (ceil_minute(u.t_h), f"{_(UPCOMING_KINDS.get(u.kind, u.kind))} {u.id}")
            for u in self.upcoming()
            if u.t_h is not None and ceil_minute(u.t_h) > self.clock_h + EPS
        ]
        return min(stops) if stops else None

    # ------------------------------------------------------------------ changes
    def advance(self, to_h: float) -> tuple[Drill, str]:
        """Move the clock forward to `to_h` (whole minutes). It stops at a decision point that
        comes on the way, so that the group can choose; a decision point left waiting stays open
        while the clock moves on."""
        target = to_minute(min(float(to_h), self.horizon_h))
        if target <= self.clock_h + EPS:
            if self.finished:
                raise DrillError(_("the clock is at the end of the simulated period"))
            raise DrillError(_("the clock is already at {time}; it only moves forward").format(time=self.clock_text()))
        message = _("clock at {time}").format(time=self.clock_text(target))
        times = self.decision_times()
        done = self.answered()
        due = sorted(
            (ceil_minute(t), dp_id) for dp_id, t in times.items()
            if dp_id not in done and t is not None and self.clock_h + EPS < ceil_minute(t) <= target + EPS
        )
        if due:
            target = due[0][0]
            message = _("clock stopped at {time}: decision point {id!r}").format(time=self.clock_text(target), id=due[0][1])
        elif to_h >= self.horizon_h:
            message = _("clock at the end of the simulated period ({time})").format(time=self.clock_text(target))
        return replace(self, clock_h=target), message

    def advance_by(self, hours: float) -> tuple[Drill, str]:
        return self.advance(self.clock_h + hours)

    def advance_to_next(self) -> tuple[Drill, str]:
        stop = self.next_stop()
        if stop is None:
            return self.advance(self.horizon_h)
        return self.advance(stop[0])

    def choose(self, dp_id: str, option_id: str, by: str = "", note: str = "") -> Drill:
        """Take `option_id` at decision point `dp_id`, now."""
        _check_by_and_reason(by, note)
        dp = self.decision_point(dp_id)
        self._check_open(dp)
        ids = [o.id for o in dp.options]
        if option_id not in ids:
            raise DrillError(
                f"decision point {dp_id!r} has no option {option_id!r} (options: {', '.join(ids)})"
            )
        return self._with(Entry(self.clock_h, "option", dp_id, option_id, None, by, note))

    def skip(self, dp_id: str, by: str = "", note: str = "") -> Drill:
        """Leave decision point `dp_id` open: the group takes none of its options."""
        _check_by_and_reason(by, note)
        dp = self.decision_point(dp_id)
        self._check_open(dp)
        return self._with(Entry(self.clock_h, "skip", dp_id, None, None, by, note))

    def act(self, action: Action, by: str = "", note: str = "") -> Drill:
        """Take an action from the catalogue, now."""
        _check_by_and_reason(by, note)
        self._check_action(action)
        return self._with(Entry(self.clock_h, "action", None, None, action, by, note))

    def add_note(self, text: str, by: str = "", hot_wash: bool = False) -> Drill:
        text = text.strip()
        if not text:
            raise DrillError("a note needs some text")
        check_length(text, "a note", MAX_NOTE_CHARS)
        check_length(by, "who took the note", MAX_NAME_CHARS)
        return replace(self, notes=(*self.notes, Note(self.clock_h, text, by, hot_wash)))

    def strike_note(self, index: int, by: str = "") -> Drill:
        """Strike note `index` (0 is the first taken): it stays in the log, marked as struck by
        `by` at the clock's time, and is left out of the report."""
        check_length(by, "who struck the note", MAX_NAME_CHARS)
        if not 0 <= index < len(self.notes):
            raise DrillError(f"there is no note {index + 1} (the drill has {len(self.notes)})")
        note = self.notes[index]
        if note.struck:
            raise DrillError(f"that note was already struck at {self.clock_text(note.struck_at_h)}")
        struck = replace(note, struck_by=by.strip() or "facilitator", struck_at_h=self.clock_h)
        return replace(self, notes=(*self.notes[:index], struck, *self.notes[index + 1 :]))

    def with_improvements(self, rows: list[Improvement]) -> Drill:
        kept = tuple(r for r in rows if r.finding.strip() or r.action.strip())
        if len(kept) > MAX_IMPROVEMENTS:
            raise DrillError(f"the improvement plan may have at most {MAX_IMPROVEMENTS} rows")
        for r in kept:
            for what, text in (("a finding", r.finding), ("an action", r.action), ("an owner", r.owner),
                               ("a due date", r.due)):
                check_length(text, what, MAX_REASON_CHARS)
        return replace(self, improvements=kept)

    def _check_open(self, dp: DecisionPoint) -> None:
        done = self.answered().get(dp.id)
        if done is not None:
            what = f"option {done.option!r}" if done.kind == "option" else "left open"
            raise DrillError(f"decision point {dp.id!r} was already decided at {self.clock_text(done.t_h)} ({what})")
        t = self.decision_times()[dp.id]
        if t is None or ceil_minute(t) > self.clock_h + EPS:
            when = (
                f"it comes at {self.clock_text(ceil_minute(t))}"
                if t is not None
                else "it has not come on this course"
            )
            raise DrillError(f"decision point {dp.id!r} is not open at {self.clock_text()} ({when})")

    def _check_action(self, action: Action) -> None:
        from ..vocabulary import READINESS_LEVELS

        sc = self.scenario
        t = action.target
        known: dict[str, set[str]] = {
            "raise_readiness": set(READINESS_LEVELS[1:]),
            "lower_readiness": set(READINESS_LEVELS[:-1]),
            "activate_backup": {b.id for b in sc.backup_routines if b.enabled},
            "start_recovery": {a.id for a in sc.recovery_actions if a.enabled},
            "cancel_planned": {u.id for u in sc.region.units if u.planned is not None},
        }
        if action.do in known and t is not None and t not in known[action.do]:
            raise DrillError(
                f"{action.do}: unknown target {t!r} (known: {', '.join(sorted(known[action.do])) or 'none'})"
            )
        if action.do in ("activate_backup", "start_recovery") and t is None:
            raise DrillError(f"{action.do} needs a target")
        if action.period is not None and action.period <= 0:
            raise DrillError("a cancellation period must be longer than zero")

    def _with(self, entry: Entry) -> Drill:
        drill = replace(self, entries=(*self.entries, entry))
        drill.effective_scenario()  # refuse options whose changes do not fit together
        return drill

    def past_changed(self, before: Drill) -> bool:
        """Whether this drill's timeline up to the clock differs from `before`'s: an option whose
        `set:` reaches back in time."""
        a = [e for e in before.played().rep.events if e.t_h < before.clock_h - EPS and e.kind != "decision"]
        b = [e for e in self.played().rep.events if e.t_h < before.clock_h - EPS and e.kind != "decision"]
        return a != b

    # ------------------------------------------------------------------ words
    def describe(self, e: Entry, short: bool = False) -> str:
        """The entry in words: the question and the option (`short`: the option and the
        decision point's id)."""
        if e.kind == "action" and e.action is not None:
            return describe_action(self.scenario, e.action)
        dp = self.decision_point(e.decision or "")
        question = " ".join(dp.question.split())
        if e.kind == "skip":
            return _("Left open ({id})").format(id=dp.id) if short else f"{question} -> " + _("left open")
        option = next(o for o in dp.options if o.id == e.option)
        return f"{option.label} ({dp.id})" if short else f"{question} -> {option.label}"

    # ------------------------------------------------------------------ many replications
    def runs(self, n: int = DEFAULT_REPLICATIONS, entries: tuple[Entry, ...] | None = None, *,
             from_now: bool = False) -> Runs:
        """n replications under the logged decisions (or `entries`), kept as their KPIs and the
        band of their time series.

        With `from_now`, every run shares the drill's past up to the clock: the same failures,
        detections, decisions and arrivals so far; only what happens after the clock is drawn
        afresh (delays still running at the clock given how long they have run), with the same
        random numbers for every set of decisions. These are the futures of this drill: the band
        and the what-if preview. Without it, replications 0..n-1 of the seed, each an incident of
        its own (replication 0 is the drill's course): the spread of outcomes under these
        decisions, for the report and comparisons."""
        entries = self.entries if entries is None else entries

        def make() -> Runs:
            played = self.plays(n, entries, from_now=from_now)
            return Runs([dict(p.rep.kpis) for p in played], Band.of(played))

        when = self.clock_h if from_now else None
        return _CACHE.get((self.scenario_key, self.seed, entries, "runs", n, when), make)

    def plays(self, n: int, entries: tuple[Entry, ...] | None = None, *, from_now: bool = False) -> list[Played]:
        """The n replications behind `runs`, whole (not kept)."""
        if not 1 <= n <= MAX_REPLICATIONS:
            raise DrillError(f"replications must be between 1 and {MAX_REPLICATIONS}, got {n}")
        entries = self.entries if entries is None else entries
        sc = self.effective_scenario(entries)
        control = self.control(entries)
        try:
            check_kept(footprint(sc), n, "the band and the what-if previews")
        except TooLarge as exc:
            raise DrillError(str(exc)) from None
        if not from_now:
            return [play(sc, replication_seed(self.seed, k), control) for k in range(n)]
        branch = Branch(self.clock_h, replication_seed(self.seed, 0))
        return [play(sc, branch_seed(self.seed, k), control, branch) for k in range(n)]

    def runs_ready(self, n: int = DEFAULT_REPLICATIONS, entries: tuple[Entry, ...] | None = None, *,
                   from_now: bool = False) -> bool:
        """Whether runs(n, entries, from_now=...) is known already, so that asking for it simulates
        nothing (the app takes a run slot only when it does)."""
        entries = self.entries if entries is None else entries
        when = self.clock_h if from_now else None
        return _CACHE.has((self.scenario_key, self.seed, entries, "runs", n, when))

    def replication_kpis(self, n: int = DEFAULT_REPLICATIONS) -> list[dict[str, float]]:
        return self.runs(n).kpis

    def band(self, n: int = DEFAULT_REPLICATIONS) -> Band:
        """The Monte Carlo band of what may still come under the decisions taken so far: n runs
        that share the drill's past up to the clock."""
        return self.runs(n, from_now=True).band

    def what_if(self, dp_id: str, n: int = DEFAULT_REPLICATIONS) -> list[WhatIf]:
        """Each option of an open decision point, taken now: the drill's own course under it, and n
        runs that share the drill's past up to the clock and draw the future afresh, with the
        same random numbers for every option."""
        dp = self.decision_point(dp_id)
        self._check_open(dp)
        out = []
        for option in dp.options:
            entries = (*self.entries, Entry(self.clock_h, "option", dp.id, option.id))
            runs = self.runs(n, entries, from_now=True)
            own = replace(self, entries=entries).played().rep.kpis
            out.append(WhatIf(option.id, option.label, dict(own), kpi_stats(runs.kpis)))
        return out

    def branch(self, at_h: float) -> Drill:
        """A drill with this one's past up to `at_h`, a moment it has played: the same scenario,
        seed and start, the decisions and actions taken by then, the clock at `at_h`. What came
        later is not in it; the notes and the improvement plan stay with this drill."""
        t = to_minute(at_h)
        if not self.start_h - EPS <= t <= self.clock_h + EPS:
            raise DrillError(
                f"a drill branches from a moment it has played, {self.clock_text(self.start_h)} to "
                f"{self.clock_text()}; {self.clock_text(t)} is not one"
            )
        return Drill(self.scenario, self.seed, self.start_h, t, tuple(e for e in self.entries if e.t_h <= t + EPS))


def _check_by_and_reason(by: str, note: str) -> None:
    check_length(by, "who decided", MAX_NAME_CHARS)
    check_length(note, "the reason", MAX_REASON_CHARS)


# --------------------------------------------------------------------------- outcomes

_OUTCOME_FORMATS = (
    ("cancelled_planned", "{:,.0f}"),
    ("cancelled_at_door", "{:,.0f}"),
    ("calls_unanswered", "{:,.0f}"),
    ("acute_wait_mean_h", "{:.2f}"),
    ("cancelled_acute", "{:,.1f}"),
    ("blocked_bed_days", "{:,.1f}"),
    ("lost_capacity_h", "{:.2f}"),
    ("time_to_full_operation_h", "{:.1f}"),
    ("staff_mode_h", "{:.1f}"),
    ("backlog_at_end", "{:,.0f}"),
)


def _outcome_label(name: str) -> str:
    spec = kpi(name)
    return f"  {spec.part_label}" if spec.part_label else spec.label


OUTCOME_KPIS = tuple((name, _outcome_label(name), pattern) for name, pattern in _OUTCOME_FORMATS)
DEADLINE_OUTCOMES = tuple(
    (name, kpi(name).label, "{:,.0f}" if name.endswith("_breaches") else "{:.1f}") for name in DEADLINE_KPIS
)


def outcome_kpis(scenario: Scenario) -> tuple[tuple[str, str, str], ...]:
    """The KPIs a drill's outcome is told in: OUTCOME_KPIS, and the breaches of the continuity
    deadlines of the kinds the scenario declares."""
    kinds = {name for _i, _n, c in declared(scenario) for name, _h in c.deadlines()}
    return OUTCOME_KPIS + tuple(row for row in DEADLINE_OUTCOMES if row[0].split("_")[0] in kinds)


def kpi_columns(*names: str) -> list[tuple[str, str]]:
    """(KPI, label) of some of the outcome's KPIs, for a chart of small multiples."""
    return [(name, _outcome_label(name).strip()) for name in names]
"""The KPIs a drill's outcome is told in, with their labels and formats."""


def kpi_stats(kpis: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """mean, p10, p50, p90 and the share reached of every KPI over replications. A moment not
    reached within the horizon counts with the horizon (the mean is then a lower bound,
    `censored` > 0)."""
    from ..experiments.stats import moment_bounds, summarize

    def column(name: str) -> np.ndarray:
        return np.array([k.get(name, math.nan) for k in kpis], dtype=float)

    first, observed = column("first_failure_at_h"), column("observed_h")
    out: dict[str, dict[str, float]] = {}
    for name in kpis[0]:
        bounds = moment_bounds(name, first, observed) if name in KPI else None
        st = summarize(column(name), moment=True, bounds=bounds)
        out[name] = {key: float(st[key]) for key in ("mean", "p10", "p50", "p90", "reached")}  # type: ignore[arg-type]
        out[name]["censored"] = float(st.get("censored", 0.0))  # type: ignore[arg-type]
        if math.isnan(out[name]["reached"]):
            out[name]["reached"] = 0.0
    return out


@dataclass(frozen=True)
class WhatIf:
    """One option's consequences: the drill's own course (`played`) and the spread over
    replications (`stats`)."""

    option: str
    label: str
    played: dict[str, float]
    stats: dict[str, dict[str, float]]


BAND_SERIES = tuple(
    series(n).name for n in ("capacity", "cancelled_planned", "calls_unanswered", "acute_queue", "backlog")
)
"""Series the situation picture draws: capacity per kind of unit, the rest summed over kinds."""


def series_of(rep: Any, name: str) -> dict[str, np.ndarray]:
    """`capacity` per kind of unit (`capacity:hospital`...), other names over all kinds (the
    engine's `NAME:all` where it gives one, else the sum of the kinds)."""
    spec = series(name)
    if spec.name == "capacity":
        return {k: v for k, v in rep.series.items() if k.startswith("capacity:") and not k.endswith(":all")}
    total = rep.series.get(series_key(name, TOTAL))
    if total is not None:
        return {name: total}
    parts = [v for k, v in rep.series.items() if k.startswith(f"{name}:")]
    if not parts:
        return {}
    return {name: np.sum(parts, axis=0)}


@dataclass(frozen=True)
class Runs:
    """What the process keeps of n replications: their KPIs and the band of their series."""

    kpis: list[dict[str, float]]
    band: Band


@dataclass
class Band:
    """p10, p50 and p90 at every time step of each series over replications."""

    step_h: float
    n: int
    series: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def of(cls, reps: list[Played]) -> Band:
        band = cls(reps[0].rep.step_h, len(reps))
        for name in BAND_SERIES:
            per_rep = [series_of(p.rep, name) for p in reps]
            for key in per_rep[0]:
                band.series[key] = percentile_band(np.stack([s[key] for s in per_rep]))
        return band


def _due(t_h: float | None, clock_h: float) -> bool:
    """Whether a moment (None: not on this course) has come by the clock."""
    return t_h is not None and ceil_minute(t_h) <= clock_h + EPS


def _when(item: Inject | DecisionPoint) -> Condition:
    assert item.when is not None  # the model requires at or when
    return item.when
