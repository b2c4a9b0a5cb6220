"""A plain-text summary of a scenario for a trainer: the period, the region's volumes, the
dependency tree, the incident timeline with expected times, the responses and the strategies.

Expected times use each distribution's mean (and the median of a staged restoration curve); they
are a reading aid, not a simulation: `sim run` gives the spread.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..graph import DependencyGraph
from ..i18n import _
from ..vocabulary import (
    FULL_OPERATION,
    MILESTONE_FORM,
    READINESS_LEVELS,
    READINESS_NAMES,
    UNIT_KIND_NAMES,
    readiness_rank,
)
from .explain_assumed import assumed_section
from .model import CareUnit, Dependency, FailedSystem, RestorationStage, Scenario

INDENT = "  "
WIDTH = 100
"""Lines are wrapped to this width where they can be."""


# --------------------------------------------------------------------------- formatting


def fmt_hours(hours: float) -> str:
    """A duration rounded for reading: `40min`, `1h 35min`, `2d 6h` (minutes dropped past 2 days)."""
    if not math.isfinite(hours):
        return "never"
    sign = "-" if hours < 0 else ""
    minutes = round(abs(hours) * 60)
    days, rest = divmod(minutes, 1440)
    h, m = divmod(rest, 60)
    if days >= 2:
        h += round(m / 60)
        m = 0
        if h == 24:
            days, h = days + 1, 0
    parts = [f"{days}d" if days else "", f"{h}h" if h else "", f"{m}min" if m else ""]
    text = " ".join(p for p in parts if p)
    return sign + (text or "0min")


def fmt_time(scenario: Scenario, hours: float) -> str:
    """Hours from the start as a clock time with its day: `Tue 06 Dec 06:40`."""
    if not math.isfinite(hours):
        return "never"
    t = scenario.start + timedelta(hours=hours)
    t = (t + timedelta(seconds=30)).replace(second=0, microsecond=0)
    return t.strftime("%a %d %b %H:%M")


def fmt_datetime(t: datetime) -> str:
    return t.strftime("%a %Y-%m-%d %H:%M")


def describe_dist(dist: Any) -> str:
    """`2h`, or `lognormal, median 10min, p90 20min (mean 11min)`."""
    kind = getattr(dist, "dist", "fixed")
    if kind == "fixed":
        return fmt_hours(dist.mean)
    if kind == "triangular":
        text = _("triangular {low} / {mode} / {high}").format(
            low=fmt_hours(dist.low), mode=fmt_hours(dist.mode), high=fmt_hours(dist.high))
    elif kind == "uniform":
        text = _("uniform {low} to {high}").format(low=fmt_hours(dist.low), high=fmt_hours(dist.high))
    elif kind == "lognormal":
        text = _("lognormal, median {median}, p90 {p90}").format(median=fmt_hours(dist.median), p90=fmt_hours(dist.p90))
    elif kind == "exponential":
        return _("exponential, mean {mean}").format(mean=fmt_hours(dist.mean))
    else:
        text = dist.describe()
    return _("{text} (mean {mean})").format(text=text, mean=fmt_hours(dist.mean))


def days_text(days: Sequence[str]) -> str:
    if list(days) == ["mon", "tue", "wed", "thu", "fri"]:
        return "weekdays"
    if len(days) == 7:
        return "every day"
    return ",".join(days)


def pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def number(x: float) -> str:
    """12,345 or 2.5: thousands separated, no trailing .0."""
    if abs(x - round(x)) < 1e-9:
        return f"{round(x):,}"
    return f"{x:,.1f}"


def flow(value: Any) -> str:
    """A strategy value written as it would be in the file (YAML flow style)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return str(value)


