"""The after-action report of a drill, in Markdown and as one self-contained HTML file (plotly.js
inlined, so the charts work with no network): objectives, the timeline of injects and decisions,
outcomes against the scenario's strategies, the expected-action checklist, hot wash notes and the
improvement plan."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..engine import replication_seed, simulate
from ..reports.escape import markdown_cell
from ..scenario.changes import apply_strategy
from .deadlines import BreachRow, breach_rows, declared
from .evaluate import Check, checklist
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
    "Objectives",
    "Timeline of injects and decisions",
    "Outcomes against the scenario's strategies",
    "Continuity deadlines",
    "Expected actions",
    "Hot wash notes",
    "Improvement plan",
)
"""The report's sections, in order; each appears in both forms even when it is empty."""

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
                rows.append(TimelineRow(ev.t_h, "Event", ev.text))
    order = {"Event": 0, "Inject": 1, "Decision": 2, "Left open": 2, "Action": 3, "Note": 4}
    rows.sort(key=lambda r: (r.t_h, order[r.kind]))
    return rows


def outcome_columns(drill: Drill, n: int = DEFAULT_REPLICATIONS) -> list[OutcomeColumn]:
    """The drill's outcome beside the scenario's strategies, all on the same replication seeds."""
    cols = [
        OutcomeColumn(
            "This drill",
            "the drill's own course (replication 0 of the seed)",
            {k: {"value": v} for k, v in drill.played().rep.kpis.items()},
        ),
        OutcomeColumn(
            "The group's decisions",
            f"the group's decisions at their times, {n} replications",
            kpi_stats(drill.replication_kpis(n)),
        ),
    ]
    strategies = [("baseline", "Policies", "the scenario's policies and each decision point's default")]
    strategies += [(s.id, s.name or s.id, s.description.strip() or s.id) for s in drill.scenario.strategies]
    for sid, name, description in strategies:
        def run(sid: str = sid) -> dict[str, dict[str, float]]:
            sc = apply_strategy(drill.scenario, sid)
            return kpi_stats([simulate(sc, replication_seed(drill.seed, k)).kpis for k in range(n)])

        stats = _CACHE.get((drill.scenario_key, drill.seed, "strategy", sid, n), run)
        cols.append(OutcomeColumn(name, f"{description}, {n} replications", stats))
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


def fmt(value: float, pattern: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return pattern.format(value)


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
        ("Scenario", f"{d.scenario.title} ({d.scenario.name})"),
        ("Drill", f"{d.clock_text(d.start_h)} to {d.clock_text()}"),
        ("Seed", str(d.seed)),
    ]
    if report.team:
        rows.insert(0, ("Team", report.team))
    rows.append(("Report written", report.generated))
    return rows


def _outcome_note(report: Report) -> str:
    return (
        f"Numbers are for the whole simulated period ({report.drill.horizon_h / 24:g} days), after "
        f"which nothing more was decided: the drill ended at {report.drill.clock_text()}. The drill "
        "columns follow the group's decisions (the policies decide nothing); the strategy columns "
        "follow the scenario's policies. All use the same replication seeds (common random "
        "numbers). Cells give the mean and, in brackets, p10–p90."
    )


def deadline_note(drill: Drill) -> str:
    """What the deadlines section says before its table."""
    parts = declared(drill.scenario)
    if not parts:
        return "The scenario declares no continuity deadlines (rto, mtpd)."
    listed = "; ".join(
        f"{name}: " + ", ".join(f"{k.upper()} {span_text(h)}" for k, h in c.deadlines()) for _i, name, c in parts
    )
    found = breaches_by_clock(drill)
    head = f"Deadlines from the business impact analysis: {listed}."
    if not found:
        return f"{head} None was breached on the drill's course by {drill.clock_text()}."
    return f"{head} Breached on the drill's course by {drill.clock_text()}:"


def breaches_by_clock(drill: Drill) -> list[BreachRow]:
    return breach_rows(drill.scenario, drill.played().timeline.breaches, drill.clock_h)


