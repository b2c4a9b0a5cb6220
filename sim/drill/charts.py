"""Plotly figures of a drill: the played timeline up to the clock over the Monte Carlo band of
what may still come, the what-if preview, and the outcome against the scenario's strategies.
Plotly is imported here only, so the command line starts without it."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np

from ..i18n import N_, _
from ..vocabulary import PALETTE, UNIT_KIND, UNIT_KINDS, kind_colour, series
from .session import Band, Drill, series_of


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _times(drill: Drill, n: int, step_h: float) -> list[Any]:
    start = drill.scenario.start
    return [start + timedelta(hours=(k + 1) * step_h) for k in range(n)]


def default_window(drill: Drill) -> tuple[Any, Any]:
    """The part of the timeline a chart shows first: from the drill's start to twelve hours past
    the clock (the rest is a zoom away)."""
    lo = drill.start_h
    hi = min(drill.horizon_h, max(drill.clock_h + 12, lo + 12))
    return drill.when(lo), drill.when(hi)


def situation_figure(drill: Drill, name: str, band: Band | None = None, *, markers: bool = True) -> Any:
    """One series of the played timeline up to the clock, over the band of `band`'s replications."""
    import plotly.graph_objects as go

    played = drill.played()
    rep = played.rep
    step = rep.step_h
    shown = played.steps_until(drill.clock_h)
    fig = go.Figure()
    parts = series_of(rep, name)
    spec = series(name)
    for i, (key, values) in enumerate(sorted(parts.items(), key=lambda kv: _kind_rank(kv[0]))):
        kind = key.split(":", 1)[1] if ":" in key else None
        colour = kind_colour(kind) if kind is not None else PALETTE[i % len(PALETTE)]
        label = _(UNIT_KIND[kind].label) if kind in UNIT_KIND else _(spec.label).split(" (")[0]
        x_all = _times(drill, len(values), step)
        if band is not None and key in band.series:
            b = band.series[key]
            fig.add_trace(go.Scatter(x=x_all, y=b["p90"], line={"width": 0}, hoverinfo="skip", showlegend=False, legendgroup=key))
            fig.add_trace(
                go.Scatter(
                    x=x_all, y=b["p10"], fill="tonexty", fillcolor=_rgba(colour, 0.15), line={"width": 0},
                    name=_("{label}: p10–p90 of {n} runs").format(label=label, n=band.n), legendgroup=key,
                    hoverinfo="skip",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=x_all, y=b["p50"], line={"color": colour, "width": 1, "dash": "dot"},
                    name=_("{label}: median").format(label=label), legendgroup=key, showlegend=False,
                )
            )
        fig.add_trace(
            go.Scatter(
                x=x_all[:shown], y=values[:shown], line={"color": colour, "width": 2.5},
                name=_("{label}: this drill").format(label=label), legendgroup=key,
            )
        )
    fig.add_vline(x=drill.when(drill.clock_h), line={"color": "#444", "width": 1.5, "dash": "dash"})
    fig.add_annotation(x=drill.when(drill.clock_h), y=1, yref="paper", text=_("now"), showarrow=False, yanchor="bottom")
    if markers:
        for t, inj in drill.delivered():
            fig.add_vline(x=drill.when(t), line={"color": "#bbb", "width": 1})
            fig.add_annotation(
                x=drill.when(t), y=0, yref="paper", text=inj.id, showarrow=False, textangle=-90,
                xanchor="right", yanchor="bottom", font={"size": 9, "color": "#777"},
            )
        for e in drill.entries:
            fig.add_vline(x=drill.when(e.t_h), line={"color": "#2ca02c", "width": 1, "dash": "dot"})
    title, unit = _(spec.label), _(spec.unit)
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        height=320,
        margin={"l": 50, "r": 10, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.15, "font": {"size": 10}},
        xaxis={"range": list(default_window(drill))},
        yaxis={"title": unit, "rangemode": "tozero", **({"tickformat": ".0%", "range": [0, 1.05]} if name == "capacity" else {})},
        hovermode="x unified",
    )
    return fig


