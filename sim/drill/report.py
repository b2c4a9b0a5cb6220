"""The after-action report of a drill, in Markdown and as one self-contained HTML file (plotly.js
inlined, so the charts work with no network): objectives, the timeline of injects and decisions,
outcomes against the scenario's strategies, the expected-action checklist, hot wash notes and the
improvement plan."""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..engine import replication_seed, simulate
from ..i18n import N_, _, language, number
from ..reports.escape import markdown_cell
from ..scenario.changes import apply_strategy
from .deadlines import BreachRow, breach_rows, declared
from .evaluate import Check, checklist
from .events import event_text
from .scoring import Score, criterion
from .session import (
    _CACHE,
    DEFAULT_REPLICATIONS,
    Drill,
    kpi_columns,
    kpi_stats,
    outcome_kpis,
    span_text,
)

SECTIONS = (
    N_("Objectives"),
    N_("Timeline of injects and decisions"),
    N_("Outcomes against the scenario's strategies"),
    N_("Continuity deadlines"),
    N_("Expected actions"),
    N_("Hot wash notes"),
    N_("Improvement plan"),
)
"""The report's sections, in order; each appears in both forms even when it is empty (in the
current language)."""
OBJECTIVES, TIMELINE, OUTCOMES, DEADLINES, EXPECTED, HOT_WASH, IMPROVEMENT = SECTIONS

KIND_TEXT = {
    "Inject": N_("Inject"),
    "Decision": N_("Decision"),
    "Action": N_("Action"),
    "Left open": N_("Left open"),
    "Note": N_("Note"),
    "Event": N_("Event"),
}
"""What a row of the timeline is, as the reader reads it (the key stays the row's kind)."""


def kind_text(kind: str) -> str:
    return _(KIND_TEXT.get(kind, kind))


def heading(section: str) -> str:
    """A section's title in the current language, as HTML text."""
    return html.escape(_(section), quote=False)

TIMELINE_EVENT_KINDS = ("failure", "detected", "diagnosed", "restored", "readiness", "backup", "informed")


@dataclass(frozen=True)
class TimelineRow:
    t_h: float
    kind: str  # Inject | Decision | Action | Left open | Note | Event
    what: str
    who: str = ""
    text: str = ""


@dataclass(frozen=True)
class OutcomeColumn:
    name: str
    description: str
    stats: dict[str, dict[str, float]]  # kpi -> {"value"} or {"mean", "p10", "p50", "p90"}


@dataclass
class Report:
    drill: Drill
    title: str
    team: str
    generated: str
    replications: int
    timeline: list[TimelineRow] = field(default_factory=list)
    outcomes: list[OutcomeColumn] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    @property
    def score(self) -> Score:
        """The team's score: each expected action a criterion with its weight and points."""
        return Score([criterion(c) for c in self.checks])


def timeline_rows(drill: Drill, *, events: bool = True) -> list[TimelineRow]:
    """Injects delivered, decisions and actions taken, notes, and (with `events`) what happened
    in the simulation, up to the drill's clock."""
    rows = [
        TimelineRow(t, "Inject", inj.title.strip(), ", ".join(inj.to), inj.message.strip())
        for t, inj in drill.delivered()
    ]
    for e in drill.entries:
        kind = {"option": "Decision", "skip": "Left open", "action": "Action"}[e.kind]
        rows.append(TimelineRow(e.t_h, kind, drill.describe(e).strip(), e.by, e.note))
    rows += [TimelineRow(n.t_h, "Note", n.text, n.by) for n in drill.notes if not n.hot_wash and not n.struck]
    if events:
        for ev in drill.played().rep.events:
            if ev.kind in TIMELINE_EVENT_KINDS and ev.t_h <= drill.clock_h + 1e-9:
                rows.append(TimelineRow(ev.t_h, "Event", event_text(drill.scenario, ev)))
    order = {"Event": 0, "Inject": 1, "Decision": 2, "Left open": 2, "Action": 3, "Note": 4}
    rows.sort(key=lambda r: (r.t_h, order[r.kind]))
    return rows


