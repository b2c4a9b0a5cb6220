"""The incident machinery as discrete events in SimPy: failures, detection, diagnosis, vendor
escalation, repair or staged restoration, verification, backup routines, recovery actions, the
readiness ladder, cancellation decisions, injects and decision points.

Its output is an `IncidentTimeline`: every change of system state and stand-ins, the readiness
levels, the cancellation orders and the event log. The flows of patients and calls are computed
from that timeline afterwards (see flows/), which is what keeps a replication fast.

Decisions are a seam: in batch runs they follow the scenario's policies; a drill hands in its own
timed actions and switches the automatic escalation and cancellation policies off.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from ..scenario.model import (
    Action,
    DecisionPoint,
    Incident,
    Inject,
    RecoveryAction,
    RestorationStage,
    Scenario,
)
from ..vocabulary import READINESS_LEVELS, READINESS_NAMES
from .budget import Budget
from .capacity import CapacityModel, CapacityState
from .deadlines import Breach, DeadlineWatch, Episode, Watched
from .queue_watch import QueueLevels
from .readiness import WATCHES_TRIGGERS, Effect, Ladder, Phase, Signal
from .streams import Streams

Proc = Generator[simpy.Event, Any, None]
"""A SimPy process of the incident machinery."""

REESTIMATE_MIN_H = 0.25
"""The shortest time ahead IT's new estimate lies when the old one has passed with the system
still down (its checks are about to end), and the shortest wait between two cancellation decisions."""


@dataclass(frozen=True)
class Event:
    """One line of the event log."""

    t_h: float
    kind: str  # failure | detected | diagnosed | vendor | restored | backup | action | readiness | cancel | inject | decision | informed | deadline
    subject: str
    text: str


@dataclass(frozen=True)
class TimedAction:
    """An action taken at a time: a drill decision, or a decision point's default in batch runs."""

    t_h: float
    action: Action
    source: str = "decision"


@dataclass(frozen=True)
class Control:
    """Who decides. Batch runs: the policies. Drills: the group, through `actions`."""

    actions: tuple[TimedAction, ...] = ()
    automatic_escalation: bool = True
    automatic_cancellation: bool = True
    decision_defaults: bool = True  # take each decision point's default option
    automatic_patient_information: bool = True  # staff mode informs patients (policy call_reduction)


@dataclass(frozen=True)
class CancelOrder:
    t_h: float
    entity: str
    until_h: float
    expected: float  # planned capacity expected while the order runs
    source: str


@dataclass
class IncidentTimeline:
    snapshots: list[tuple[float, CapacityState]]
    readiness: list[tuple[float, int]]
    cancel_orders: list[CancelOrder]
    informed_at: float | None
    events: list[Event]
    milestones: dict[str, float]
    first_failure: float | None
    first_detection: float | None
    full_operation: float | None  # every affected service back at full capacity
    standin_use: dict[str, list[tuple[float, float, frozenset[int]]]] = field(default_factory=dict)
    injects: list[tuple[float, str]] = field(default_factory=list)
    decisions: list[tuple[float, str, str]] = field(default_factory=list)
    breaches: list[Breach] = field(default_factory=list)