def table(rows: list[list[str]], right: set[int]) -> list[str]:
    """Columns padded to their widest cell; columns in `right` are right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        out.append("  ".join(cells).rstrip())
    return out


def effect_text(dep: Dependency) -> str:
    text = "stop" if dep.effect == "stop" else f"reduce to {pct(dep.remaining)}"
    if dep.affects:
        text += f" ({', '.join(dep.affects)})"
    return text


# --------------------------------------------------------------------------- expected timeline


@dataclass(frozen=True)
class Expected:
    """One expected moment on the timeline, in hours from the start (inf: not within reach)."""

    key: str
    """A milestone name as the engine uses it (`detected`, `system:journal:restored`, ...)."""
    hours: float
    label: str
    how: str = ""


def curve_quantile(stages: list[RestorationStage], q: float) -> float:
    """Time after the failure by which the share `q` of the failed systems is back (linear
    between stages, from nothing at the failure); inf if the curve never reaches it."""
    times = [0.0] + [s.after for s in stages]
    fracs = [0.0] + [s.fraction for s in stages]
    if q > fracs[-1]:
        return math.inf
    for t0, f0, t1, f1 in zip(times, fracs, times[1:], fracs[1:], strict=False):
        if q <= f1:
            return t1 if f1 == f0 else t0 + (q - f0) / (f1 - f0) * (t1 - t0)
    return math.inf


def systems_down(scenario: Scenario, failed: Iterable[str]) -> set[str]:
    """Systems down because they failed or something they need (effect stop) is down."""
    down = set(failed)
    changed = True
    while changed:
        changed = False
        for s in scenario.region.systems:
            if s.id not in down and any(d.effect == "stop" and d.system in down for d in s.depends_on):
                down.add(s.id)
                changed = True
    return down


def units_hit(scenario: Scenario, failed: Iterable[str]) -> int:
    """Units (each unit of a group counted) with a dependency on a system that is down."""
    down = systems_down(scenario, failed)
    return sum(u.count for u in scenario.region.units if any(d.system in down for d in u.depends_on))


EXPECTED_FORMS = ("incident", "action", "system", "readiness")
"""Milestones of the typical run that the expected timeline lists (with full operation)."""


def expected_timeline(scenario: Scenario) -> list[Expected]:
    """The incidents, responses and readiness changes of a typical run of the engine (every
    duration at its mean, every chance the likelier way), in order."""
    from ..engine.typical import typical_timeline

    reached = typical_timeline(scenario).milestones
    out = []
    for key, t in reached.items():
        if _expected(key, reached):
            label, how = _describe_milestone(scenario, key, reached)
            out.append(Expected(key, t, label, how))
    out.sort(key=lambda e: e.hours)
    return out


def _expected(key: str, reached: dict[str, float]) -> bool:
    """Whether the expected timeline lists `key`: the forms a scenario names, without the
    engine's internal moments; a stand-down that ends several levels at once is told once, as
    the end of the lowest."""
    if key == FULL_OPERATION:
        return True
    parts = key.split(":")
    form = MILESTONE_FORM.get(parts[0])
    if parts[0] not in EXPECTED_FORMS or form is None or len(parts) != 3 or parts[2] not in form.events:
        return False
    if parts[0] == "readiness" and parts[2] == "end":
        below = READINESS_LEVELS[max(1, readiness_rank(parts[1]) - 1)]
        return below == parts[1] or reached.get(f"readiness:{below}:end") != reached[key]
    return True


def _describe_milestone(scenario: Scenario, key: str, reached: dict[str, float]) -> tuple[str, str]:
    """What a milestone of the typical run is, for people, and how it comes about."""
    if key == FULL_OPERATION:
        return "full operation (every affected service back at full capacity)", ""
    head, ident, event = key.split(":")
    if head == "incident":
        inc = next(i for i in scenario.incidents if i.id == ident)
        return {
            "failure": (_("{incident}: failure").format(incident=ident), ", ".join(f.system for f in inc.failed)),
            "detected": (_("{incident}: detected").format(incident=ident), _("{delay} after the failure").format(delay=describe_dist(inc.detection_delay))),
            "diagnosed": (_("{incident}: diagnosis done").format(incident=ident), _("{delay} after detection").format(delay=describe_dist(inc.diagnosis))),
        }[event]
    if head == "action":
        a = next(x for x in scenario.recovery_actions if x.id == ident)
        if event == "started":
            ordered = reached.get(f"action:{ident}:ordered")
            how = "ordered at a decision point" if ordered == reached[key] else _start_text(a.start)
            return _("{action}: work starts").format(action=ident), how
        return _("{action}: in effect").format(action=ident), _("lead time {lead}").format(lead=describe_dist(a.lead_time))
    if head == "system":
        return _("{system} back").format(system=ident), _restored_how(scenario, ident, reached)
    pol = scenario.policies.escalation
    if event == "start":
        hit = units_hit(scenario, [f.system for inc in scenario.incidents for f in inc.failed])
        return _("{level} starts").format(level=READINESS_NAMES[ident]), _trigger_text(scenario, ident, hit)
    return f"back to {READINESS_NAMES['normallage']}", (
        f"every affected service at {pct(pol.operational_at)}, then {describe_dist(pol.stand_down_after)}"
    )


def _restored_how(scenario: Scenario, sid: str, reached: dict[str, float]) -> str:
    t = reached.get(f"system:{sid}:restored")
    for a in scenario.recovery_actions:
        if a.kind == "failover" and sid in a.systems and reached.get(f"action:{a.id}:in_effect") == t:
            return _("failover {action}, before the repair").format(action=a.id)
    for inc in scenario.incidents:
        for f in inc.failed:
            if f.system == sid:
                if f.repair is not None:
                    return _("{incident}: own repair {repair} from the start of repair, + verification").format(
                        incident=inc.id, repair=describe_dist(f.repair))
                if inc.repair is not None:
                    return _("{incident}: repair {repair}, + verification").format(
                        incident=inc.id, repair=describe_dist(inc.repair))
                return _("{incident}: median of the staged restoration curve").format(incident=inc.id)
    return ""


def _start_text(start: Any) -> str:
    if start.at is not None:
        return _("at {time}").format(time=start.at)
    text = _("only by a drill decision") if start.after == "manual" else _("after {moment}").format(moment=start.after)
    if start.after != "manual" and start.delay.mean > 0:
        text += f" + {describe_dist(start.delay)}"
    return text


def _trigger_text(scenario: Scenario, level: str, hit: int) -> str:
    parts = []
    for t in scenario.policies.escalation.triggers:
        if t.level != level:
            continue
        if t.units_hit is not None:
            parts.append(_("{hit} units hit (trigger {trigger})").format(hit=hit, trigger=t.units_hit))
        if t.outage_longer_than is not None:
            parts.append(_("outage longer than {duration}").format(duration=fmt_hours(t.outage_longer_than)))
        if t.acute_queue is not None:
            parts.append(_("{count} acute patients waiting").format(count=t.acute_queue))
        if t.unanswered_calls is not None:
            parts.append(_("{share} of the last hour's calls unanswered").format(share=f"{t.unanswered_calls:.0%}"))
        if t.blocked_beds is not None:
            parts.append(_("{count} beds held by patients ready to leave").format(count=t.blocked_beds))
    return "; ".join(parts)


def _header(sc: Scenario, source: Path | None) -> list[str]:
    lines = [sc.title, "=" * min(len(sc.title), 100)]
    lines.append(f"scenario {sc.name}" + (f" ({source})" if source else ""))
    if sc.description:
        lines += ["", *_wrap(sc.description.strip(), WIDTH)]
    if sc.sources:
        lines += ["", "Sources:"]
        for s in sc.sources:
            lines += _wrap(s, WIDTH, INDENT * 2, first=INDENT + "- ")
    end = sc.start + timedelta(hours=sc.horizon)
    steps = sc.horizon / sc.resolution
    lines += [
        "",
        "Period",
        f"{INDENT}start       {fmt_datetime(sc.start)}",
        f"{INDENT}horizon     {fmt_hours(sc.horizon)} (to {fmt_datetime(end)})",
        f"{INDENT}resolution  {fmt_hours(sc.resolution)} ({steps:,.0f} steps)",
    ]
    return lines


def _wrap(text: str, width: int, indent: str = "", first: str | None = None) -> list[str]:
    """Text wrapped to `width`; `first` replaces the indent on the first line (a list marker)."""
    import textwrap

    first = indent if first is None else first
    return textwrap.wrap(" ".join(text.split()), width, initial_indent=first, subsequent_indent=indent) or [first]


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _region(sc: Scenario) -> list[str]:
    r = sc.region
    lines = ["", f"Region: {r.name} ({r.id})"]
    if r.description:
        lines += _wrap(r.description.strip(), WIDTH, INDENT)
    lines += ["", f"{INDENT}Units and daily volumes (planned visits on an open day; totals count every unit)"]
    lines += [INDENT * 2 + x for x in table(_volume_rows(sc), {1, 2, 3, 4, 5})]
    lines += ["", f"{INDENT}Units"]
    for u in r.units:
        lines += _unit_lines(u)
    calls = float(sum(p.count * p.calls_per_day for p in r.phone_lines))
    lines += _phone_lines(sc) + _consumable_lines(sc)
    acute = sum(u.count * u.acute.arrivals_per_day for u in r.units if u.acute)
    visits = sum(u.count * u.planned.visits_per_day for u in r.units if u.planned)
    lines += [
        "",
        f"{INDENT}Contacts on a weekday: {number(acute)} acute + {number(visits)} planned + "
        f"{number(calls)} calls = {number(acute + visits + calls)}",
    ]
    return lines


def _volume_rows(sc: Scenario) -> list[list[str]]:
    rows = [["kind", "groups", "units", "visits/day", "acute/day", "beds"]]
    totals = [0, 0, 0.0, 0.0, 0]
    for kind, label in UNIT_KIND_NAMES.items():
        us = [u for u in sc.region.units if u.kind == kind]
        if not us:
            continue
        n = sum(u.count for u in us)
        visits = sum(u.count * u.planned.visits_per_day for u in us if u.planned)
        acute = sum(u.count * u.acute.arrivals_per_day for u in us if u.acute)
        beds = sum(u.count * u.beds.beds for u in us if u.beds)
        rows.append([label, str(len(us)), number(n), number(visits), number(acute), number(beds)])
        totals = [totals[0] + len(us), totals[1] + n, totals[2] + visits, totals[3] + acute, totals[4] + beds]
    rows.append(["total", str(totals[0]), number(totals[1]), number(totals[2]), number(totals[3]), number(totals[4])])
    return rows


def _unit_lines(u: CareUnit) -> list[str]:
    per = []
    if u.planned:
        per.append(f"{number(u.planned.visits_per_day)} visits ({u.planned.opening_hours}, {days_text(u.planned.open_days)})")
    if u.acute:
        per.append(f"{number(u.acute.arrivals_per_day)} acute, {u.acute.servers} in parallel")
    if u.beds:
        per.append(f"{number(u.beds.beds)} beds")
    count = f" x{u.count}" if u.count > 1 else ""
    owner = ", private" if u.ownership == "private" else ""
    lines = [f"{INDENT * 2}{u.id}{count}: {u.name} [{u.kind}{owner}]"]
    if per:
        lines.append(f"{INDENT * 3}per unit and day: " + "; ".join(per))
    return lines


def _phone_lines(sc: Scenario) -> list[str]:
    if not sc.region.phone_lines:
        return []
    lines = ["", f"{INDENT}Phone lines"]
    for p in sc.region.phone_lines:
        total = p.count * p.calls_per_day
        count = f" x{p.count}" if p.count > 1 else ""
        lines.append(f"{INDENT * 2}{p.id}{count}: {p.name}")
        volume = f"{number(p.calls_per_day)} calls a day"
        if p.count > 1:
            volume += f" each ({number(total)} in all)"
        lines.append(f"{INDENT * 3}{volume}, {p.agents} answering at a time, {p.opening_hours}")
        if p.surge.factor > 1:
            lines.append(f"{INDENT * 3}up to {p.surge.factor:.2g} times the calls while its units are down, "
                         f"the extra halving every {fmt_hours(p.surge.half_life)} after")
    return lines


def _consumable_lines(sc: Scenario) -> list[str]:
    r = sc.region
    if not r.consumables:
        return []
    lines = ["", f"{INDENT}Consumables"]
    for c in r.consumables:
        users = [u.id for u in r.units if c.id in u.consumables]
        lines.append(f"{INDENT * 2}{c.id}: {c.name}")
        lines += _wrap(
            f"{number(c.stock_days)} days of stock, delivery {fmt_hours(c.lead_time)} after ordering, "
            f"planned care at {pct(c.stockout_capacity)} when out; used by {', '.join(users) or 'no unit'}",
            WIDTH,
            INDENT * 3,
        )
    return lines


TREE_WIDTH = 24
"""Levels of the dependency tree drawn with their own indentation; deeper ones are folded."""


def _tree(sc: Scenario) -> list[str]:
    r = sc.region
    failing: dict[str, list[str]] = {}
    for inc in sc.incidents:
        for f in inc.failed:
            failing.setdefault(f.system, []).append(inc.id)
    needs, effects, leaves = _tree_nodes(sc)
    lines = [
        "",
        "Dependencies (a system that is down stops or reduces everything below it; systems are",
        "applications unless marked platform or supplier)",
    ]
    graph = DependencyGraph(needs)
    by_id = {s.id: s for s in r.systems}
    for t in graph.tree(TREE_WIDTH):
        deeper = t.depth > len(t.lasts)  # levels beyond the width are folded into one mark
        prefix = INDENT + ("┆  " if deeper else "") + "".join("   " if last else "│  " for last in t.lasts[:-1])
        branch = prefix + ("└─ " if t.lasts and t.lasts[-1] else "├─ ")
        effect = effects.get((t.parent, t.node)) if t.parent is not None else None
        if t.node in leaves:
            lines.append(f"{branch}{leaves[t.node]} - {effect}")
            continue
        s = by_id[t.node]
        fails = ""
        if t.node in failing:
            fails = "  << fails" + (f" ({', '.join(failing[t.node])})" if len(sc.incidents) > 1 else "")
        kind = "" if s.kind == "application" else f" [{s.kind}]"
        head = f"{t.node}: {s.name}{kind}" + (f" - {effect}" if effect else "")
        lines.append(f"{branch if t.lasts else INDENT}{head}{fails}")
        if t.repeated and graph.feeds[t.node]:
            lines.append(f"{prefix}{'   ' if t.lasts[-1] else '│  '}└─ (see above)")
    unused = [u.id for u in r.units if not u.depends_on]
    if unused:
        lines.append(f"{INDENT}No IT dependencies: {', '.join(unused)}")
    return lines


def _tree_nodes(sc: Scenario) -> tuple[dict[str, list[str]], dict[tuple[str, str], str], dict[str, str]]:
    """The dependency graph with units, phone lines and consumables as leaves: what each node
    needs, the effect of every edge, and each leaf's text."""
    r = sc.region
    by_id = {s.id for s in r.systems}
    needs: dict[str, list[str]] = {s.id: [d.system for d in s.depends_on] for s in r.systems}
    effects: dict[tuple[str, str], str] = {}
    leaves: dict[str, str] = {}

    def leaf(key: str, text: str, deps: Sequence[Dependency]) -> None:
        known = [d for d in deps if d.system in by_id]
        if known:
            needs[key], leaves[key] = [d.system for d in known], text
            effects.update({(d.system, key): effect_text(d) for d in known})

    for s in r.systems:
        effects.update({(d.system, s.id): effect_text(d) for d in s.depends_on})
    for u in r.units:
        leaf(f"unit:{u.id}", f"unit {u.id}" + (f" x{u.count}" if u.count > 1 else ""), u.depends_on)
    for p in r.phone_lines:
        leaf(f"phone:{p.id}", f"phone line {p.id}" + (f" x{p.count}" if p.count > 1 else ""), p.depends_on)
    for c in r.consumables:
        users = [f"{u.id}" for u in r.units if c.id in u.consumables]
        leaf(f"ordering:{c.id}", f"ordering of {c.id}" + (f" (used by {', '.join(users)})" if users else ""),
             c.depends_on)
    return needs, effects, leaves


