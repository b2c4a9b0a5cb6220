"""Deadlines in a drill: a breach of a business-impact deadline (rto, mtpd) found by the run
arrives as an inject to the roles the scenario names, is marked on the board and listed in the
after-action report. The texts are made here, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..engine.deadlines import Breach
from ..i18n import N_, _, clock, duration, percent
from ..scenario.model import Continuity, Scenario

DEADLINE_NAMES = {
    "rto": N_("recovery time objective (RTO)"),
    "mtpd": N_("maximum tolerable period of disruption (MTPD)"),
}
SHORT = {"rto": "RTO", "mtpd": "MTPD"}


@dataclass(frozen=True)
class DeadlineInject:
    """The inject a breach fires, shaped as a scenario's inject for the pages and the report."""

    id: str
    title: str
    message: str
    to: list[str] = field(default_factory=lambda: ["all"])
    facilitator_note: str = ""
    at: None = None
    when: None = None


def part(scenario: Scenario, entity: str) -> tuple[str, Continuity | None]:
    """The name and the deadlines of a unit, phone line, consumable or system."""
    region = scenario.region
    for items in (region.units, region.phone_lines, region.consumables, region.systems):
        for x in items:
            if x.id == entity:
                return x.name, x.continuity
    return entity, None


def breach_inject(scenario: Scenario, breach: Breach) -> DeadlineInject:
    name, continuity = part(scenario, breach.entity)
    since = clock(scenario.start + timedelta(hours=breach.disrupted_at), weekday=True)
    below = continuity.disrupted_below if continuity is not None else 1.0
    state = (
        _("has been disrupted") if below >= 1
        else _("has been below {share} of normal capacity").format(share=percent(below))
    )
    message = _(
        "{name} {state} since {since}, {limit} ago. The business impact analysis sets its "
        "{deadline} at {limit}: that deadline has now passed."
    ).format(name=name, state=state, since=since, limit=duration(breach.limit_h),
             deadline=_(DEADLINE_NAMES[breach.deadline]))
    note = _("Fired by the simulation from the scenario's continuity deadlines.")
    if continuity is not None and continuity.source.strip():
        note += " " + _("Source: {source}").format(source=continuity.source.strip())
    return DeadlineInject(
        breach.inject_id,
        _("{deadline} breached: {name}").format(deadline=SHORT[breach.deadline], name=name),
        message,
        list(breach.to),
        note,
    )


@dataclass(frozen=True)
class BreachRow:
    """A breach as the board and the report list it."""

    entity: str
    name: str
    deadline: str  # RTO | MTPD
    limit_h: float
    disrupted_at: float
    breached_at: float
    until: float | None  # None: still disrupted (at the clock, or at the end of the period)
    hours_beyond: float


def breach_rows(scenario: Scenario, breaches: list[Breach], until_h: float) -> list[BreachRow]:
    """The breaches that happened by `until_h`, with the disruption as it stood then."""
    rows = []
    for b in sorted(breaches, key=lambda b: (b.breached_at, b.entity)):
        if b.breached_at > until_h + 1e-9:
            continue
        ended = b.until if b.until is not None and b.until <= until_h + 1e-9 else None
        end = ended if ended is not None else until_h
        rows.append(BreachRow(
            b.entity, part(scenario, b.entity)[0], SHORT[b.deadline], b.limit_h, b.disrupted_at,
            b.breached_at, ended, max(0.0, end - b.breached_at),
        ))
    return rows


def declared(scenario: Scenario) -> list[tuple[str, str, Continuity]]:
    """(id, name, deadlines) of every part that declares deadlines."""
    region = scenario.region
    return [
        (x.id, x.name, x.continuity)
        for items in (region.units, region.phone_lines, region.consumables, region.systems)
        for x in items
        if x.continuity is not None
    ]