def outcome_columns(drill: Drill, n: int = DEFAULT_REPLICATIONS) -> list[OutcomeColumn]:
    """The drill's outcome beside the scenario's strategies, all on the same replication seeds."""
    cols = [
        OutcomeColumn(
            _("This drill"),
            _("the drill's own course (replication 0 of the seed)"),
            {k: {"value": v} for k, v in drill.played().rep.kpis.items()},
        ),
        OutcomeColumn(
            _("The group's decisions"),
            _("the group's decisions at their times, {n} replications").format(n=n),
            kpi_stats(drill.replication_kpis(n)),
        ),
    ]
    strategies = [("baseline", _("Policies"), _("the scenario's policies and each decision point's default"))]
    strategies += [(s.id, s.name or s.id, s.description.strip() or s.id) for s in drill.scenario.strategies]
    for sid, name, description in strategies:
        def run(sid: str = sid) -> dict[str, dict[str, float]]:
            sc = apply_strategy(drill.scenario, sid)
            return kpi_stats([simulate(sc, replication_seed(drill.seed, k)).kpis for k in range(n)])

        stats = _CACHE.get((drill.scenario_key, drill.seed, "strategy", sid, n), run)
        cols.append(OutcomeColumn(name, _("{description}, {n} replications").format(description=description, n=n), stats))
    return cols


def build_report(drill: Drill, title: str = "", team: str = "", n: int = DEFAULT_REPLICATIONS) -> Report:
    return Report(
        drill=drill,
        title=title.strip() or drill.scenario.title,
        team=team.strip(),
        generated=f"{datetime.now():%Y-%m-%d %H:%M}",
        replications=n,
        timeline=timeline_rows(drill),
        outcomes=outcome_columns(drill, n),
        checks=checklist(drill),
    )


# --------------------------------------------------------------------------- formatting


_DECIMALS = re.compile(r"\.(\d+)f")


def fmt(value: float, pattern: str, *, signed: bool = False) -> str:
    """`value` with as many decimals as `pattern` (`{:,.1f}`) asks for, in the current
    language's number format (`2 273,5` in Swedish)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    m = _DECIMALS.search(pattern)
    decimals = int(m.group(1)) if m else 0
    return number(value, decimals, signed=signed and round(value, decimals) != 0)


def cell(stats: dict[str, float], pattern: str) -> str:
    if "value" in stats:
        return fmt(stats["value"], pattern)
    mean = fmt(stats.get("mean", math.nan), pattern)
    if math.isnan(stats.get("p10", math.nan)):
        return mean
    return f"{mean} ({fmt(stats['p10'], pattern)}–{fmt(stats['p90'], pattern)})"


def _md(text: str) -> str:
    """User text as literal Markdown on one line: no HTML, link, image or table border."""
    return markdown_cell(text)


def _header(report: Report) -> list[tuple[str, str]]:
    d = report.drill
    rows = [
        (_("Scenario"), f"{d.scenario.title} ({d.scenario.name})"),
        (_("Drill"), _("{start} to {end}").format(start=d.clock_text(d.start_h), end=d.clock_text())),
        (_("Seed"), str(d.seed)),
    ]
    if report.team:
        rows.insert(0, (_("Team"), report.team))
    rows.append((_("Report written"), report.generated))
    return rows


def _outcome_note(report: Report) -> str:
    return _(
        "Numbers are for the whole simulated period ({days}), after which nothing more was decided: "
        "the drill ended at {end}. The drill columns follow the group's decisions (the policies "
        "decide nothing); the strategy columns follow the scenario's policies. All use the same "
        "replication seeds (common random numbers). Cells give the mean and, in brackets, p10–p90."
    ).format(days=_("{days} days").format(days=number(report.drill.horizon_h / 24, 1 if report.drill.horizon_h % 24 else 0)),
             end=report.drill.clock_text())


def deadline_note(drill: Drill) -> str:
    """What the deadlines section says before its table."""
    parts = declared(drill.scenario)
    if not parts:
        return _("The scenario declares no continuity deadlines (rto, mtpd).")
    listed = "; ".join(
        f"{name}: " + ", ".join(f"{k.upper()} {span_text(h)}" for k, h in c.deadlines()) for _i, name, c in parts
    )
    found = breaches_by_clock(drill)
    head = _("Deadlines from the business impact analysis: {listed}.").format(listed=listed)
    if not found:
        return head + " " + _("None was breached on the drill's course by {time}.").format(time=drill.clock_text())
    return head + " " + _("Breached on the drill's course by {time}:").format(time=drill.clock_text())


def breaches_by_clock(drill: Drill) -> list[BreachRow]:
    return breach_rows(drill.scenario, drill.played().timeline.breaches, drill.clock_h)


def deadline_rows(drill: Drill) -> list[tuple[str, ...]]:
    """The breaches on the drill's course by its clock, as table cells."""
    return [
        (
            drill.clock_text(b.breached_at), b.name, f"{b.deadline} {span_text(b.limit_h)}",
            drill.clock_text(b.disrupted_at),
            drill.clock_text(b.until) if b.until is not None
            else _("still disrupted at {time}").format(time=drill.clock_text()),
            span_text(b.hours_beyond),
        )
        for b in breaches_by_clock(drill)
    ]