def _incidents(sc: Scenario) -> list[str]:
    lines = ["", "Incidents"]
    if not sc.incidents:
        return [*lines, f"{INDENT}none: a normal period, for comparison"]
    for inc in sc.incidents:
        lines.append(f"{INDENT}{inc.id}: {inc.name}")
        if inc.description:
            lines += _wrap(inc.description.strip(), WIDTH, INDENT * 2)
        lines.append(f"{INDENT * 2}fails at {inc.at} ({fmt_time(sc, sc.hours(inc.at))}):")
        lines += [f"{INDENT * 3}- {_failed_text(f)}" for f in inc.failed]
        lines.append(f"{INDENT * 2}detection delay  {describe_dist(inc.detection_delay)}")
        lines.append(f"{INDENT * 2}diagnosis        {describe_dist(inc.diagnosis)}")
        if inc.vendor_escalation:
            ve = inc.vendor_escalation
            lines.append(f"{INDENT * 2}vendor           {pct(ve.probability)} chance, adds {describe_dist(ve.delay)}")
        if inc.repair is not None:
            lines.append(f"{INDENT * 2}repair           {describe_dist(inc.repair)}")
        if inc.restoration:
            at = sc.hours(inc.at)
            lines.append(f"{INDENT * 2}restoration      staged, for failed systems without their own repair:")
            for st in inc.restoration:
                lines.append(f"{INDENT * 3}{pct(st.fraction):>4} back {fmt_hours(st.after)} after the failure ({fmt_time(sc, at + st.after)})")
            if inc.restoration[-1].fraction < 1:
                lines.append(f"{INDENT * 3}the rest are not back within the curve")
        lines.append(f"{INDENT * 2}verification     {describe_dist(inc.verification)}")
    return lines