def deadline_rows(drill: Drill) -> list[tuple[str, ...]]:
    """The breaches on the drill's course by its clock, as table cells."""
    return [
        (
            drill.clock_text(b.breached_at), b.name, f"{b.deadline} {span_text(b.limit_h)}",
            drill.clock_text(b.disrupted_at),
            drill.clock_text(b.until) if b.until is not None else f"still disrupted at {drill.clock_text()}",
            span_text(b.hours_beyond),
        )
        for b in breaches_by_clock(drill)
    ]


def markdown(report: Report) -> str:
    """The report in Markdown."""
    out = [f"# After-action report: {_md(report.title)}", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in _header(report)]
    out += markdown_sections(report, objectives=True)
    return "\n".join(out) + "\n"


def markdown_sections(report: Report, level: int = 2, *, objectives: bool) -> list[str]:
    """The report's sections in Markdown, headed at `level` (a team's report inside the report of
    an exercise is one level down, and leaves the objectives to the exercise's)."""
    d = report.drill
    h = "#" * level
    out: list[str] = []
    if objectives:
        out += ["", f"{h} Objectives", ""]
        out += [f"- {_md(o)}" for o in d.scenario.exercise.objectives] or ["No objectives are written in the scenario."]
    out += ["", f"{h} Timeline of injects and decisions", "", "| Time | What | | To / by | Text |", "|---|---|---|---|---|"]
    for r in report.timeline:
        out.append(f"| {d.clock_text(r.t_h)} | {r.kind} | {_md(r.what)} | {_md(r.who)} | {_md(r.text)} |")
    out += ["", f"{h} Outcomes against the scenario's strategies", "", _outcome_note(report), ""]
    out.append("| KPI | " + " | ".join(_md(c.name) for c in report.outcomes) + " |")
    out.append("|---|" + "---:|" * len(report.outcomes))
    for name, label, pattern in outcome_kpis(d.scenario):
        out.append(f"| {label.strip()} | " + " | ".join(cell(c.stats.get(name, {}), pattern) for c in report.outcomes) + " |")
    out += ["", f"{h} Continuity deadlines", "", deadline_note(d), ""]
    rows = deadline_rows(d)
    if rows:
        out += ["| Breached at | Part | Deadline | Disrupted from | Until | Beyond the deadline |",
                "|---|---|---|---|---|---:|"]
        out += ["| " + " | ".join(_md(c) for c in cells) + " |" for cells in rows]
    score = report.score
    out += ["", f"{h} Expected actions", "", f"Score: {score.text()}.", "",
            "| Expected action | Result | Points | Why |", "|---|---|---:|---|"]
    for c in score.criteria:
        out.append(f"| {_md(c.expected.description)} | {c.outcome_text} | {_md(c.points_text())} | {_md(c.reason)} |")
    if not report.checks:
        out.append("| No expected actions are written in the scenario. | | | |")
    out += ["", f"{h} Hot wash notes", ""]
    hot = [n for n in d.notes if n.hot_wash and not n.struck]
    out += [f"- {_md(n.text)}" + (f" ({_md(n.by)})" if n.by else "") for n in hot] or ["No hot wash notes were taken."]
    out += ["", f"{h} Improvement plan", "", "| Finding | Action | Owner | Due date |", "|---|---|---|---|"]
    for imp in d.improvements:
        out.append(f"| {_md(imp.finding)} | {_md(imp.action)} | {_md(imp.owner)} | {_md(imp.due)} |")
    if not d.improvements:
        out.append("| | | | |")
    return out


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


def _html_deadlines(d: Drill, h: str = "h2") -> list[str]:
    """The continuity deadlines breached on the drill's course, as HTML."""
    e = html.escape
    parts = [f"<{h}>Continuity deadlines</{h}>", f'<p class="note">{e(deadline_note(d))}</p>']
    rows = deadline_rows(d)
    if rows:
        parts.append("<table><tr><th>Breached at</th><th>Part</th><th>Deadline</th><th>Disrupted from</th>"
                     "<th>Until</th><th>Beyond the deadline</th></tr>")
        parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>" for cells in rows]
        parts.append("</table>")
    return parts