def title_text(title: str) -> str:
    return _("After-action report: {title}").format(title=title)


def markdown(report: Report) -> str:
    """The report in Markdown."""
    out = [f"# {title_text(_md(report.title))}", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in _header(report)]
    out += markdown_sections(report, objectives=True)
    return "\n".join(out) + "\n"


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown_sections(report: Report, level: int = 2, *, objectives: bool) -> list[str]:
    """The report's sections in Markdown, headed at `level` (a team's report inside the report of
    an exercise is one level down, and leaves the objectives to the exercise's)."""
    d = report.drill
    h = "#" * level
    out: list[str] = []
    if objectives:
        out += ["", f"{h} {_(OBJECTIVES)}", ""]
        out += [f"- {_md(o)}" for o in d.scenario.exercise.objectives] or [_("No objectives are written in the scenario.")]
    out += ["", f"{h} {_(TIMELINE)}", "", _row(_("Time"), _("What"), "", _("To / by"), _("Text")), "|---|---|---|---|---|"]
    for r in report.timeline:
        out.append(_row(d.clock_text(r.t_h), kind_text(r.kind), _md(r.what), _md(r.who), _md(r.text)))
    out += ["", f"{h} {_(OUTCOMES)}", "", _outcome_note(report), ""]
    out.append(_row(_("KPI"), *(_md(c.name) for c in report.outcomes)))
    out.append("|---|" + "---:|" * len(report.outcomes))
    for name, label, pattern in outcome_kpis(d.scenario):
        out.append(_row(_(label.strip()), *(cell(c.stats.get(name, {}), pattern) for c in report.outcomes)))
    out += ["", f"{h} {_(DEADLINES)}", "", deadline_note(d), ""]
    rows = deadline_rows(d)
    if rows:
        out += [_row(*deadline_head()), "|---|---|---|---|---|---:|"]
        out += [_row(*(_md(c) for c in cells)) for cells in rows]
    score = report.score
    out += ["", f"{h} {_(EXPECTED)}", "", _("Score: {score}").format(score=score.text()) + ".", "",
            _row(_("Expected action"), _("Result"), _("Points"), _("Why")), "|---|---|---:|---|"]
    for c in score.criteria:
        out.append(_row(_md(c.expected.description), c.outcome_text, _md(c.points_text()), _md(c.reason)))
    if not report.checks:
        out.append(_row(_("No expected actions are written in the scenario."), "", "", ""))
    out += ["", f"{h} {_(HOT_WASH)}", ""]
    hot = [n for n in d.notes if n.hot_wash and not n.struck]
    out += [f"- {_md(n.text)}" + (f" ({_md(n.by)})" if n.by else "") for n in hot] or [_("No hot wash notes were taken.")]
    out += ["", f"{h} {_(IMPROVEMENT)}", "", _row(*improvement_head()), "|---|---|---|---|"]
    for imp in d.improvements:
        out.append(_row(_md(imp.finding), _md(imp.action), _md(imp.owner), _md(imp.due)))
    if not d.improvements:
        out.append("| | | | |")
    return out


