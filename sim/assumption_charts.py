"""Figures of the assumed numbers' part in a run's spread: the bands with and without assumption
uncertainty (the same seeds), and each assumed number's share of a KPI's variance. Like
sim/charts.py they only draw what sim.experiments computed; they never import streamlit."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from .charts import (
    LAYOUT,
    _band_traces,
    _title,
    _total,
    clock,
    clock_axis,
    colour,
    focus_window,
    strategy_label,
)
from .i18n import _, percent
from .vocabulary import kind_label, kpi_label

WITHOUT_COLOUR = "#444444"
"""Chance alone: dark grey, its band a light grey under the coloured band with the ranges."""


def bands_with_and_without(
    exp: Any, strategy: str, metric: str = "cancelled_planned", kind: str | None = None
) -> go.Figure:
    """One strategy's series with its assumed numbers drawn from their ranges, and with every
    one at its central value (`Scenario.fixed()`), on the same seeds: mean lines, shaded p10-p90."""
    sc = exp.scenario
    fig = go.Figure()
    shown = [
        (exp.runs.get(strategy), _("with assumption uncertainty (ranges drawn)"), colour(0)),
        (exp.fixed_runs.get(strategy), _("chance alone (every assumed number at its central value)"), WITHOUT_COLOUR),
    ]
    for runs, name, hex_colour in shown:
        if runs is None or runs.bands is None:
            continue
        band, _complete = _total(runs.bands, metric, kind)
        if band:
            _band_traces(fig, clock(sc.start, runs.bands.times_h), band, name, hex_colour)
    fig.update_layout(**LAYOUT, height=420, yaxis_title=kpi_label(metric))
    clock_axis(fig)
    window = focus_window(exp)
    if window is not None:
        fig.update_xaxes(range=list(window))
    title = _("{kpi} with and without assumption uncertainty").format(kpi=kpi_label(metric))
    if kind:
        title += f": {kind_label(kind)}"
    note = _("{strategy}: mean line, shaded p10-p90 over replications with the same seeds").format(
        strategy=strategy_label(sc, strategy))
    return _title(fig, title, note)


def variance_shares(shares: dict[str, Any], kpi: str) -> go.Figure:
    """Each assumed number's share of the KPI's variance (bars, with the 90% interval), and what
    no single one explains, from a run summary's `assumption_shares[kpi]`."""
    items = list(shares["shares"].items())
    names = [key for key, _s in items] + [_("chance and interplay")]
    values = [s["share"] for _k, s in items] + [shares["unexplained"]]
    plus = [s["p95"] - s["share"] for _k, s in items] + [0.0]
    minus = [s["share"] - s["p5"] for _k, s in items] + [0.0]
    fig = go.Figure(go.Bar(
        x=values, y=names, orientation="h",
        marker_color=[colour(0)] * len(items) + [WITHOUT_COLOUR],
        error_x=dict(type="data", array=plus, arrayminus=minus, visible=True),
        text=[percent(v) for v in values], textposition="auto",
        hovertemplate="%{y}: %{x:.0%}<extra></extra>",
    ))
    fig.update_layout(
        template="plotly_white", margin=dict(l=20, r=40, t=70, b=50), height=120 + 42 * len(names),
        xaxis=dict(tickformat=".0%", range=[0, 1.05], title=_("share of the variance")),
        yaxis=dict(autorange="reversed", automargin=True), showlegend=False,
    )
    title = _("Which assumptions drive the spread: {kpi}").format(kpi=kpi_label(kpi))
    note = _("first-order shares over {n} replications, with their 90% intervals").format(n=shares["replications"])
    return _title(fig, title, note)


__all__ = ["bands_with_and_without", "variance_shares"]