class IncidentRun:
    """One replication's incident machinery."""

    def __init__(
        self, scenario: Scenario, model: CapacityModel, streams: Streams, control: Control, budget: Budget,
        queues: QueueLevels | None = None,
    ):
        self.sc = scenario
        self.model = model
        self.streams = streams
        self.control = control
        self.budget = budget
        self.env = simpy.Environment()
        self.state = model.new_state()
        self.holds: dict[int, set[str]] = {}  # system -> incidents holding it down
        self.health = np.ones(len(model.system_ids))
        self.base = model.base(self.health)
        self.snapshots: list[tuple[float, CapacityState]] = [(0.0, self.state.copy())]
        self.events: list[Event] = []
        self.milestones: dict[str, float] = {}
        self._milestone_evt: dict[str, simpy.Event] = {}
        self.level = 0
        self.readiness: list[tuple[float, int]] = [(0.0, 0)]
        self.cancel_orders: list[CancelOrder] = []
        self.informed_at: float | None = None
        self.first_failure: float | None = None
        self.first_detection: float | None = None
        self.full_operation: float | None = None
        self._outage = False
        self._pending_levels: set[int] = set()
        self._timed_checks: set[int] = set()
        self.ladder = Ladder()
        self.estimate: dict[int, float] = {}  # IT's expected restoration time of failed systems
        # What each estimate rests on: (start of the work, its duration, checks after it).
        self._estimate_basis: dict[int, list[tuple[float, Any, float]]] = {}
        self._hit_mask = np.zeros(len(model.slots), dtype=bool)
        self._cancelling = False
        self._standin_open: dict[int, tuple[float, frozenset[int]]] = {}
        self.standin_use: dict[str, list[tuple[float, float, frozenset[int]]]] = {}
        self._backup_scheduled: set[int] = set()
        self.injects: list[tuple[float, str]] = []
        self.decisions: list[tuple[float, str, str]] = []
        self.horizon = scenario.horizon
        self.deadlines = DeadlineWatch(scenario, model)
        self.queues = queues  # the queues the staff sees, for the triggers that watch them

    # ------------------------------------------------------------------ helpers
    def now(self) -> float:
        return float(self.env.now)

    def log(self, kind: str, subject: str, text: str) -> None:
        self.events.append(Event(self.now(), kind, subject, text))

    def reach(self, name: str) -> None:
        if name not in self.milestones:
            self.milestones[name] = self.now()
            evt = self._milestone_evt.get(name)
            if evt is not None and not evt.triggered:
                evt.succeed()

    def milestone_event(self, name: str) -> simpy.Event:
        evt = self._milestone_evt.get(name)
        if evt is None:
            evt = self._milestone_evt[name] = self.env.event()
            if name in self.milestones:
                evt.succeed()
        return evt

    def sample(self, dist: Any, stream: str) -> float:
        """A delay drawn now that runs from now."""
        return self.given_the_past(dist, self.draw(dist, stream), self.now(), stream)

    def draw(self, dist: Any, stream: str) -> float:
        """A value of `dist` from `stream`, drawn now (before a branch: the past's draw)."""
        return max(0.0, float(dist.sample(self.streams.at(stream, self.now()))))

    def given_the_past(self, dist: Any, value: float, start: float, stream: str) -> float:
        """A delay of `value` hours from `start`, drawn before the branch of a branched run: kept
        if it is over by the branch time; if it is still running then (or starts later), what is
        left is drawn afresh, given that it has lasted until the branch."""
        b = self.streams.branch_h
        if self.now() >= b or start + value <= b:
            return value
        return max(0.0, float(dist.sample_beyond(self.streams.fresh(stream), max(0.0, b - start))))

    def changed(self) -> None:
        """Recompute system health after any change; record a snapshot; run the checks."""
        self.health = self.model.health(self.state.own)
        self.base = self.model.base(self.health)
        # Stand-ins are in use only while a system they replace is down.
        for k in list(self.state.standins):
            st = self.model.standins[k]
            if st.key.startswith("backup:") and all(self.health[s] >= 1 for s in st.systems):
                del self.state.standins[k]
                self.log("backup", st.key, f"{st.key.split(':', 1)[1]} no longer needed")
                self.reach(f"{st.key}:ended")
        self._track_standin_use()
        self.snapshots.append((self.now(), self.state.copy()))
        outage = bool((self.base < 1).any())
        if outage and not self._outage:
            self._outage = True
        if self._outage and not outage:
            self._outage = False
        self._check_full_operation()
        self.check_readiness()
        self._watch_deadlines()

    def _track_standin_use(self) -> None:
        used = self.model.standin_in_use(self.state, self.health)
        t = self.now()
        for k, (since, slots) in list(self._standin_open.items()):
            now_slots = frozenset(used.get(k, ()))
            if now_slots != slots:
                self.standin_use.setdefault(self.model.standins[k].key, []).append((since, t, slots))
                del self._standin_open[k]
        for k, now_used in used.items():
            if k not in self._standin_open and now_used:
                self._standin_open[k] = (t, frozenset(now_used))

    def close(self) -> None:
        end = self.horizon
        for k, (since, slots) in self._standin_open.items():
            self.standin_use.setdefault(self.model.standins[k].key, []).append((since, end, slots))
        self._standin_open.clear()

    def current_capacity(self) -> np.ndarray:
        return self.model.capacity(self.state, np.array([self.now()]), self.health)[:, 0]

    def _check_full_operation(self) -> None:
        if self.first_failure is None:
            return
        cap = self.current_capacity()
        if (cap >= 1 - 1e-9).all():
            if self.full_operation is None:
                self.full_operation = self.now()
                self.log("restored", "region", "full operation: every affected service back at full capacity")
                self.reach("full_operation")
        else:
            self.full_operation = None
            self.milestones.pop("full_operation", None)

    def units_hit(self) -> int:
        hit = set()
        for i, s in enumerate(self.model.slots):
            if self.base[i] < 1 and s.service in ("acute", "planned", "discharge"):
                hit.add(s.entity)
        return sum(self.model.unit_counts[e] for e in hit)

    # ------------------------------------------------------------------ incidents
    def incident(self, inc: Incident) -> Proc:
        at = self.sc.hours(inc.at)
        if at > 0:
            yield self.env.timeout(at)
        name = inc.id
        if lasts_no_time(inc):
            self.log("failure", name, f"{inc.name}: back at once, no outage")
            return
        failed = [self.model.sys_index[f.system] for f in inc.failed]
        for s in failed:
            self.holds.setdefault(s, set()).add(name)
            self.state.own[s] = 0.0
        if self.first_failure is None:
            self.first_failure = self.now()
            self.reach("first_failure")
        self.ladder.fire(Signal.NEW_FAILURE)
        self.log("failure", name, f"{inc.name}: {', '.join(f.system for f in inc.failed)} down")
        self.reach(f"incident:{name}:failure")
        self.changed()

        yield self.env.timeout(self.sample(inc.detection_delay, f"incident:{name}:detection"))
        self.log("detected", name, f"{inc.name} detected")
        self.reach(f"incident:{name}:detected")
        if self.first_detection is None:
            self.first_detection = self.now()
            self.reach("detected")
        self.on_detection()

        yield self.env.timeout(self.sample(inc.diagnosis, f"incident:{name}:diagnosis"))
        self.log("diagnosed", name, f"{inc.name} diagnosed")
        self.reach(f"incident:{name}:diagnosed")
        self.reach("diagnosis")

        if inc.vendor_escalation is not None:
            rng = self.streams.at(f"incident:{name}:vendor", self.now())
            if rng.random() < inc.vendor_escalation.probability:
                self.log("vendor", name, "escalated to the vendor")
                yield self.env.timeout(self.sample(inc.vendor_escalation.delay, f"incident:{name}:vendor-delay"))
        repair_start = self.now()
        shared_repair = (
            self.sample(inc.repair, f"incident:{name}:repair") if inc.repair is not None else None
        )
        verification_stream = f"incident:{name}:verification"
        verification = self.draw(inc.verification, verification_stream)
        curve_stream = f"incident:{name}:restoration"
        curve_rng = self.streams.at(curve_stream, self.now())
        for f in inc.failed:
            s = self.model.sys_index[f.system]
            if f.repair is not None or shared_repair is not None:
                repair = (
                    self.sample(f.repair, f"incident:{name}:repair:{f.system}") if f.repair is not None
                    else shared_repair
                )
                assert repair is not None
                check = self.given_the_past(inc.verification, verification, repair_start + repair, verification_stream)
                back = repair_start + repair + check
            else:
                assert inc.restoration is not None  # the model requires repair or restoration
                back = at + self._restored_after(inc.restoration, float(curve_rng.random()), at, curve_stream)
            if math.isfinite(back):
                self.env.process(self.restore_at(s, name, max(back, self.now())))
            # What IT tells the staff: the expected (mean) repair time, not the draw.
            dist = f.repair or inc.repair
            if dist is not None:
                self._estimate_from(s, repair_start, dist, inc.verification.mean)

    def _restored_after(self, stages: list[RestorationStage], u: float, at: float, stream: str) -> float:
        """Time after the failure at which a system on a staged restoration curve is back; for a
        branched run, drawn afresh along the curve if it is not back by the branch time."""
        after = _from_curve(stages, u)
        b = self.streams.branch_h
        if self.now() >= b or at + after <= b:
            return after
        reached = _curve_fraction(stages, b - at)
        fresh = self.streams.fresh(stream)
        return max(b - at, _from_curve(stages, reached + (1 - reached) * float(fresh.random())))

    def restore_at(self, s: int, incident: str, t: float) -> Proc:
        yield self.env.timeout(t - self.now())
        self.release(s, incident, "repaired")

    def release(self, s: int, incident: str | None, how: str) -> None:
        holders = self.holds.get(s, set())
        if incident is None:
            gone = bool(holders)
            holders.clear()
        else:
            gone = incident in holders
            holders.discard(incident)
        if gone and not holders:
            self.state.own[s] = 1.0
            self.estimate.pop(s, None)  # a later failure gets an estimate of its own
            self._estimate_basis.pop(s, None)
            sid = self.model.system_ids[s]
            self.log("restored", sid, f"{sid} back in use ({how})")
            self.reach(f"system:{sid}:restored")
            self.changed()

    # ------------------------------------------------------------------ responses
    def on_detection(self) -> None:
        for k, st in enumerate(self.model.standins):
            if not st.key.startswith("backup:") or k in self.state.standins or k in self._backup_scheduled:
                continue
            if any(self.health[s] < 1 for s in st.systems):
                self._backup_scheduled.add(k)
                routine = next(b for b in self.sc.backup_routines if f"backup:{b.id}" == st.key)
                delay = self.sample(routine.activation_delay, f"{st.key}:activation")
                self.env.process(self.activate_backup(k, delay))
        self.check_readiness()

    def activate_backup(self, k: int, delay: float, source: str = "policy") -> Proc:
        if delay > 0:
            yield self.env.timeout(delay)
        self._backup_scheduled.discard(k)
        st = self.model.standins[k]
        if k in self.state.standins or all(self.health[s] >= 1 for s in st.systems):
            return
        self.state.standins[k] = self.now()
        self.log("backup", st.key, f"backup routine {st.key.split(':', 1)[1]} in use ({source})")
        self.reach(f"{st.key}:active")
        self.changed()
        if self.deadlines and st.fatigue_after_h is not None:
            self.env.process(self._watch_while_tiring(k))

    def recovery(self, action: RecoveryAction) -> Proc:
        key = f"action:{action.id}"
        manual = self.milestone_event(f"{key}:ordered")
        start = action.start
        if start.at is not None:
            trigger: simpy.Event = self.env.timeout(max(0.0, self.sc.hours(start.at)))
        elif start.after == "manual":
            trigger = manual
        elif start.after in ("detection", "diagnosis"):
            trigger = self.milestone_event("detected" if start.after == "detection" else "diagnosis")
        else:
            trigger = self.milestone_event(f"readiness:{start.after}:start")
        yield trigger | manual
        if not manual.triggered:
            delay = self.sample(start.delay, f"{key}:start-delay")
            if delay > 0:
                yield self.env.timeout(delay) | manual
        self.log("action", key, f"{action.name}: work started")
        self.reach(f"{key}:started")
        if action.kind == "failover":
            for sid in action.systems:
                self._estimate_from(self.model.sys_index[sid], self.now(), action.lead_time, 0.0)
        yield self.env.timeout(self.sample(action.lead_time, f"{key}:lead-time"))
        self.log("action", key, f"{action.name}: in effect")
        self.reach(f"{key}:in_effect")
        if action.kind == "failover":
            for sid in action.systems:
                self.release(self.model.sys_index[sid], None, f"failover: {action.name}")
        elif action.kind == "alternative_system":
            k = self.model.standin_index[key]
            self.state.standins[k] = self.now()
            self.changed()
            self._schedule_ramp_checks(action.rollout)
        else:
            k = self.model.aid_index[key]
            self.state.aids[k] = self.now()
            self.changed()
            self._schedule_ramp_checks(action.rollout)

    def _schedule_ramp_checks(self, rollout: float) -> None:
        # Capacity ramps up continuously; look again at a few points on the ramp so that
        # "operational" and "full operation" are noticed within a small fraction of the rollout.
        if rollout <= 0:
            return
        for frac in np.linspace(0.05, 1.0, 20):
            self.env.process(self._check_later(rollout * float(frac)))

    def _check_later(self, delay: float) -> Proc:
        yield self.env.timeout(delay)
        self._check_full_operation()
        self.check_readiness()
        self._watch_deadlines()

    # ------------------------------------------------------------------ deadlines
    def _watch_deadlines(self) -> None:
        """Open and close the disruptions of the parts with deadlines; set each new one's."""
        if not self.deadlines:
            return
        for part, episode in self.deadlines.update(self.now(), self.health, self.current_capacity()):
            for name, limit in part.continuity.deadlines():
                self.env.process(self._deadline_due(part, episode, name, limit))

    def _deadline_due(self, part: Watched, episode: Episode, name: str, limit: float) -> Proc:
        yield self.env.timeout(limit)
        self._watch_deadlines()  # a slide below the threshold since the last change
        breach = self.deadlines.breach(part, episode, name, limit, self.now())
        if breach is None:
            return
        self.log("deadline", part.entity, f"{part.entity}: {name.upper()} of {limit:g} h breached")
        self.reach(breach.inject_id)
        self.injects.append((self.now(), breach.inject_id))

    def _watch_while_tiring(self, k: int) -> Proc:
        """Look at the deadlines at every time step while a tiring backup routine is in use: its
        capacity slides between changes of state."""
        step = float(self.sc.resolution)
        while k in self.state.standins:
            yield self.env.timeout(step)
            self._watch_deadlines()

    # ------------------------------------------------------------------ readiness
    def set_level(self, level: int, why: str) -> None:
        if level == self.level:
            return
        old = self.level
        t = self.now()
        if level > old:
            for lv in range(old + 1, level + 1):
                self.reach(f"readiness:{READINESS_LEVELS[lv]}:start")
        else:
            for lv in range(old, level, -1):
                self.reach(f"readiness:{READINESS_LEVELS[lv]}:end")
        self.level = level
        self.readiness.append((t, level))
        self.log("readiness", READINESS_LEVELS[level], f"{READINESS_NAMES[READINESS_LEVELS[level]]} ({why})")
        if (
            level >= 1
            and self.informed_at is None
            and self.control.automatic_patient_information
            and self.sc.policies.escalation.call_reduction is not None
        ):
            self.informed_at = t
            self.log("informed", "patients", "patients informed through 1177 and the web")
        if level >= 1 and self.control.automatic_cancellation and self.sc.policies.cancellation.decide == "on_staff_mode":
            self._start_cancellations()
        if level >= 1 and old == 0:
            self._ask_mutual_aid()
        self.check_readiness()

    def _ask_mutual_aid(self) -> None:
        """docs/model.md, **Staff mode acts**: the staff asks for the mutual aid that waits for a
        decision (`start: {after: manual}`) as soon as staff mode is raised."""
        if not self.sc.policies.staff_mode.ask_mutual_aid:
            return
        for a in self.sc.recovery_actions:
            if a.enabled and a.kind == "mutual_aid" and a.start.after == "manual":
                key = f"action:{a.id}"
                if f"{key}:ordered" not in self.milestones:
                    self.log("action", key, f"{a.name}: asked for by the staff")
                    self.reach(f"{key}:ordered")

    def cancel_below(self) -> float | None:
        """docs/model.md, **Staff mode acts**: the planned capacity below which the cancellation
        policy cancels ahead; in staff mode, with coordinated cancellations, every unit short of
        capacity (None)."""
        if self.level >= 1 and self.sc.policies.staff_mode.coordinate_cancellations:
            return None
        return self.sc.policies.cancellation.capacity_below

    def raise_to(self, level: int, why: str) -> None:
        self.ladder.fire(Signal.RAISE)
        self.set_level(level, why)

    def lower_to(self, level: int, why: str) -> None:
        if level == 0:
            self.ladder.fire(Signal.LOWER_TO_NORMAL)  # a running stand-down timer no longer counts
        self.set_level(level, why)

    def check_readiness(self) -> None:
        """Feed the ladder what the services look like now (automatic escalation only)."""
        if self.first_detection is None or not self.control.automatic_escalation:
            return
        if self.ladder.phase is Phase.STOOD_DOWN and self._outage:
            if self._operational():
                return
            self.ladder.fire(Signal.BELOW_OPERATIONAL)
        if self._outage and self.ladder.phase in WATCHES_TRIGGERS:
            self._watch_triggers()
        if self.level > 0:
            signal = Signal.OPERATIONAL if self._operational() else Signal.BELOW_OPERATIONAL
            if self.ladder.fire(signal) is Effect.START_TIMER:
                delay = self.sample(self.sc.policies.escalation.stand_down_after, "escalation:stand-down")
                self.env.process(self._stand_down_after(self.ladder.timer, delay))

    def _operational(self) -> bool:
        """Every service the outage ever hit at or above the policy's operational share."""
        affected = self.current_capacity()[self._ever_hit()]
        return affected.size == 0 or bool((affected >= self.sc.policies.escalation.operational_at - 1e-9).all())

    def _watch_triggers(self) -> None:
        """Start the decision delay of every trigger for a higher level whose condition holds;
        look again later at a trigger that waits for the outage to last long enough."""
        pol = self.sc.policies.escalation
        assert self.first_detection is not None
        since = self.now() - self.first_detection
        hit = None
        for i, trig in enumerate(pol.triggers):
            lv = READINESS_LEVELS.index(trig.level)
            if lv <= self.level or i in self._pending_levels:
                continue
            if hit is None:
                hit = self.units_hit()
            holds = (
                (trig.units_hit is not None and hit >= trig.units_hit)
                or (trig.outage_longer_than is not None and since >= trig.outage_longer_than - 1e-9)
                or (self.queues is not None and trig.watches_queues and self.queues.holds_at(trig, self.now()))
            )
            if holds:
                self._pending_levels.add(i)
                self.env.process(self._raise_after(i, lv, trig))
            elif trig.outage_longer_than is not None and i not in self._timed_checks:
                self._timed_checks.add(i)
                self.env.process(self._check_later(trig.outage_longer_than - since))

    def _watch_queues(self, moments: list[float]) -> Proc:
        """docs/model.md, **Queue triggers**: look at the triggers at the end of every time step at
        which a queue condition holds."""
        for t in moments:
            if t >= self.horizon:
                return
            yield self.env.timeout(t - self.now())
            self.check_readiness()

    def _ever_hit(self) -> np.ndarray:
        self._hit_mask |= self.base < 1
        return self._hit_mask

    def _raise_after(self, i: int, level: int, trig: Any) -> Proc:
        delay = self.sample(trig.decision_delay, f"escalation:{trig.level}:{i}")
        yield self.env.timeout(delay)
        if self.level < level and self._outage:
            self.raise_to(level, "trigger")
        self._pending_levels.discard(i)

    def _stand_down_after(self, timer: int, delay: float) -> Proc:
        yield self.env.timeout(delay)
        if self.ladder.timer == timer and self.ladder.fire(Signal.STAND_DOWN_DUE) is Effect.STAND_DOWN:
            self.set_level(0, "stood down")

    # ------------------------------------------------------------------ cancellations
    def _start_cancellations(self) -> None:
        if self._cancelling:
            return
        self._cancelling = True
        self.env.process(self._cancellation_loop())

    def _cancellation_loop(self) -> Proc:
        pol = self.sc.policies.cancellation
        yield self.env.timeout(self.sample(pol.decision_delay, "cancellation:decision"))
        while True:
            window = self.cancel_now(None, pol.ahead, "policy", only_below=self.cancel_below(), use_estimate=True)
            if window is None:
                break
            yield self.env.timeout(max(window, REESTIMATE_MIN_H))
        self._cancelling = False

    def expected_capacity(self) -> np.ndarray:
        """Capacity as the staff sees it when deciding: backup routines already ordered count as
        in use, since the units are about to switch to them."""
        if not self._backup_scheduled:
            return self.current_capacity()
        state = self.state.copy()
        for k in self._backup_scheduled:
            state.standins.setdefault(k, self.now())
        return self.model.capacity(state, np.array([self.now()]), self.health)[:, 0]

    def _estimate_from(self, s: int, start: float, dist: Any, checks: float) -> None:
        """IT tells the staff when system `s` is expected back: work started at `start` takes its
        mean duration, and then the mean of the checks."""
        self._estimate_basis.setdefault(s, []).append((start, dist, checks))
        self.estimate[s] = min(self.estimate.get(s, math.inf), start + dist.mean + checks)

    def restoration_estimate(self, slot: int) -> float | None:
        """When IT expects every failed system behind `slot` back, if it has said so for all. An
        estimate that has passed with the system still down is replaced by a new one: the mean of
        the work given how long it has lasted, then the checks (at least `REESTIMATE_MIN_H` on)."""
        failed = [s for s in self.model.slot_roots[slot] if self.state.own[s] < 1]
        if not failed or any(s not in self.estimate for s in failed):
            return None
        now = self.now()
        for s in failed:
            if self.estimate[s] <= now + 1e-9:
                self.estimate[s] = max(now + REESTIMATE_MIN_H, min(
                    start + dist.mean_beyond(max(0.0, now - start - checks)) + checks
                    for start, dist, checks in self._estimate_basis[s]
                ))
        return max(self.estimate[s] for s in failed)

    def cancel_now(
        self,
        entity: str | None,
        period: float,
        source: str,
        only_below: float | None = None,
        use_estimate: bool = False,
    ) -> float | None:
        """Cancel planned visits ahead at units short of capacity; the shortest window issued,
        or None when nothing was cancelled. With `use_estimate`, a window ends at IT's expected
        restoration when that comes sooner."""
        from .flows.priority import planned_capacity_now

        cap = self.expected_capacity()
        shortest = None
        now = self.now()
        for i, slot in enumerate(self.model.slots):
            if slot.service != "planned" or (entity is not None and slot.entity != entity):
                continue
            expected = planned_capacity_now(self.model, cap, slot.entity, self.sc.policies.acute_priority)
            if only_below is not None and expected >= only_below:
                continue
            if entity is None and expected >= 1:
                continue
            window = period
            if use_estimate:
                est = self.restoration_estimate(i)
                if est is not None:
                    window = min(period, est - now)
            if window <= 0:
                continue
            self.cancel_orders.append(CancelOrder(now, slot.entity, now + window, expected, source))
            shortest = window if shortest is None else min(shortest, window)
        if shortest is not None:
            self.log("cancel", entity or "units", f"planned visits cancelled ahead for {shortest:.1f} h ({source})")
        return shortest

    # ------------------------------------------------------------------ decisions and injects
    def take(self, ta: TimedAction) -> Proc:
        if ta.t_h > self.now():
            yield self.env.timeout(ta.t_h - self.now())
        a = ta.action
        who = ta.source
        if a.do == "raise_readiness":
            lv = READINESS_LEVELS.index(a.target or "stabslage")
            if lv > self.level:
                self.raise_to(lv, who)
        elif a.do == "lower_readiness":
            lv = READINESS_LEVELS.index(a.target or "normallage")
            if lv < self.level:
                self.lower_to(lv, who)
        elif a.do == "activate_backup":
            key = f"backup:{a.target}"
            if key in self.model.standin_index:
                self.env.process(self.activate_backup(self.model.standin_index[key], 0.0, who))
        elif a.do == "start_recovery":
            self.reach(f"action:{a.target}:ordered")
        elif a.do == "cancel_planned":
            self.cancel_now(a.target, a.period or self.sc.policies.cancellation.ahead, who)
        elif a.do == "inform_patients" and self.informed_at is None:
            self.informed_at = self.now()
            self.log("informed", "patients", f"patients informed ({who})")
        self.log("decision", a.do, f"{a.do}{' ' + a.target if a.target else ''} ({who})")

    def inject(self, inj: Inject) -> Proc:
        if inj.at is not None:
            t = self.sc.hours(inj.at)
            if t > 0:
                yield self.env.timeout(t)
        else:
            cond = inj.when
            assert cond is not None  # the model requires at or when
            if cond.reached:
                yield self.milestone_event(cond.milestone)
            else:
                by = self.sc.hours(cond.by) if cond.by is not None else self.horizon
                yield self.env.timeout(max(0.0, by - self.now()))
                if cond.milestone in self.milestones:
                    return
            if cond.delay > 0:
                yield self.env.timeout(cond.delay)
        self.injects.append((self.now(), inj.id))
        self.log("inject", inj.id, inj.title)
        self.reach(f"inject:{inj.id}")

    def decision_point(self, dp: DecisionPoint) -> Proc:
        if dp.at is not None:
            t = self.sc.hours(dp.at)
            if t > 0:
                yield self.env.timeout(t)
        else:
            assert dp.when is not None  # the model requires at or when
            yield self.milestone_event(dp.when.milestone)
            if dp.when.delay > 0:
                yield self.env.timeout(dp.when.delay)
        option = next(o for o in dp.options if o.id == dp.default)
        self.decisions.append((self.now(), dp.id, option.id))
        self.log("decision", dp.id, f"{dp.question} -> {option.label} (default)")
        for act in option.actions:
            if act.do == "cancel_planned" and self.sc.policies.cancellation.decide == "never":
                self.log("decision", dp.id, "no visits cancelled ahead (cancellation policy: never)")
                continue
            self.env.process(self.take(TimedAction(self.now(), act, f"decision {dp.id}")))

    # ------------------------------------------------------------------ run
    def run(self) -> IncidentTimeline:
        env = self.env
        for inc in self.sc.incidents:
            env.process(self.incident(inc))
        for a in self.sc.recovery_actions:
            if a.enabled:
                env.process(self.recovery(a))
        if self.control.automatic_cancellation and self.sc.policies.cancellation.decide == "on_detection":
            env.process(self._cancel_on_detection())
        if self.queues is not None and self.control.automatic_escalation:
            for trig in self.sc.policies.escalation.triggers:
                if trig.watches_queues:
                    env.process(self._watch_queues(self.queues.moments(trig)))
        for inj in self.sc.exercise.injects:
            env.process(self.inject(inj))
        if self.control.decision_defaults:
            for dp in self.sc.exercise.decisions:
                env.process(self.decision_point(dp))
        for ta in self.control.actions:
            env.process(self.take(ta))
        horizon = self.horizon
        steps = 0
        while env.peek() < horizon:
            env.step()
            steps += 1
            if steps % 256 == 0:
                self.budget.check_events(steps)
        env.run(until=horizon)
        self.close()
        return IncidentTimeline(
            snapshots=self.snapshots,
            readiness=self.readiness,
            cancel_orders=self.cancel_orders,
            informed_at=self.informed_at,
            events=self.events,
            milestones=self.milestones,
            first_failure=self.first_failure,
            first_detection=self.first_detection,
            full_operation=self.full_operation,
            standin_use=self.standin_use,
            injects=self.injects,
            decisions=self.decisions,
            breaches=list(self.deadlines.breaches),
        )

    def _cancel_on_detection(self) -> Proc:
        yield self.milestone_event("detected")
        self._start_cancellations()


