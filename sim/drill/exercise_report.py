"""The after-action report of an exercise of several teams: the objectives, a comparison of the
teams (their outcomes on the same replication seeds, expected actions, continuity deadlines and
every decision on one timeline), then each team's own report. Markdown, and one self-contained
HTML file."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime

from .compare import Comparison, compare, html_checks, html_table, markdown_checks, markdown_table
from .report import CSS, Report, build_report, chart_html, html_sections, markdown_sections
from .session import DEFAULT_REPLICATIONS, Drill, kpi_columns
from .teams import timeline

SECTIONS = ("Objectives", "Comparison of the teams", "Decisions of every team on one timeline")
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
    return " ".join(str(text).split()).replace("|", "\\|")


def _header(r: ExerciseReport) -> list[tuple[str, str]]:
    sc = r.teams[0][1].scenario
    seeds = sorted({d.seed for _n, d in r.teams})
    return [
        ("Scenario", f"{sc.title} ({sc.name})"),
        ("Teams", ", ".join(name for name, _d in r.teams)),
        ("Seed", ", ".join(str(s) for s in seeds)),
        ("Report written", r.generated),
    ]


def _timeline_rows(r: ExerciseReport) -> list[tuple[str, str, str, str]]:
    first = r.teams[0][1]
    return [(first.clock_text(i.t_h), i.team, i.kind, i.text) for i in timeline(r.teams)]


def markdown(r: ExerciseReport) -> str:
    sc = r.teams[0][1].scenario
    out = [f"# After-action report: {_md(r.title)}", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in _header(r)]
    out += ["", "## Objectives", ""]
    out += [f"- {_md(o)}" for o in sc.exercise.objectives] or ["No objectives are written in the scenario."]
    out += ["", "## Comparison of the teams", ""]
    c = r.comparison
    if c is None:
        out.append("One team played this exercise; its report follows.")
    else:
        out += [f"- **{s.label}:** {_md(s.name)}" for s in c.sides] + [""]
        out += [
            "Played: each team's own course. Runs: the team's decisions on "
            f"{c.replications} replications with common random numbers; mean (p10–p90).", "",
            *markdown_table(c), "", "Expected actions:", "", *markdown_checks(c),
        ]
    out += ["", "## Decisions of every team on one timeline", "", "| Time | Team | What | |", "|---|---|---|---|"]
    out += [f"| {t} | {_md(team)} | {kind} | {_md(text)} |" for t, team, kind, text in _timeline_rows(r)]
    for (name, _drill), report in zip(r.teams, r.reports, strict=True):
        d = report.drill
        out += ["", f"## Team: {_md(name)}", "", f"Drill from {d.clock_text(d.start_h)} to {d.clock_text()}, seed {d.seed}."]
        out += markdown_sections(report, 3, objectives=False)
    return "\n".join(out) + "\n"


def html_report(r: ExerciseReport) -> str:
    """The report as one HTML file with everything inlined (no network needed to open it)."""
    from plotly.offline import get_plotlyjs

    from .charts import compare_figure, teams_timeline_figure

    e = html.escape
    sc = r.teams[0][1].scenario
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>After-action report: {e(r.title)}</title>", f"<style>{CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>', "</head><body>",
        f"<h1>After-action report: {e(r.title)}</h1>",
        "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _header(r)) + "</dl>",
        "<h2>Objectives</h2>",
    ]
    objectives = sc.exercise.objectives
    parts.append("<ul>" + "".join(f"<li>{e(o)}</li>" for o in objectives) + "</ul>"
                 if objectives else "<p>No objectives are written in the scenario.</p>")
    parts.append("<h2>Comparison of the teams</h2>")
    c = r.comparison
    if c is None:
        parts.append("<p>One team played this exercise; its report follows.</p>")
    else:
        parts.append("<dl>" + "".join(f"<dt>{e(s.label)}</dt><dd>{e(s.name)}</dd>" for s in c.sides) + "</dl>")
        parts.append(f'<p class="note">Played: each team\'s own course. Runs: the team\'s decisions on '
                     f"{c.replications} replications with common random numbers; mean (p10–p90).</p>")
        parts.append(html_table(c))
        kpis = kpi_columns("cancelled_planned", "cancelled_at_door", "calls_unanswered", "staff_mode_h")
        parts.append(chart_html(compare_figure([(f"{s.label}: {s.name}", s.stats) for s in c.sides], kpis)))
        parts.append("<h3>Expected actions</h3>")
        parts.append(html_checks(c))
    parts.append("<h2>Decisions of every team on one timeline</h2>")
    parts.append(chart_html(teams_timeline_figure(r.teams, timeline(r.teams))))
    parts.append("<table><tr><th>Time</th><th>Team</th><th>What</th><th></th></tr>")
    parts += [f"<tr><td>{e(t)}</td><td>{e(team)}</td><td>{e(kind)}</td><td>{e(text)}</td></tr>"
              for t, team, kind, text in _timeline_rows(r)]
    parts.append("</table>")
    for (name, _drill), report in zip(r.teams, r.reports, strict=True):
        d = report.drill
        parts.append(f"<h2>Team: {e(name)}</h2>")
        parts.append(f'<p class="note">Drill from {e(d.clock_text(d.start_h))} to {e(d.clock_text())}, seed {d.seed}.</p>')
        parts += html_sections(report, 3, objectives=False)
    parts.append("</body></html>")
    return "\n".join(parts)