def _kind_rank(key: str) -> int:
    kind = key.split(":", 1)[1] if ":" in key else key
    order = [k.id for k in UNIT_KINDS]
    return order.index(kind) if kind in order else len(order)


def compare_figure(columns: list[tuple[str, dict[str, dict[str, float]]]], kpis: list[tuple[str, str]]) -> Any:
    """Small multiples, one per KPI: a bar per column (an option, a strategy, a drill) at its mean
    (or its played value), whiskers from p10 to p90."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cols = 2 if len(kpis) > 1 else 1
    rows = math.ceil(len(kpis) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_(label) for _k, label in kpis], vertical_spacing=0.12)
    for j, (name, _label) in enumerate(kpis):
        r, c = j // cols + 1, j % cols + 1
        xs = [col for col, _stats in columns]
        stats = [s.get(name, {}) for _col, s in columns]
        mid = np.array([s.get("value", s.get("mean", math.nan)) for s in stats], dtype=float)
        lo = np.array([s.get("p10", math.nan) for s in stats], dtype=float)
        hi = np.array([s.get("p90", math.nan) for s in stats], dtype=float)
        fig.add_trace(
            go.Bar(
                x=xs, y=mid, marker_color=[PALETTE[i % len(PALETTE)] for i in range(len(xs))],
                error_y={"type": "data", "symmetric": False, "array": np.nan_to_num(hi - mid), "arrayminus": np.nan_to_num(mid - lo)},
                showlegend=False, hovertemplate="%{x}: %{y:,.1f}<extra></extra>",
            ),
            row=r, col=c,
        )
    fig.update_layout(height=260 * rows, margin={"l": 40, "r": 10, "t": 40, "b": 30})
    fig.update_annotations(font_size=12)
    return fig


TIMELINE_MARKERS = {
    "decision": (N_("decision"), "circle", "#2ca02c"),
    "action": (N_("action"), "diamond", "#1f77b4"),
    "left open": (N_("left open"), "circle-open", "#7f7f7f"),
    "inject": (N_("inject"), "triangle-up", "#e0a800"),
    "deadline": (N_("deadline breached"), "x", "#c62828"),
}
"""How the timeline of every team marks each kind of item."""


def teams_timeline_figure(drills: list[tuple[str, Drill]], items: list[Any]) -> Any:
    """Every team's decisions, actions, injects and breached deadlines on one time axis, a row per
    team (items from sim.drill.teams.timeline)."""
    import plotly.graph_objects as go

    from ..reports.escape import plot_text

    fig = go.Figure()
    names = [plot_text(name) for name, _d in drills]
    first = drills[0][1]
    for kind, (label, symbol, colour) in TIMELINE_MARKERS.items():
        mine = [i for i in items if i.kind == kind]
        if not mine:
            continue
        fig.add_trace(go.Scatter(
            x=[first.when(i.t_h) for i in mine], y=[plot_text(i.team) for i in mine], mode="markers",
            marker={"symbol": symbol, "size": 12, "color": colour, "line": {"width": 1, "color": colour}},
            name=_(label), text=[plot_text(i.text) for i in mine],
            hovertemplate="%{y} %{x|%H:%M}: %{text}<extra></extra>",
        ))
    for name, drill in drills:
        fig.add_trace(go.Scatter(
            x=[drill.when(drill.clock_h)], y=[plot_text(name)], mode="markers", showlegend=False,
            marker={"symbol": "line-ns", "size": 22, "line": {"width": 2, "color": "#444"}},
            hovertemplate=_("clock") + " %{x|%H:%M}<extra></extra>",
        ))
    lo = min(d.start_h for _n, d in drills)
    hi = max(d.clock_h for _n, d in drills)
    fig.update_layout(
        height=140 + 50 * len(drills), margin={"l": 10, "r": 10, "t": 30, "b": 30},
        yaxis={"categoryorder": "array", "categoryarray": names[::-1], "title": None},
        xaxis={"range": [first.when(lo), first.when(max(hi, lo + 1) + 0.5)]},
        legend={"orientation": "h", "y": 1.12},
    )
    return fig
