"""A self-contained HTML report of a run: one file with plotly.js inlined once, so its charts work
with no network (on a laptop in a bunker during a drill, or attached to an after-action report).
Nothing in it loads from another address."""

from __future__ import annotations

import html
import math
from datetime import datetime
from typing import Any

from .. import charts, values
from ..i18n import _, clock, language, number
from .tables import kpi_rows

CONFIG = {"displaylogo": False, "responsive": True}
COMPARED_KPIS = ("cancelled_planned", "time_to_full_operation_h", "time_to_normal_h", "calls_unanswered")

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6rem 0 1.2rem; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.meta { color: #555; font-size: 0.9rem; } .chart { margin: 1rem 0; }
"""


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _figure(fig: Any, first: bool) -> str:
    body = fig.to_html(full_html=False, include_plotlyjs=first, config=CONFIG)
    return f'<div class="chart">{body}</div>'


def _head(*cells: str) -> str:
    return "<tr>" + "".join(f"<th>{_esc(c)}</th>" for c in cells) + "</tr>"


def _kpi_table(summary: dict[str, Any], strategy: str, start: datetime) -> str:
    rows = [_head(_("KPI"), _("mean"), _("95% CI"), "p10", "p50", "p90", _("reached"))]
    for r in kpi_rows(summary, [strategy]):
        k = r["kpi"]
        reached = "" if r["reached"] is None else values.percent_text(r["reached"])
        rows.append(
            f"<tr><td>{_esc(values.label(k))}</td><td>{_esc(values.mean_text(k, r, start))}</td>"
            f"<td>{_esc(values.interval(k, r['ci95_low'], r['ci95_high'], start))}</td>"
            + "".join(f"<td>{_esc(values.value(k, r[p], start))}</td>" for p in ("p10", "p50", "p90"))
            + f"<td>{reached}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def _diff_table(diffs: dict[str, dict[str, dict[str, Any]]], label: Any) -> str:
    rows = [_head(_("KPI"), _("strategy"), _("mean difference (95% CI)"), "p10", "p50", "p90")]
    for kpi, by_strategy in diffs.items():
        for strategy, d in by_strategy.items():
            few = values.too_few_pairs(d)
            spread = ["–"] * 3 if few else [values.difference(kpi, d[p]) for p in ("p10", "p50", "p90")]
            rows.append(
                f"<tr><td>{_esc(values.label(kpi))}</td><td>{_esc(label(strategy))}</td>"
                f"<td>{_esc(values.difference_text(kpi, d))}</td>"
                + "".join(f"<td>{_esc(c)}</td>" for c in spread) + "</tr>"
            )
    return "<table>" + "".join(rows) + "</table>"


def _replications_text(summary: dict[str, Any]) -> str:
    done = min((v.get("replications", 0) for v in summary["strategies"].values()), default=0)
    if summary.get("partial") and done < summary["replications"]:
        return _("{done} of {requested} (partial)").format(done=done, requested=summary["replications"])
    return str(summary["replications"])


def paired_differences(exp: Any, baseline: str, kpis: tuple[str, ...] = COMPARED_KPIS) -> dict[str, dict[str, Any]]:
    """kpi -> strategy -> paired difference from the baseline, for every other strategy."""
    from ..experiments import paired_difference

    others = [s for s in exp.runs if s != baseline]
    return {k: {s: paired_difference(exp, k, s, baseline) for s in others} for k in kpis}


def html_report(
    exp: Any,
    summary: dict[str, Any],
    *,
    strategy: str | None = None,
    baseline: str | None = None,
    generated: datetime | None = None,
) -> str:
    """The whole report as one HTML document. `strategy` is drawn in the recovery curve and the
    timeline (default: the first); with several strategies, each is compared with `baseline`."""
    sc = exp.scenario
    strategies = list(exp.runs)
    strategy = strategy if strategy is not None and strategy in exp.runs else strategies[0]
    baseline = baseline if baseline is not None and baseline in exp.runs else strategies[0]

    def label(s: str) -> str:
        return charts.strategy_label(sc, s)

    figures = [(_("The scenario"), charts.dependency_graph(sc)), ("", charts.incident_timeline(sc))]
    results = charts.result_figures(exp, strategy)
    figures += [(_("Results"), results.pop("cancelled-visits"))] + [("", f) for f in results.values()]
    diffs: dict[str, dict[str, Any]] = {}
    if len(strategies) > 1:
        figures.append((_("Strategies compared"), charts.kpi_comparison(summary, COMPARED_KPIS, sc)))
        diffs = paired_differences(exp, baseline)
        figures += [("", charts.paired_difference_chart(d, k, baseline, sc)) for k, d in diffs.items()]

    when = clock(generated or datetime.now()) + f" {(generated or datetime.now()).year}"
    wall = summary.get("performance", {}).get("wall_s")
    meta = _("scenario {name}; {n} replications per strategy, seed {seed}; strategies: {strategies}; "
             "report made {when}").format(
        name=f"<code>{_esc(sc.name)}</code>" + (f" ({_esc(summary['file'])})" if summary.get("file") else ""),
        n=_replications_text(summary), seed=summary["seed"],
        strategies=_esc(", ".join(label(s) for s in strategies)), when=when)
    if isinstance(wall, int | float) and math.isfinite(wall):
        meta += "; " + _("the run took {seconds} s").format(seconds=number(wall, 1))
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}"><head><meta charset="utf-8">',
        f"<title>{_esc(sc.title)}: {_esc(_('simulation report'))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_esc(sc.title)}</h1>",
        f'<p class="meta">{meta}</p>',
    ]
    if summary.get("partial"):
        parts.append(f"<p><b>{_esc(_('The run was stopped early: these results are partial.'))}</b></p>")
    if sc.description:
        parts.append(f"<p>{_esc(sc.description.strip())}</p>")
    first = True
    for heading, fig in figures:
        if heading:
            parts.append(f"<h2>{_esc(heading)}</h2>")
        parts.append(_figure(fig, first))
        first = False
    parts.append(f"<h2>{_esc(_('Key figures'))}</h2>")
    parts.append('<p class="meta">' + _esc(_(
        "Mean over replications with its 95% confidence interval, and the 10th, 50th and 90th "
        "percentiles. Moments are clock times; durations run from the failure. \"Reached\" is the "
        "share of replications in which a moment happened within the horizon; a moment reached in "
        "few of them is marked, since its mean describes only those.")) + "</p>")
    for s in strategies:
        parts.append(f"<h3>{_esc(label(s))}</h3>")
        parts.append(_kpi_table(summary, s, sc.start))
    if diffs:
        parts.append(f"<h3>{_esc(_('Paired differences from {baseline}').format(baseline=label(baseline)))}</h3>")
        parts.append('<p class="meta">' + _esc(_(
            "Each replication of a strategy sees the same failures and arrivals as the same "
            "replication of the baseline, so the difference shows the strategy, not the noise. A "
            "difference resting on fewer than {n} pairs, or on fewer than half of the runs, is shown "
            "as \"too few runs\".").format(n=values.MIN_PAIRS))
            + "</p>")
        parts.append(_diff_table(diffs, label))
    if sc.sources:
        parts.append(f"<h2>{_esc(_('Sources'))}</h2><ul>" + "".join(f"<li>{_esc(s)}</li>" for s in sc.sources) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
