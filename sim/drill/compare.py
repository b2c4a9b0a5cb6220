"""Drills of the same scenario side by side: how several groups played it (or one group more than
once), from their decision logs or the teams of an exercise. All are judged on the same
replication seeds, so the differences are the decisions'."""

from __future__ import annotations

import math
from dataclasses import dataclass
from string import ascii_uppercase

from ..i18n import _
from ..reports.escape import html_text, markdown_cell
from .evaluate import Check, checklist
from .report import cell, fmt, html_head, kind_text, timeline_rows
from .scoring import Score, criterion
from .session import DEFAULT_REPLICATIONS, Drill, kpi_columns, kpi_stats, outcome_kpis

MAX_SIDES = 26
"""Most drills in one comparison (labelled A to Z)."""


@dataclass
class Side:
    label: str  # A, B, C, ...
    name: str
    drill: Drill
    played: dict[str, float]
    stats: dict[str, dict[str, float]]
    checks: list[Check]
    injects: list[str]

    @property
    def score(self) -> Score:
        return Score([criterion(c) for c in self.checks])


@dataclass
class Comparison:
    sides: list[Side]
    replications: int

    @property
    def a(self) -> Side:
        return self.sides[0]

    @property
    def b(self) -> Side:
        return self.sides[1]

    @property
    def scenario(self):
        return self.sides[0].drill.scenario

    def rows(self) -> list[tuple[str, ...]]:
        """KPI, each side played, each side's mean (p10-p90) over the runs, and for two sides
        B - A (means)."""
        out = []
        for name, label, pattern in outcome_kpis(self.scenario):
            played = [fmt(s.played.get(name, math.nan), pattern) for s in self.sides]
            runs = [cell(s.stats.get(name, {}), pattern) for s in self.sides]
            row = [_(label.strip()), *played, *runs]
            if len(self.sides) == 2:
                diff = self.b.stats.get(name, {}).get("mean", math.nan) - self.a.stats.get(name, {}).get("mean", math.nan)
                row.append(fmt(diff, pattern, signed=True))
            out.append(tuple(row))
        return out

    def head(self) -> tuple[str, ...]:
        n = self.replications
        cols = [_("KPI"), *(_("{label} played").format(label=s.label) for s in self.sides),
                *(_("{label}, {n} runs").format(label=s.label, n=n) for s in self.sides)]
        if len(self.sides) == 2:
            cols.append("B - A")
        return tuple(cols)

    def only_some(self) -> list[tuple[str, str]]:
        """(label, inject) for injects delivered to some of the drills but not all."""
        everyone = set.intersection(*(set(s.injects) for s in self.sides))
        return [(s.label, i) for s in self.sides for i in s.injects if i not in everyone]


def side(label: str, name: str, drill: Drill, n: int) -> Side:
    return Side(
        label, name, drill, dict(drill.played().rep.kpis), kpi_stats(drill.replication_kpis(n)), checklist(drill),
        [inj.id for _t, inj in drill.delivered()],
    )


def compare(*drills: tuple[str, Drill], n: int = DEFAULT_REPLICATIONS) -> Comparison:
    """Two or more (name, drill) of one scenario, side by side."""
    if not 2 <= len(drills) <= MAX_SIDES:
        raise ValueError(f"compare two to {MAX_SIDES} drills, not {len(drills)}")
    return Comparison([side(ascii_uppercase[i], name, d, n) for i, (name, d) in enumerate(drills)], n)