def deadline_head() -> tuple[str, ...]:
    return (_("Breached at"), _("Part"), _("Deadline"), _("Disrupted from"), _("Until"), _("Beyond the deadline"))


def improvement_head() -> tuple[str, ...]:
    return (_("Finding"), _("Action"), _("Owner"), _("Due date"))


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 2rem auto;
       max-width: 1100px; color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f3f5f7; } td.num { text-align: right; white-space: nowrap; }
.met { color: #1a7f37; font-weight: 600; } .late { color: #b35900; font-weight: 600; }
.missed { color: #c62828; font-weight: 600; } .open, .not_applicable { color: #666; }
.note { color: #555; font-size: 0.9rem; } dl { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dt { font-weight: 600; } .Inject { background: #fff8e1; } .Decision, .Action, .Left { background: #e8f5e9; }
.Event { color: #555; } @media print { .chart { page-break-inside: avoid; } }
"""


def _html_row(cells: tuple[str, ...] | list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"


def _html_deadlines(d: Drill, h: str = "h2") -> list[str]:
    """The continuity deadlines breached on the drill's course, as HTML."""
    e = html.escape
    parts = [f"<{h}>{heading(DEADLINES)}</{h}>", f'<p class="note">{e(deadline_note(d))}</p>']
    rows = deadline_rows(d)
    if rows:
        parts.append("<table>" + _html_row(deadline_head(), "th"))
        parts += [_html_row(cells) for cells in rows]
        parts.append("</table>")
    return parts


def _html_follow_up(report: Report, h: str = "h2") -> list[str]:
    """Expected actions, hot wash notes and the improvement plan, as HTML."""
    d = report.drill
    e = html.escape
    parts: list[str] = []
    score = report.score
    parts.append(f"<{h}>{heading(EXPECTED)}</{h}>")
    parts.append(f'<p class="score">{e(_("Score: {score}").format(score=score.text()))}.</p>')
    parts.append("<table>" + _html_row((_("Expected action"), _("Result"), _("Points"), _("Why")), "th"))
    for c in score.criteria:
        parts.append(
            f"<tr><td>{e(c.expected.description)}</td><td class=\"{c.check.status}\">{e(c.outcome_text)}</td>"
            f'<td class="num">{e(c.points_text())}</td><td>{e(c.reason)}</td></tr>'
        )
    if not report.checks:
        parts.append(f'<tr><td colspan="4">{e(_("No expected actions are written in the scenario."))}</td></tr>')
    parts.append("</table>")
    parts.append(f"<{h}>{heading(HOT_WASH)}</{h}>")
    hot = [n for n in d.notes if n.hot_wash and not n.struck]
    parts.append(
        "<ul>" + "".join(f"<li>{e(n.text)}" + (f" <em>({e(n.by)})</em>" if n.by else "") + "</li>" for n in hot) + "</ul>"
        if hot else f"<p>{e(_('No hot wash notes were taken.'))}</p>"
    )
    parts.append(f"<{h}>{heading(IMPROVEMENT)}</{h}>")
    parts.append("<table>" + _html_row(improvement_head(), "th"))
    for imp in d.improvements:
        parts.append(_html_row((imp.finding, imp.action, imp.owner, imp.due)))
    if not d.improvements:
        parts.append("<tr><td>&nbsp;</td><td></td><td></td><td></td></tr>")
    parts.append("</table>")
    return parts


def html_head(title: str) -> list[str]:
    """The start of a self-contained HTML report in the current language, up to its <body>."""
    from plotly.offline import get_plotlyjs

    return [
        "<!DOCTYPE html>",
        f'<html lang="{language()}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
    ]


def html_report(report: Report) -> str:
    """The report as one HTML file with everything inlined (no network needed to open it)."""
    e = html.escape
    parts = html_head(title_text(report.title))
    parts += [
        f"<h1>{e(title_text(report.title))}</h1>",
        "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _header(report)) + "</dl>",
    ]
    parts += html_sections(report, objectives=True)
    parts.append("</body></html>")
    return "\n".join(parts)


def chart_html(fig: Any) -> str:
    """A plotly figure for a report whose <head> carries plotly.js."""
    config = {"displaylogo": False, "responsive": True}
    return '<div class="chart">' + fig.to_html(full_html=False, include_plotlyjs=False, config=config) + "</div>"


def html_sections(report: Report, level: int = 2, *, objectives: bool) -> list[str]:
    """The report's sections in HTML, headed at `level`, with their charts."""
    from .charts import compare_figure, situation_figure

    d = report.drill
    e = html.escape
    h = f"h{level}"
    band = d.band(report.replications)
    figs = [situation_figure(d, name, band) for name in ("capacity", "cancelled_planned", "calls_unanswered")]
    lo, hi = d.played_span()
    for f in figs:  # the span that was played; plotly's autoscale still shows the whole horizon
        f.update_layout(xaxis={"range": [d.when(lo), d.when(hi)]})
    outcome_fig = compare_figure(
        [(c.name, c.stats) for c in report.outcomes],
        kpi_columns("cancelled_planned", "cancelled_at_door", "calls_unanswered", "time_to_full_operation_h"),
    )
    chart = chart_html
    parts: list[str] = []
    if objectives:
        parts.append(f"<{h}>{heading(OBJECTIVES)}</{h}>")
        written = d.scenario.exercise.objectives
        parts.append(
            "<ul>" + "".join(f"<li>{e(o)}</li>" for o in written) + "</ul>"
            if written else f"<p>{e(_('No objectives are written in the scenario.'))}</p>"
        )
    parts.append(f"<{h}>{heading(TIMELINE)}</{h}>")
    parts.append("<table>" + _html_row((_("Time"), _("What"), "", _("To / by"), _("Text")), "th"))
    for r in report.timeline:
        parts.append(
            f'<tr class="{e(r.kind.split()[0])}"><td>{e(d.clock_text(r.t_h))}</td><td>{e(kind_text(r.kind))}</td>'
            f"<td>{e(r.what)}</td><td>{e(r.who)}</td><td>{e(r.text)}</td></tr>"
        )
    parts.append("</table>")
    parts += [chart(f) for f in figs]
    parts.append(f"<{h}>{heading(OUTCOMES)}</{h}>")
    parts.append(f'<p class="note">{e(_outcome_note(report))}</p>')
    parts.append(f"<table><tr><th>{e(_('KPI'))}</th>"
                 + "".join(f'<th title="{e(c.description)}">{e(c.name)}</th>' for c in report.outcomes) + "</tr>")
    for name, label, pattern in outcome_kpis(d.scenario):
        parts.append(
            f"<tr><td>{e(_(label.strip()))}</td>"
            + "".join(f'<td class="num">{e(cell(c.stats.get(name, {}), pattern))}</td>' for c in report.outcomes)
            + "</tr>"
        )
    parts.append("</table>")
    parts.append(chart(outcome_fig))
    parts += _html_deadlines(d, h)
    parts += _html_follow_up(report, h)
    return parts