def _failed_text(f: FailedSystem) -> str:
    return f.system + (f" (own repair {describe_dist(f.repair)})" if f.repair is not None else "")


def _timeline(sc: Scenario) -> list[str]:
    if not sc.incidents:
        return []
    lines = ["", "Expected timeline (a run of the model at the distributions' means; `sim run` gives the spread)"]
    timeline = expected_timeline(sc)
    for e in timeline:
        when = fmt_time(sc, e.hours) if math.isfinite(e.hours) else "not within reach"
        line = f"{INDENT}{when:<17}  {e.label}"
        how = f"[{e.how}]" if e.how else ""
        if how and len(line) + len(how) + 2 <= WIDTH:
            lines.append(f"{line}  {how}")
        else:
            lines.append(line)
            if how:
                lines += _wrap(how, WIDTH, " " * (len(INDENT) + 17 + 2))
    failed_all = [f.system for inc in sc.incidents for f in inc.failed]
    if sc.policies.escalation.triggers and not any(e.key.startswith("readiness:") for e in timeline):
        lines.append(f"{INDENT}No readiness change expected: no escalation trigger holds at these times")
    down = sorted(systems_down(sc, failed_all))
    lines.append(f"{INDENT}Systems down with them: {', '.join(down)}")
    lines.append(f"{INDENT}Units hit: {units_hit(sc, failed_all)} (counting each unit of a group)")
    return lines