def _html_follow_up(report: Report, h: str = "h2") -> list[str]:
    """Expected actions, hot wash notes and the improvement plan, as HTML."""
    d = report.drill
    e = html.escape
    parts: list[str] = []
    score = report.score
    parts.append(f"<{h}>Expected actions</{h}>")
    parts.append(f'<p class="score">Score: {e(score.text())}.</p>')
    parts.append("<table><tr><th>Expected action</th><th>Result</th><th>Points</th><th>Why</th></tr>")
    for c in score.criteria:
        parts.append(
            f"<tr><td>{e(c.expected.description)}</td><td class=\"{c.check.status}\">{e(c.outcome_text)}</td>"
            f'<td class="num">{e(c.points_text())}</td><td>{e(c.reason)}</td></tr>'
        )
    if not report.checks:
        parts.append('<tr><td colspan="4">No expected actions are written in the scenario.</td></tr>')
    parts.append("</table>")
    parts.append(f"<{h}>Hot wash notes</{h}>")
    hot = [n for n in d.notes if n.hot_wash and not n.struck]
    parts.append(
        "<ul>" + "".join(f"<li>{e(n.text)}" + (f" <em>({e(n.by)})</em>" if n.by else "") + "</li>" for n in hot) + "</ul>"
        if hot else "<p>No hot wash notes were taken.</p>"
    )
    parts.append(f"<{h}>Improvement plan</{h}>")
    parts.append("<table><tr><th>Finding</th><th>Action</th><th>Owner</th><th>Due date</th></tr>")
    for imp in d.improvements:
        parts.append(f"<tr><td>{e(imp.finding)}</td><td>{e(imp.action)}</td><td>{e(imp.owner)}</td><td>{e(imp.due)}</td></tr>")
    if not d.improvements:
        parts.append("<tr><td>&nbsp;</td><td></td><td></td><td></td></tr>")
    parts.append("</table>")
    return parts


def html_report(report: Report) -> str:
    """The report as one HTML file with everything inlined (no network needed to open it)."""
    from plotly.offline import get_plotlyjs

    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>After-action report: {e(report.title)}</title>",
        f"<style>{CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f"<h1>After-action report: {e(report.title)}</h1>",
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
        parts.append(f"<{h}>Objectives</{h}>")
        written = d.scenario.exercise.objectives
        parts.append(
            "<ul>" + "".join(f"<li>{e(o)}</li>" for o in written) + "</ul>"
            if written else "<p>No objectives are written in the scenario.</p>"
        )
    parts.append(f"<{h}>Timeline of injects and decisions</{h}>")
    parts.append("<table><tr><th>Time</th><th>What</th><th></th><th>To / by</th><th>Text</th></tr>")
    for r in report.timeline:
        parts.append(
            f'<tr class="{e(r.kind.split()[0])}"><td>{e(d.clock_text(r.t_h))}</td><td>{e(r.kind)}</td>'
            f"<td>{e(r.what)}</td><td>{e(r.who)}</td><td>{e(r.text)}</td></tr>"
        )
    parts.append("</table>")
    parts += [chart(f) for f in figs]
    parts.append(f"<{h}>Outcomes against the scenario's strategies</{h}>")
    parts.append(f'<p class="note">{e(_outcome_note(report))}</p>')
    parts.append("<table><tr><th>KPI</th>" + "".join(f'<th title="{e(c.description)}">{e(c.name)}</th>' for c in report.outcomes) + "</tr>")
    for name, label, pattern in outcome_kpis(d.scenario):
        parts.append(
            f"<tr><td>{e(label.strip())}</td>"
            + "".join(f'<td class="num">{e(cell(c.stats.get(name, {}), pattern))}</td>' for c in report.outcomes)
            + "</tr>"
        )
    parts.append("</table>")
    parts.append(chart(outcome_fig))
    parts += _html_deadlines(d, h)
    parts += _html_follow_up(report, h)
    return parts