def text(c: Comparison) -> str:
    """The comparison as plain text for a terminal."""
    lines = [f"{s.label}: {s.name}" for s in c.sides] + [""]
    rows = [c.head(), *c.rows()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for k, r in enumerate(rows):
        lines.append("  ".join(v.ljust(widths[i]) if i == 0 else v.rjust(widths[i]) for i, v in enumerate(r)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", _("Score") + ":"]
    lines += [f"  {s.label}: {s.score.text()}" for s in c.sides]
    lines += ["", _("Expected actions") + ":"]
    for checks in zip(*(s.checks for s in c.sides), strict=True):
        parts = ", ".join(f"{s.label} {ch.status_text}" for s, ch in zip(c.sides, checks, strict=True))
        points = ", ".join(f"{s.label} {criterion(ch).points_text()}" for s, ch in zip(c.sides, checks, strict=True))
        lines.append(f"  {checks[0].expected.id}: {parts} (" + _("points: {points}").format(points=points) + ")")
    only = c.only_some()
    if only:
        lines += ["", _("Injects delivered to some groups only:") if len(c.sides) > 2 else _("Injects delivered to one group only:")]
        lines += [f"  {label}: {i}" for label, i in only]
    lines += ["", _("Decisions:")]
    for s in c.sides:
        for e in s.drill.entries:
            lines.append(f"  {s.label} {s.drill.clock_text(e.t_h)}  {' '.join(s.drill.describe(e).split())}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """User text as literal Markdown on one line: no HTML, link, image or table border."""
    return markdown_cell(text)


def markdown_table(c: Comparison) -> list[str]:
    """The KPI table of a comparison, in Markdown."""
    head = c.head()
    return ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1),
            *("| " + " | ".join(r) + " |" for r in c.rows())]


def markdown_checks(c: Comparison) -> list[str]:
    """Each expected action's result for every drill, in Markdown."""
    out = [f"| {_('Expected action')} | " + " | ".join(s.label for s in c.sides) + " |", "|---|" + "---|" * len(c.sides)]
    for checks in zip(*(s.checks for s in c.sides), strict=True):
        cells = [f"{cr.outcome_text} ({cr.points_text()}): {_md(cr.reason)}" for cr in map(criterion, checks)]
        out.append(f"| {_md(checks[0].expected.description)} | " + " | ".join(cells) + " |")
    out.append(f"| **{_('Score')}** | " + " | ".join(_md(s.score.text()) for s in c.sides) + " |")
    return out


def title(c: Comparison) -> str:
    """`Three drills of Sörmland ...` in the current language."""
    if len(c.sides) == 2:
        return _("Two drills of {scenario}").format(scenario=c.scenario.title)
    return _("{n} drills of {scenario}").format(n=len(c.sides), scenario=c.scenario.title)


def runs_note(c: Comparison, *, teams: bool = False) -> str:
    """What the played and run columns of a comparison are."""
    if teams:
        return _("Played: each team's own course. Runs: the team's decisions on {n} replications with common "
                 "random numbers; mean (p10–p90).").format(n=c.replications)
    return _("Played: each drill's own course. Runs: the group's decisions on {n} replications with common "
             "random numbers; mean (p10–p90).").format(n=c.replications)


def side_text(s: Side) -> str:
    return _("{name} (seed {seed})").format(name=s.name, seed=s.drill.seed)


def timeline_head(s: Side) -> str:
    return _("Timeline {label}: {name}").format(label=s.label, name=s.name)


def markdown(c: Comparison) -> str:
    out = [f"# {_md(title(c))}", ""]
    out += [f"- **{s.label}:** {_md(side_text(s))}" for s in c.sides] + [""]
    out += [runs_note(c), "", *markdown_table(c)]
    out += ["", f"## {_('Expected actions')}", "", *markdown_checks(c)]
    for s in c.sides:
        out += ["", f"## {_md(timeline_head(s))}", "", f"| {_('Time')} | {_('What')} | |", "|---|---|---|"]
        for r in timeline_rows(s.drill, events=False):
            out.append(f"| {s.drill.clock_text(r.t_h)} | {kind_text(r.kind)} | {_md(r.what)} |")
    return "\n".join(out) + "\n"


def html_table(c: Comparison) -> str:
    e = html_text
    parts = ["<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in c.head()) + "</tr>"]
    for r in c.rows():
        parts.append("<tr><td>" + e(r[0]) + "</td>" + "".join(f'<td class="num">{e(v)}</td>' for v in r[1:]) + "</tr>")
    parts.append("</table>")
    return "".join(parts)


def html_checks(c: Comparison) -> str:
    e = html_text
    parts = [f"<table><tr><th>{e(_('Expected action'))}</th>" + "".join(f"<th>{e(s.label)}</th>" for s in c.sides) + "</tr>"]
    for checks in zip(*(s.checks for s in c.sides), strict=True):
        cells = "".join(f'<td class="{cr.check.status}">{e(cr.outcome_text)} ({e(cr.points_text())}): {e(cr.reason)}</td>'
                        for cr in map(criterion, checks))
        parts.append(f"<tr><td>{e(checks[0].expected.description)}</td>{cells}</tr>")
    parts.append(f"<tr><th>{e(_('Score'))}</th>" + "".join(f"<th>{e(s.score.text())}</th>" for s in c.sides) + "</tr>")
    parts.append("</table>")
    return "".join(parts)


def html_comparison(c: Comparison) -> str:
    """The comparison as one self-contained HTML file."""
    from .charts import compare_figure
    from .report import chart_html

    e = html_text
    kpis = kpi_columns("cancelled_planned", "cancelled_at_door", "calls_unanswered", "staff_mode_h")
    fig = compare_figure([(f"{s.label}: {s.name}", s.stats) for s in c.sides], kpis)
    parts = html_head(title(c)) + [
        f"<h1>{e(title(c))}</h1>",
        "<dl>" + "".join(f"<dt>{e(s.label)}</dt><dd>{e(side_text(s))}</dd>" for s in c.sides) + "</dl>",
        f'<p class="note">{e(runs_note(c))}</p>',
        html_table(c),
        chart_html(fig),
        f"<h2>{e(_('Expected actions'))}</h2>", html_checks(c),
    ]
    for s in c.sides:
        parts.append(f"<h2>{e(timeline_head(s))}</h2><table><tr><th>{e(_('Time'))}</th><th>{e(_('What'))}</th><th></th></tr>")
        for r in timeline_rows(s.drill, events=False):
            parts.append(f'<tr class="{e(r.kind.split()[0])}"><td>{e(s.drill.clock_text(r.t_h))}</td>'
                         f"<td>{e(kind_text(r.kind))}</td><td>{e(r.what)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