def _backups(sc: Scenario) -> list[str]:
    lines = ["", "Backup routines (reservrutiner)"]
    if not sc.backup_routines:
        return [*lines, f"{INDENT}none"]
    for b in sc.backup_routines:
        off = "" if b.enabled else "  [switched off]"
        lines.append(f"{INDENT}{b.id}: {b.name}{off}")
        covers = ", ".join(b.covers) if b.covers else "all that depend on them"
        lines.append(f"{INDENT * 2}replaces {', '.join(b.replaces)}; covers {covers}")
        detail = (
            f"in use {describe_dist(b.activation_delay)} after detection, at {pct(b.capacity)} capacity, "
            f"followed by {pct(b.compliance)}"
        )
        lines += _wrap(detail, WIDTH, INDENT * 2)
        if b.fatigue:
            fa = b.fatigue
            lines.append(f"{INDENT * 2}fatigue after {fmt_hours(fa.after)}: -{pct(fa.loss_per_day)} a day, not below {pct(fa.floor)}")
        if b.admin_debt_per_hour:
            lines.append(
                f"{INDENT * 2}leaves {fmt_hours(b.admin_debt_per_hour)} of records per unit and hour, "
                f"entered at {fmt_hours(b.back_entry_hours_per_day)} a day afterwards"
            )
    return lines


