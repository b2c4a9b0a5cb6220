"""The after-action report of an exercise of several teams: the objectives, a comparison of the
teams (their outcomes on the same replication seeds, expected actions, continuity deadlines and
every decision on one timeline), then each team's own report. Markdown, and one self-contained
HTML file."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from ..i18n import N_, _
from ..reports.escape import markdown_cell
from .charts import TIMELINE_MARKERS
from .compare import (
    Comparison,
    compare,
    html_checks,
    html_table,
    markdown_checks,
    markdown_table,
    runs_note,
)
from .report import (
    OBJECTIVES,
    Report,
    build_report,
    chart_html,
    heading,
    html_head,
    html_sections,
    markdown_sections,
    title_text,
)
from .session import DEFAULT_REPLICATIONS, Drill, kpi_columns
from .teams import timeline

SECTIONS = (OBJECTIVES, N_("Comparison of the teams"), N_("Decisions of every team on one timeline"))
COMPARISON, TIMELINE = SECTIONS[1:]
"""The exercise report's own sections, before one section per team."""


@dataclass
class ExerciseReport:
    title: str
    generated: str
    replications: int
    teams: list[tuple[str, Drill]]
    reports: list[Report] = field(default_factory=list)
    comparison: Comparison | None = None  # None for an exercise of one team


def build_exercise_report(title: str, teams: list[tuple[str, Drill]], n: int = DEFAULT_REPLICATIONS) -> ExerciseReport:
    """The report of every team, each on the same replication seeds."""
    if not teams:
        raise ValueError("an exercise report needs at least one team")
    return ExerciseReport(
        title=title.strip() or teams[0][1].scenario.title,
        generated=f"{datetime.now():%Y-%m-%d %H:%M}",
        replications=n,
        teams=teams,
        reports=[build_report(drill, title, name, n) for name, drill in teams],
        comparison=compare(*teams, n=n) if len(teams) > 1 else None,
    )


def _md(text: str) -> str:
    """User text as literal Markdown on one line: no HTML, link, image or table border."""
    return markdown_cell(text)


def _header(r: ExerciseReport) -> list[tuple[str, str]]:
    sc = r.teams[0][1].scenario
    seeds = sorted({d.seed for _n, d in r.teams})
    return [
        (_("Scenario"), f"{sc.title} ({sc.name})"),
        (_("Teams"), ", ".join(name for name, _d in r.teams)),
        (_("Seed"), ", ".join(str(s) for s in seeds)),
        (_("Report written"), r.generated),
    ]


def _timeline_rows(r: ExerciseReport) -> list[tuple[str, str, str, str]]:
    first = r.teams[0][1]
    return [(first.clock_text(i.t_h), i.team, _(TIMELINE_MARKERS[i.kind][0]) if i.kind in TIMELINE_MARKERS else i.kind, i.text)
            for i in timeline(r.teams)]


def _team_line(d: Drill) -> str:
    return _("Drill from {start} to {end}, seed {seed}.").format(start=d.clock_text(d.start_h), end=d.clock_text(), seed=d.seed)


def markdown(r: ExerciseReport) -> str:
    sc = r.teams[0][1].scenario
    out = [f"# {title_text(_md(r.title))}", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in _header(r)]
    out += ["", f"## {_(OBJECTIVES)}", ""]
    out += [f"- {_md(o)}" for o in sc.exercise.objectives] or [_("No objectives are written in the scenario.")]
    out += ["", f"## {_(COMPARISON)}", ""]
    c = r.comparison
    if c is None:
        out.append(_("One team played this exercise; its report follows."))
    else:
        out += [f"- **{s.label}:** {_md(s.name)}" for s in c.sides] + [""]
        out += [runs_note(c, teams=True), "", *markdown_table(c), "", _("Expected actions") + ":", "", *markdown_checks(c)]
    out += ["", f"## {_(TIMELINE)}", "", f"| {_('Time')} | {_('Team')} | {_('What')} | |", "|---|---|---|---|"]
    out += [f"| {t} | {_md(team)} | {kind} | {_md(text)} |" for t, team, kind, text in _timeline_rows(r)]
    for (name, drill), report in zip(r.teams, r.reports, strict=True):
        out += ["", "## " + _("Team: {name}").format(name=_md(name)), "", _team_line(drill)]
        out += markdown_sections(report, 3, objectives=False)
    return "\n".join(out) + "\n"


def html_report(r: ExerciseReport) -> str:
    """The report as one HTML file with everything inlined (no network needed to open it)."""
    from .charts import compare_figure, teams_timeline_figure

    e = html.escape
    sc = r.teams[0][1].scenario
    parts = html_head(title_text(r.title)) + [
        f"<h1>{e(title_text(r.title))}</h1>",
        "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _header(r)) + "</dl>",
        f"<h2>{heading(OBJECTIVES)}</h2>",
    ]
    objectives = sc.exercise.objectives
    parts.append("<ul>" + "".join(f"<li>{e(o)}</li>" for o in objectives) + "</ul>"
                 if objectives else f"<p>{e(_('No objectives are written in the scenario.'))}</p>")
    parts.append(f"<h2>{heading(COMPARISON)}</h2>")
    c = r.comparison
    if c is None:
        parts.append(f"<p>{e(_('One team played this exercise; its report follows.'))}</p>")
    else:
        parts.append("<dl>" + "".join(f"<dt>{e(s.label)}</dt><dd>{e(s.name)}</dd>" for s in c.sides) + "</dl>")
        parts.append(f'<p class="note">{e(runs_note(c, teams=True))}</p>')
        parts.append(html_table(c))
        kpis = kpi_columns("cancelled_planned", "cancelled_at_door", "calls_unanswered", "staff_mode_h")
        parts.append(chart_html(compare_figure([(f"{s.label}: {s.name}", s.stats) for s in c.sides], kpis)))
        parts.append(f"<h3>{e(_('Expected actions'))}</h3>")
        parts.append(html_checks(c))
    parts.append(f"<h2>{heading(TIMELINE)}</h2>")
    parts.append(chart_html(teams_timeline_figure(r.teams, timeline(r.teams))))
    parts.append(f"<table><tr><th>{e(_('Time'))}</th><th>{e(_('Team'))}</th><th>{e(_('What'))}</th><th></th></tr>")
    parts += [f"<tr><td>{e(t)}</td><td>{e(team)}</td><td>{e(kind)}</td><td>{e(text)}</td></tr>"
              for t, team, kind, text in _timeline_rows(r)]
    parts.append("</table>")
    for (name, drill), report in zip(r.teams, r.reports, strict=True):
        parts.append(f"<h2>{e(_('Team: {name}').format(name=name))}</h2>")
        parts.append(f'<p class="note">{e(_team_line(drill))}</p>')
        parts += html_sections(report, 3, objectives=False)
    parts.append("</body></html>")
    return "\n".join(parts)