def lasts_no_time(inc: Incident) -> bool:
    """docs/model.md, "Incidents": whether every system the incident takes down is back the
    moment it fails (every delay before a repair, the repair and the checks are zero, or the
    restoration curve is complete at once); such a failure is no outage and changes nothing."""
    repairs = [d for d in (f.repair or inc.repair for f in inc.failed) if d is not None]
    if len(repairs) < len(inc.failed):  # some systems come back along the restoration curve
        assert inc.restoration is not None  # the model requires repair or restoration
        top = inc.restoration[-1].fraction
        if top < 1 or _from_curve(inc.restoration, top) > 0:
            return False
    if not repairs:
        return True
    delays = [inc.detection_delay, inc.diagnosis, inc.verification, *repairs]
    if inc.vendor_escalation is not None and inc.vendor_escalation.probability > 0:
        delays.append(inc.vendor_escalation.delay)
    return all(d.mean <= 0 for d in delays)


def _curve_fraction(stages: list[RestorationStage], elapsed: float) -> float:
    """Share of the systems on a staged restoration curve back by `elapsed` after the failure."""
    times = [0.0] + [s.after for s in stages]
    fracs = [0.0] + [s.fraction for s in stages]
    if elapsed >= times[-1]:
        return fracs[-1]
    for (t0, f0), (t1, f1) in zip(zip(times, fracs, strict=True), zip(times[1:], fracs[1:], strict=True), strict=True):
        if elapsed <= t1:
            return f0 + (f1 - f0) * (elapsed - t0) / (t1 - t0) if t1 > t0 else f1
    return fracs[-1]


def _from_curve(stages: list[RestorationStage], u: float) -> float:
    """Inverse of a staged restoration curve (fraction restored by time after failure)."""
    times = [0.0] + [s.after for s in stages]
    fracs = [0.0] + [s.fraction for s in stages]
    if u > fracs[-1]:
        return math.inf
    for (t0, f0), (t1, f1) in zip(zip(times, fracs, strict=True), zip(times[1:], fracs[1:], strict=True), strict=True):
        if u <= f1:
            if f1 == f0:
                return float(t1)
            return float(t0 + (u - f0) / (f1 - f0) * (t1 - t0))
    return math.inf