def _recovery(sc: Scenario) -> list[str]:
    lines = ["", "Recovery actions"]
    if not sc.recovery_actions:
        return [*lines, f"{INDENT}none"]
    for a in sc.recovery_actions:
        off = "" if a.enabled else "  [switched off]"
        lines.append(f"{INDENT}{a.id}: {a.name} [{a.kind}]{off}")
        if a.kind == "failover":
            what = f"restores {', '.join(a.systems)}"
        elif a.kind == "alternative_system":
            what = f"stands in for {', '.join(a.systems)} at {pct(a.capacity)}"
        else:
            what = f"adds {pct(a.capacity)} capacity"
        if a.covers:
            what += f" for {', '.join(a.covers)}"
        lines.append(f"{INDENT * 2}{what}")
        timing = f"starts {_start_text(a.start)}; lead time {describe_dist(a.lead_time)}"
        if a.rollout:
            timing += f"; rolled out over {fmt_hours(a.rollout)}"
        lines += _wrap(timing, WIDTH, INDENT * 2)
    return lines


def _policies(sc: Scenario) -> list[str]:
    p = sc.policies
    c, rb, esc = p.cancellation, p.rebooking, p.escalation
    decide = {
        "on_detection": "on detection",
        "on_staff_mode": "when staff mode starts",
        "never": "never ahead (visits are lost only at the door)",
    }[c.decide]
    lines = ["", "Policies"]
    lines += _wrap(
        f"planned visits at units below {pct(c.capacity_below)} capacity; decided {decide}"
        + ("" if c.decide == "never" else f", {describe_dist(c.decision_delay)} later, {fmt_hours(c.ahead)} ahead"),
        WIDTH,
        " " * 16,
        first=f"{INDENT}cancellation  ",
    )
    lines += _wrap(
        f"in the units' slack from {fmt_hours(rb.notice)} after a cancellation; extra sessions of "
        f"{pct(rb.extra_capacity)} of the planned volume per open day from "
        f"{fmt_hours(rb.start_after)} after a unit's systems are back",
        WIDTH,
        " " * 16,
        first=f"{INDENT}rebooking     ",
    )
    lines.append(f"{INDENT}acute care    {'has priority over planned care' if p.acute_priority else 'no priority'}")
    lines.append(f"{INDENT}escalation")
    if not esc.triggers:
        lines.append(f"{INDENT * 2}no triggers: the level is raised only by a drill decision")
    for t in esc.triggers:
        when = []
        if t.units_hit is not None:
            when.append(f"at least {t.units_hit} units are hit")
        if t.outage_longer_than is not None:
            when.append(f"the outage has lasted {fmt_hours(t.outage_longer_than)} after detection")
        if t.acute_queue is not None:
            when.append(f"at least {t.acute_queue} acute patients wait")
        if t.unanswered_calls is not None:
            when.append(f"{pct(t.unanswered_calls)} of the last hour's calls go unanswered")
        if t.blocked_beds is not None:
            when.append(f"at least {t.blocked_beds} beds are held by patients ready to leave")
        lines += _wrap(
            f"{READINESS_NAMES[t.level]} ({t.level}) when {' or '.join(when)}; "
            f"decided {describe_dist(t.decision_delay)} later",
            WIDTH,
            INDENT * 3,
            first=INDENT * 2,
        )
    lines += _wrap(
        f"stand down to normalläge {describe_dist(esc.stand_down_after)} after every affected "
        f"service is at {pct(esc.operational_at)} or more",
        WIDTH,
        INDENT * 3,
        first=INDENT * 2,
    )
    if esc.call_reduction:
        lines.append(f"{INDENT * 2}{pct(esc.call_reduction)} fewer calls once patients are informed in staff mode")
    sm = p.staff_mode
    lines += _wrap(
        f"in staff mode: {pct(sm.redeploy)} more staff at {', '.join(sm.redeploy_to) or 'no service'} short of "
        f"capacity from {fmt_hours(sm.redeploy_after)}, {pct(sm.phone_capacity)} more phone capacity from "
        f"{fmt_hours(sm.phone_after)}"
        + ("; asks for mutual aid" if sm.ask_mutual_aid else "")
        + ("; cancels ahead at every unit short of capacity" if sm.coordinate_cancellations else ""),
        WIDTH,
        INDENT * 3,
        first=INDENT * 2,
    )
    return lines


