"""Two drills of the same scenario side by side: how two groups played it (or one group twice).
Both are judged on the same replication seeds, so the difference is the decisions'."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from .evaluate import Check, checklist
from .report import cell, fmt, timeline_rows
from .session import DEFAULT_REPLICATIONS, Drill, kpi_columns, kpi_stats, outcome_kpis


@dataclass
class Side:
    name: str
    drill: Drill
    played: dict[str, float]
    stats: dict[str, dict[str, float]]
    checks: list[Check]
    injects: list[str]


@dataclass
class Comparison:
    a: Side
    b: Side
    replications: int

    def rows(self) -> list[tuple[str, str, str, str, str, str]]:
        """KPI, A played, B played, A mean (p10-p90), B mean (p10-p90), B - A (means)."""
        out = []
        for name, label, pattern in outcome_kpis(self.a.drill.scenario):
            sa, sb = self.a.stats.get(name, {}), self.b.stats.get(name, {})
            diff = sb.get("mean", math.nan) - sa.get("mean", math.nan)
            out.append((
                label.strip(),
                fmt(self.a.played.get(name, math.nan), pattern),
                fmt(self.b.played.get(name, math.nan), pattern),
                cell(sa, pattern),
                cell(sb, pattern),
                ("+" if diff > 0 else "") + fmt(diff, pattern),
            ))
        return out


def side(name: str, drill: Drill, n: int) -> Side:
    return Side(
        name,
        drill,
        dict(drill.played().rep.kpis),
        kpi_stats(drill.replication_kpis(n)),
        checklist(drill),
        [inj.id for _t, inj in drill.delivered()],
    )


def compare(a: tuple[str, Drill], b: tuple[str, Drill], n: int = DEFAULT_REPLICATIONS) -> Comparison:
    return Comparison(side(*a, n), side(*b, n), n)


def _names(c: Comparison) -> tuple[str, str]:
    return c.a.name, c.b.name


def text(c: Comparison) -> str:
    """The comparison as plain text for a terminal."""
    an, bn = _names(c)
    lines = [f"A: {an}", f"B: {bn}", ""]
    head = ("KPI", "A played", "B played", f"A, {c.replications} runs", f"B, {c.replications} runs", "B - A")
    rows = [head, *c.rows()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for k, r in enumerate(rows):
        lines.append("  ".join(v.ljust(widths[i]) if i == 0 else v.rjust(widths[i]) for i, v in enumerate(r)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", "Expected actions:"]
    for ca, cb in zip(c.a.checks, c.b.checks, strict=True):
        lines.append(f"  {ca.expected.id}: A {ca.status_text}, B {cb.status_text}")
    only_a = [i for i in c.a.injects if i not in c.b.injects]
    only_b = [i for i in c.b.injects if i not in c.a.injects]
    if only_a or only_b:
        lines += ["", "Injects delivered to one group only:"]
        lines += [f"  A: {i}" for i in only_a] + [f"  B: {i}" for i in only_b]
    lines += ["", "Decisions:"]
    for label, s in (("A", c.a), ("B", c.b)):
        for e in s.drill.entries:
            lines.append(f"  {label} {s.drill.clock_text(e.t_h)}  {' '.join(s.drill.describe(e).split())}")
    return "\n".join(lines) + "\n"


def markdown(c: Comparison) -> str:
    an, bn = _names(c)
    sc = c.a.drill.scenario
    out = [f"# Two drills of {sc.title}", "", f"- **A:** {an} (seed {c.a.drill.seed})", f"- **B:** {bn} (seed {c.b.drill.seed})", ""]
    out += [
        "Played: each drill's own course. Runs: the group's decisions on "
        f"{c.replications} replications with common random numbers; mean (p10–p90).",
        "",
        f"| KPI | A played | B played | A, {c.replications} runs | B, {c.replications} runs | B − A |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    out += ["| " + " | ".join(r) + " |" for r in c.rows()]
    out += ["", "## Expected actions", "", "| Expected action | A | B |", "|---|---|---|"]
    for ca, cb in zip(c.a.checks, c.b.checks, strict=True):
        out.append(f"| {ca.expected.description} | {ca.status_text}: {ca.detail} | {cb.status_text}: {cb.detail} |")
    for label, s in (("A", c.a), ("B", c.b)):
        out += ["", f"## Timeline {label}: {s.name}", "", "| Time | What | |", "|---|---|---|"]
        for r in timeline_rows(s.drill, events=False):
            out.append(f"| {s.drill.clock_text(r.t_h)} | {r.kind} | {' '.join(r.what.split())} |")
    return "\n".join(out) + "\n"


def html_comparison(c: Comparison) -> str:
    """The comparison as one self-contained HTML file."""
    from plotly.offline import get_plotlyjs

    from .charts import compare_figure
    from .report import CSS

    e = html.escape
    an, bn = _names(c)
    kpis = kpi_columns("cancelled_planned", "cancelled_at_door", "calls_unanswered", "staff_mode_h")
    fig = compare_figure([(f"A: {an}", c.a.stats), (f"B: {bn}", c.b.stats)], kpis)
    md_rows = c.rows()
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Two drills of {e(c.a.drill.scenario.title)}</title>", f"<style>{CSS}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>', "</head><body>",
        f"<h1>Two drills of {e(c.a.drill.scenario.title)}</h1>",
        f"<dl><dt>A</dt><dd>{e(an)} (seed {c.a.drill.seed})</dd><dt>B</dt><dd>{e(bn)} (seed {c.b.drill.seed})</dd></dl>",
        f'<p class="note">Played: each drill\'s own course. Runs: the group\'s decisions on {c.replications} '
        "replications with common random numbers; mean (p10–p90).</p>",
        "<table><tr><th>KPI</th><th>A played</th><th>B played</th>"
        f"<th>A, {c.replications} runs</th><th>B, {c.replications} runs</th><th>B − A</th></tr>",
    ]
    for cells in md_rows:
        parts.append("<tr><td>" + e(cells[0]) + "</td>" + "".join(f'<td class="num">{e(v)}</td>' for v in cells[1:]) + "</tr>")
    parts.append("</table>")
    parts.append('<div class="chart">' + fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}) + "</div>")
    parts.append("<h2>Expected actions</h2><table><tr><th>Expected action</th><th>A</th><th>B</th></tr>")
    for ca, cb in zip(c.a.checks, c.b.checks, strict=True):
        parts.append(
            f"<tr><td>{e(ca.expected.description)}</td><td class=\"{ca.status}\">{e(ca.status_text)}: {e(ca.detail)}</td>"
            f"<td class=\"{cb.status}\">{e(cb.status_text)}: {e(cb.detail)}</td></tr>"
        )
    parts.append("</table>")
    for label, s in (("A", c.a), ("B", c.b)):
        parts.append(f"<h2>Timeline {label}: {e(s.name)}</h2><table><tr><th>Time</th><th>What</th><th></th></tr>")
        for r in timeline_rows(s.drill, events=False):
            parts.append(f'<tr class="{e(r.kind.split()[0])}"><td>{e(s.drill.clock_text(r.t_h))}</td><td>{e(r.kind)}</td><td>{e(r.what)}</td></tr>')
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