def _exercise(sc: Scenario) -> list[str]:
    ex = sc.exercise
    lines = ["", "Exercise material"]
    lines.append(
        f"{INDENT}{plural(len(ex.objectives), 'objective')}, {plural(len(ex.roles), 'role')}, "
        f"{plural(len(ex.injects), 'inject')} (inspel), {plural(len(ex.decisions), 'decision point')}, "
        f"{plural(len(ex.expected_actions), 'expected action')}"
    )
    for o in ex.objectives:
        lines += _wrap(o, WIDTH, INDENT * 3, first=INDENT * 2 + "- ")
    if ex.roles:
        lines += _wrap(", ".join(ex.roles), WIDTH, INDENT * 3, first=f"{INDENT}roles: ")
    for i in ex.injects:
        lines.append(f"{INDENT}inject {i.id} ({_when(i)}): {i.title}")
    for d in ex.decisions:
        lines += _wrap(d.question, WIDTH, INDENT * 3, first=f"{INDENT}decision {d.id} ({_when(d)}): ")
        for opt in d.options:
            mark = " (default)" if opt.id == d.default else ""
            lines.append(f"{INDENT * 3}- {opt.id}: {opt.label}{mark}")
    for e in ex.expected_actions:
        target = f" {e.action.target}" if e.action.target else ""
        lines.append(f"{INDENT}expected {e.id}: {e.action.do}{target} within {fmt_hours(e.within)} of {e.after}")
    return lines


def _when(item: Any) -> str:
    if item.at is not None:
        return f"at {item.at}"
    c = item.when
    text = f"when {c.milestone}" if c.reached else f"if {c.milestone} not reached by {c.by}"
    if c.delay:
        text += f" + {fmt_hours(c.delay)}"
    return text


def _strategies(sc: Scenario) -> list[str]:
    lines = ["", "Strategies (compared with the baseline)"]
    if not sc.strategies:
        return [*lines, f"{INDENT}none"]
    for s in sc.strategies:
        lines.append(f"{INDENT}{s.id}" + (f": {s.name}" if s.name else ""))
        if s.description:
            lines += _wrap(s.description, WIDTH, INDENT * 2)
        for path, value in s.set.items():
            lines.append(f"{INDENT * 3}set {path} = {flow(value)}")
    return lines


def explain(scenario: Scenario, source: str | Path | None = None) -> str:
    """The whole summary as text (no colours, no terminal codes: safe to pipe or print)."""
    src = Path(source) if source is not None else None
    parts = [
        _header(scenario, src),
        _region(scenario),
        _tree(scenario),
        _incidents(scenario),
        _timeline(scenario),
        _backups(scenario),
        _recovery(scenario),
        _policies(scenario),
        _exercise(scenario),
        _strategies(scenario),
        assumed_section(scenario),
    ]
    return "\n".join(line for part in parts for line in part) + "\n"


__all__ = ["Expected", "explain", "expected_timeline", "fmt_hours", "systems_down", "units_hit"]
