"""Plotly figures of a scenario and of an experiment's results, shared by the app and the reports.

Every builder takes a scenario, an Experiment or a JSON summary and returns a go.Figure; none of
them computes anything a person would call a result (that is sim.experiments' job), they only
draw it. Times are drawn as clock times from the scenario's start. Imported only by the app and
the reports, never by the command line's fast paths; it never imports streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .graph import DependencyGraph
from .i18n import LONG_DURATION_H, N_, _, count, moment, number, percent
from .reports.escape import safe_figure
from .scenario.model import Scenario
from .values import FEW_RUNS, few_runs, too_few_pairs
from .values import difference as value_difference
from .values import interval as value_interval
from .values import label as value_label
from .values import reached_note as few_runs_note
from .values import value as kpi_value
from .vocabulary import (
    BACKUP_COLOUR,
    BACKUP_LINE,
    OUTAGE_COLOUR,
    OUTAGE_LINE,
    PALETTE,
    READINESS_LEVELS,
    READINESS_NAMES,
    STAFF_COLOUR,
    STAFF_LINE,
    UNIT_KINDS,
    kind_description,
    kind_label,
    kpi_label,
    series,
    series_key,
)

KIND_COLOURS = {k.id: k.colour for k in UNIT_KINDS}
KIND_LABELS = {k.id: k.label for k in UNIT_KINDS}
"""English labels; `kind_label` gives them in the current language."""
SYSTEM_KINDS = {"platform": N_("platform"), "application": N_("application"), "supplier": N_("supplier")}
SYSTEM_GROUPS = {"platform": N_("Platforms"), "application": N_("Applications"), "supplier": N_("Suppliers")}
LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=60, r=20, t=70, b=70),
    legend=dict(orientation="h", yanchor="top", y=-0.2, xanchor="left", x=0),
    hovermode="x unified",
)


# --------------------------------------------------------------------------- helpers


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def clock(start: datetime, hours: Iterable[float]) -> list[datetime]:
    """Hours from the scenario's start as clock times."""
    return [start + timedelta(hours=float(h)) for h in hours]


def wrap_label(text: str, width: int = 22) -> str:
    """A long node label broken over lines (plotly text takes <br>)."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width)) or text


def strategy_label(scenario: Scenario, strategy: str) -> str:
    if strategy == "baseline":
        return _("Baseline")
    for s in scenario.strategies:
        if s.id == strategy:
            return s.name or s.id
    return strategy


def _title(fig: go.Figure, title: str, subtitle: str = "") -> go.Figure:
    text = title if not subtitle else f"{title}<br><sup>{subtitle}</sup>"
    fig.update_layout(title=dict(text=text, x=0, xanchor="left"))
    return safe_figure(fig)


def _bands(exp: Any, strategy: str) -> Any:
    """The time-series bands of one strategy (mean and p10/p50/p90 over replications)."""
    return exp.runs[strategy].bands


TOTAL_SUFFIXES = ("", ":all", ":total")
"""How a series summed over unit kinds may be named: `backlog`, `backlog:all`, `backlog:total`."""


def _band_names(bands: Any, metric: str) -> list[str]:
    """Series of `metric`: its total when the bands hold one, else one per kind."""
    series(metric)
    for suffix in TOTAL_SUFFIXES:
        if metric + suffix in bands.names:
            return [metric + suffix]
    return sorted(n for n in bands.names if n.startswith(metric + ":"))


def kinds_of(exp: Any, metric: str) -> list[str]:
    """Unit kinds with a `metric:KIND` series in the run, in the usual order."""
    series(metric)
    found = {n.split(":", 1)[1] for r in exp.runs.values() if r.bands is not None
             for n in r.bands.names if n.startswith(metric + ":")} - {"all", "total"}
    return [k for k in KIND_COLOURS if k in found] + sorted(found - set(KIND_COLOURS))


def _total(bands: Any, metric: str, kind: str | None = None) -> tuple[dict[str, np.ndarray], bool]:
    """The band of `metric` for one kind, or summed over kinds. With a stored total it is exact;
    without one only the mean adds up, and the second value says the spread is missing."""
    if kind is not None:
        name = series_key(metric, kind)
        if name not in bands.names:
            return {}, True
        return {k: np.asarray(v, dtype=float) for k, v in bands.get(name).items()}, True
    names = _band_names(bands, metric)
    if len(names) == 1 and names[0] in {metric + x for x in TOTAL_SUFFIXES}:
        return {k: np.asarray(v, dtype=float) for k, v in bands.get(names[0]).items()}, True
    if not names:
        return {}, False
    mean = np.sum([np.asarray(bands.get(n)["mean"], dtype=float) for n in names], axis=0)
    if len(names) == 1:
        return {k: np.asarray(v, dtype=float) for k, v in bands.get(names[0]).items()}, True
    return {"mean": mean}, False


def _band_traces(
    fig: go.Figure,
    x: list[datetime],
    band: dict[str, np.ndarray],
    name: str,
    colour_hex: str,
    *,
    row: int | None = None,
    col: int | None = None,
    hover_format: str = ",.0f",
    showlegend: bool = True,
) -> None:
    """A mean line with a shaded p10-p90 band around it."""
    where = dict(row=row, col=col) if row is not None else {}
    group = name
    if "p10" in band and "p90" in band:
        fig.add_trace(
            go.Scatter(
                x=x, y=band["p90"], mode="lines", line=dict(width=0), hoverinfo="skip",
                showlegend=False, legendgroup=group, name=f"{name} p90",
            ),
            **where,
        )
        fig.add_trace(
            go.Scatter(
                x=x, y=band["p10"], mode="lines", line=dict(width=0), fill="tonexty",
                fillcolor=rgba(colour_hex, 0.18), hoverinfo="skip", showlegend=False,
                legendgroup=group, name=f"{name} p10-p90",
            ),
            **where,
        )
    fig.add_trace(
        go.Scatter(
            x=x, y=band["mean"], mode="lines", name=name, legendgroup=group,
            line=dict(color=colour_hex, width=2), showlegend=showlegend,
            hovertemplate=f"%{{y:{hover_format}}}",
        ),
        **where,
    )


def _median(values: np.ndarray) -> float:
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    return float(np.median(v)) if v.size else math.nan


def _spell_medians(runs: Any, start: str, end: str) -> tuple[float, float, float]:
    """Median start and end of a spell across replications, and the share in which it started."""
    s = runs.milestone(start)
    e = runs.milestone(end)
    reached = float(np.mean(~np.isnan(s))) if s.size else 0.0
    return _median(s), _median(e), reached


def focus_window(exp: Any, until: str = "full_operation") -> tuple[datetime, datetime] | None:
    """The part of the horizon worth looking at first: from a little before the first failure to
    a while after the latest strategy's p90 of `until` (full_operation or normal). Plotly's
    autoscale button still shows the whole horizon."""
    sc = exp.scenario
    if not sc.incidents:
        return None
    first = min(sc.hours(inc.at) for inc in sc.incidents)
    ends = []
    for runs in exp.runs.values():
        v = runs.milestone(until)
        v = v[~np.isnan(v)]
        if v.size:
            ends.append(float(np.percentile(v, 90)))
        for lv in READINESS_LEVELS[1:]:
            e = runs.milestone(f"readiness:{lv}:end")
            e = e[~np.isnan(e)]
            if e.size and until == "full_operation":
                ends.append(float(np.percentile(e, 90)))
    last = max(ends) if ends else sc.horizon
    span = max(last - first, 1.0)
    lo = max(0.0, first - max(0.15 * span, 1.0))
    hi = min(sc.horizon, last + 0.3 * span)
    if hi <= lo:
        return None
    t0, t1 = clock(sc.start, [lo, hi])
    return t0, t1


DAY_MS = 86_400_000
CLOCK_TICKS = [
    dict(dtickrange=[None, DAY_MS], value="%H:%M<br>%-d/%-m"),
    dict(dtickrange=[DAY_MS, None], value="%-d/%-m"),
]
"""Clock times with day/month as numbers: plotly knows month names only in English."""


def clock_axis(fig: go.Figure) -> go.Figure:
    """A time axis read the same in Swedish and English: `06:00` over `6/12`."""
    fig.update_xaxes(tickformatstops=CLOCK_TICKS, hoverformat="%-d/%-m %H:%M")
    return fig


def _zoom(fig: go.Figure, window: tuple[datetime, datetime] | None) -> None:
    if window is not None:
        fig.update_xaxes(range=list(window))


def _no_data(fig: go.Figure, message: str) -> go.Figure:
    fig.add_annotation(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# --------------------------------------------------------------------------- the scenario


def _system_layers(scenario: Scenario) -> dict[str, int]:
    """Column of each system: 0 for those that need nothing, then one more than their deepest
    need (the loader refuses cycles)."""
    return DependencyGraph({s.id: [d.system for d in s.depends_on] for s in scenario.region.systems}).layers()


def layered_order(layers: dict[str, int], edges: list[tuple[str, str]], sweeps: int = 8
                  ) -> tuple[dict[str, tuple[int, float]], dict[tuple[str, str], list[str]]]:
    """A layered drawing (after Sugiyama): an edge that spans several layers gets a waypoint in
    each layer between, which takes a place in that layer's order like a node, so no edge passes
    through a node; the order within each layer is improved by barycentre sweeps, which removes
    most crossings. Returns each node's and waypoint's (layer, y in 0..1), and each edge's path."""
    members: dict[int, list[str]] = {}
    for key, lv in layers.items():
        members.setdefault(lv, []).append(key)
    paths: dict[tuple[str, str], list[str]] = {}
    pos_layer = dict(layers)
    for u, v in edges:
        chain = [u]
        for lv in range(layers[u] + 1, layers[v]):
            w = f"~{u}>{v}@{lv}"
            members.setdefault(lv, []).append(w)
            pos_layer[w] = lv
            chain.append(w)
        paths[(u, v)] = [*chain, v]
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for chain in paths.values():
        for a, b in zip(chain, chain[1:], strict=False):
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    top = max(members, default=0)

    def place(lv: int) -> dict[str, float]:
        row = members.get(lv, [])
        return {k: i / max(len(row) - 1, 1) for i, k in enumerate(row)}

    for sweep in range(sweeps):
        order = range(1, top + 1) if sweep % 2 == 0 else range(top - 1, -1, -1)
        for lv in order:
            near = place(lv - 1 if sweep % 2 == 0 else lv + 1)
            links = up if sweep % 2 == 0 else down
            current = place(lv)

            def centre(k: str, near: dict[str, float] = near, links: dict = links, current: dict = current) -> float:
                ys = [near[n] for n in links.get(k, []) if n in near]
                return sum(ys) / len(ys) if ys else current[k]

            members[lv] = sorted(members.get(lv, []), key=lambda k: (centre(k), current[k]))
    where: dict[str, tuple[int, float]] = {}
    for lv, row in members.items():
        n = len(row)
        for i, k in enumerate(row):
            where[k] = (lv, 0.5 if n == 1 else 1 - i / (n - 1))
    return where, paths


def dependency_graph(scenario: Scenario, width_px: int = 1100) -> go.Figure:
    """The dependency network as layers: platforms and suppliers on the left, applications in
    the middle, care units, phone lines and consumables on the right. Solid red edges stop what
    they feed, dotted orange ones lower its capacity; systems an incident takes down are ringed in
    red. Edges run between layers only, through waypoints, never through a node; labels sit on
    a white ground and the axis leaves room for the longest."""
    region = scenario.region
    failed = {f.system for inc in scenario.incidents for f in inc.failed}
    layers = _system_layers(scenario)
    last = max(layers.values(), default=0) + 1
    nodes: dict[str, dict[str, Any]] = {}
    for s in region.systems:
        nodes[f"system:{s.id}"] = dict(
            layer=layers[s.id], label=s.name, group=s.kind, deps=s.depends_on,
            hover=f"<b>{s.name}</b><br>" + _("{kind} system `{id}`").format(kind=_(SYSTEM_KINDS.get(s.kind, s.kind)), id=s.id)
            + ("<br><b>" + _("fails in the incident") + "</b>" if s.id in failed else ""),
            failed=s.id in failed,
        )
    for u in region.units:
        n = f" ×{u.count}" if u.count > 1 else ""
        nodes[f"unit:{u.id}"] = dict(
            layer=last, label=f"{u.name}{n}", group=u.kind, deps=u.depends_on, failed=False,
            hover=f"<b>{u.name}</b><br>{kind_description(u.kind)}, " + _("{n} unit(s)").format(n=u.count),
        )
    for p in region.phone_lines:
        nodes[f"phone:{p.id}"] = dict(
            layer=last, label=p.name, group="phone", deps=p.depends_on, failed=False,
            hover=f"<b>{p.name}</b><br>" + _("phone line, {calls} calls a day each").format(calls=count(p.calls_per_day)),
        )
    for c in region.consumables:
        nodes[f"supply:{c.id}"] = dict(
            layer=last, label=c.name, group="supplies", deps=c.depends_on, failed=False,
            hover=f"<b>{c.name}</b><br>" + _("consumable, {days} days of stock").format(days=number(c.stock_days, 1)),
        )
    edges = [(f"system:{d.system}", key, d) for key, node in nodes.items() for d in node["deps"]
             if f"system:{d.system}" in nodes]
    where, paths = layered_order({k: n["layer"] for k, n in nodes.items()}, [(u, v) for u, v, _d in edges])

    fig = go.Figure()
    for effect, style in (("stop", dict(color=OUTAGE_LINE, width=1.6)),
                          ("reduce", dict(color="#ff7f0e", width=1.3, dash="dot"))):
        _edge_traces(fig, nodes, edges, where, paths, effect, style)
    _node_traces(fig, nodes, where, last)
    per_layer: dict[int, int] = {}
    for lv, _y in where.values():
        per_layer[lv] = per_layer.get(lv, 0) + 1
    system_rows = max((per_layer.get(lv, 0) for lv in range(last)), default=1)
    height = max(420, 80 * system_rows, 34 * per_layer.get(last, 1)) + 170
    longest = max((len(n["label"]) for n in nodes.values() if n["layer"] == last), default=10)
    col_px = (width_px - 80) / (last + 1.5)
    right = last + 0.25 + longest * PX_PER_CHAR * 1.1 / col_px
    fig.update_layout(**{**LAYOUT, "hovermode": "closest"}, height=height)
    fig.update_xaxes(visible=False, range=[-0.6, right])
    fig.update_yaxes(visible=False, range=[-0.08, 1.16])
    return _title(fig, _("What depends on what"), _("left: platforms and suppliers; right: care, phones and "
                  "supplies; red ring: fails in the incident"))


def _node_traces(
    fig: go.Figure, nodes: dict[str, dict[str, Any]], where: Mapping[str, tuple[float, float]], last: int
) -> None:
    """One marker trace per group of nodes, and every node's label."""
    symbols = {"platform": "square", "supplier": "diamond", "application": "circle"}
    groups: dict[str, list[str]] = {}
    for key, node in nodes.items():
        groups.setdefault(node["group"], []).append(key)
    for group, keys in groups.items():
        is_system = group in symbols
        fig.add_trace(go.Scatter(
            x=[where[k][0] for k in keys], y=[where[k][1] for k in keys], mode="markers",
            hovertext=[nodes[k]["hover"] for k in keys], hoverinfo="text",
            marker=dict(
                size=16 if is_system else 14,
                symbol=symbols.get(group, "circle"),
                color=KIND_COLOURS.get(group, "#555555") if not is_system else "#e8e8e8",
                line=dict(
                    color=[OUTAGE_LINE if nodes[k]["failed"] else "#444444" for k in keys],
                    width=[3 if nodes[k]["failed"] else 1 for k in keys],
                ),
            ),
            name=_(SYSTEM_GROUPS[group]) if is_system else kind_label(group),
        ))
    for key, node in nodes.items():
        x, y = where[key]
        if node["layer"] == last:
            fig.add_annotation(x=x, y=y, text=node["label"], showarrow=False, xanchor="left", xshift=12,
                               font=dict(size=12), bgcolor="rgba(255,255,255,0.85)")
        else:
            fig.add_annotation(x=x, y=y, text=wrap_label(node["label"], 20), showarrow=False, yanchor="bottom",
                               yshift=10, font=dict(size=11), bgcolor="rgba(255,255,255,0.85)")


def _edge_traces(
    fig: go.Figure, nodes: dict[str, dict[str, Any]], edges: list[tuple[str, str, Any]],
    where: Mapping[str, tuple[float, float]], paths: Mapping[tuple[str, str], list[str]], effect: str,
    style: dict[str, Any],
) -> None:
    """The dependency edges of one effect (stop or reduce), with hover text near their ends."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    mx, my, mt = [], [], []
    for src, dst, d in edges:
        if d.effect != effect:
            continue
        chain = [where[k] for k in paths[(src, dst)]]
        xs += [p[0] for p in chain] + [None]
        ys += [p[1] for p in chain] + [None]
        (x0, y0), (x1, y1) = chain[-2], chain[-1]
        mx.append(x0 + 0.6 * (x1 - x0))
        my.append(y0 + 0.6 * (y1 - y0))
        affects = f" ({', '.join(d.affects)})" if getattr(d, "affects", None) else ""
        if d.effect == "stop":
            text = _("without {system}, {unit} stops").format(system=nodes[src]["label"], unit=nodes[dst]["label"])
        else:
            text = _("without {system}, {unit} runs at {share}").format(
                system=nodes[src]["label"], unit=nodes[dst]["label"], share=percent(d.remaining))
        mt.append(text + affects)
    label = _("stops without") if effect == "stop" else _("reduced without")
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=style, hoverinfo="skip", name=label))
    fig.add_trace(go.Scatter(
        x=mx, y=my, mode="markers", marker=dict(size=8, color=style["color"], opacity=0.0),
        hovertext=mt, hoverinfo="text", showlegend=False, name=label,
    ))


PX_PER_CHAR = 6.6
"""About how wide a character of a chart label is, in pixels, at the charts' font size."""
LABEL_ROW_PX = 15


def label_rows(xs: Sequence[float], widths: Sequence[float], gap: float = 0.0) -> list[int]:
    """A row for each label centred at xs[i] (of width widths[i], in x units) such that labels in
    one row do not overlap: greedy, in x order, each label in the lowest row with room."""
    ends: list[float] = []
    rows = [0] * len(xs)
    for i in sorted(range(len(xs)), key=lambda k: xs[k]):
        left = xs[i] - widths[i] / 2
        for r, end in enumerate(ends):
            if left >= end + gap:
                rows[i] = r
                ends[r] = xs[i] + widths[i] / 2
                break
        else:
            rows[i] = len(ends)
            ends.append(xs[i] + widths[i] / 2)
    return rows


def incident_timeline(scenario: Scenario, width_px: int = 1100) -> go.Figure:
    """The incident and the responses at their expected times (each distribution's mean): a
    reading aid for the trainer, not a simulation. Labels close in time are stacked in rows
    above and below their lane so that none covers another."""
    from .scenario.explain import expected_timeline

    items = [e for e in expected_timeline(scenario) if math.isfinite(e.hours)]
    fig = go.Figure()
    if not items:
        return _title(_no_data(fig, _("no incident in this scenario")), _("Incident timeline"))

    def lane(key: str) -> str:
        head = key.split(":", 1)[0]
        return {"incident": _("Incident"), "action": _("Recovery"), "system": _("Systems back"),
                "readiness": _("Readiness"), "full_operation": _("Systems back")}.get(head, _("Other"))

    lanes = [_("Incident"), _("Recovery"), _("Systems back"), _("Readiness"), _("Other")]
    lo_h, hi_h = min(e.hours for e in items), max(e.hours for e in items)
    pad = max((hi_h - lo_h) * 0.12, 0.5)
    h_per_px = (hi_h - lo_h + 2 * pad) / max(width_px - 160, 200)
    used = [name for name in lanes if any(lane(e.key) == name for e in items)]
    most_rows = 1
    for i, name in enumerate(lanes):
        mine = [e for e in items if lane(e.key) == name]
        if not mine:
            continue
        xs = [e.hours for e in mine]
        rows = label_rows(xs, [len(e.label) * PX_PER_CHAR * h_per_px for e in mine], gap=8 * h_per_px)
        most_rows = max(most_rows, max(rows) + 1)
        fig.add_trace(go.Scatter(
            x=clock(scenario.start, xs), y=[name] * len(mine), mode="markers",
            hovertext=[f"{e.label}<br>{e.how}" if e.how else e.label for e in mine],
            hoverinfo="text+x", marker=dict(size=11, color=colour(i), symbol="diamond"),
            name=name, showlegend=False,
        ))
        for e, x, row in zip(mine, clock(scenario.start, xs), rows, strict=True):
            above = row % 2 == 0
            shift = (10 + LABEL_ROW_PX * (row // 2)) * (1 if above else -1)
            fig.add_annotation(x=x, y=name, text=e.label, showarrow=False, yshift=shift,
                               yanchor="bottom" if above else "top", font=dict(size=11))
    lane_px = 40 + LABEL_ROW_PX * most_rows
    fig.update_layout(**{**LAYOUT, "hovermode": "closest"}, height=max(380, 150 + lane_px * len(used)))
    clock_axis(fig)
    fig.update_xaxes(range=clock(scenario.start, [lo_h - pad, hi_h + pad]))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(lanes)))
    return _title(fig, _("Incident timeline (expected times)"), _("means of the scenario's distributions; "
                  "Run gives the spread"))


# --------------------------------------------------------------------------- results over time


def _strategy_bands(exp: Any, kind: str | None, metric: str, y_title: str, focus: str | None) -> tuple[go.Figure, str]:
    """A line per strategy with its p10-p90 band for one series (all unit kinds, or `kind`), and
    the note that says whether the bands could be drawn."""
    sc = exp.scenario
    fig = go.Figure()
    partial = False
    for i, strategy in enumerate(exp.runs):
        bands = _bands(exp, strategy)
        band, complete = _total(bands, metric, kind)
        if not band:
            continue
        partial |= not complete
        _band_traces(fig, clock(sc.start, bands.times_h), band, strategy_label(sc, strategy), colour(i))
    fig.update_layout(**LAYOUT, height=420, yaxis_title=y_title)
    clock_axis(fig)
    _zoom(fig, focus_window(exp, focus) if focus else focus_window(exp))
    note = _("mean line, shaded p10-p90 over replications")
    if partial:
        note = _("mean over replications; choose one unit kind to see the spread")
    return fig, note


def cancelled_over_time(exp: Any, kind: str | None = None, metric: str = "cancelled_planned") -> go.Figure:
    """Cancelled planned visits, cumulative: the mean and the p10-p90 band, a line per strategy;
    all unit kinds together, or one `kind`."""
    fig, note = _strategy_bands(exp, kind, metric, _("visits cancelled (cumulative)"), None)
    title = _("{kpi} over time").format(kpi=kpi_label(metric))
    if kind:
        title += f": {kind_label(kind)}"
    return _title(fig, title, note)


def recovery_curve(exp: Any, strategy: str = "baseline") -> go.Figure:
    """Operating capacity per unit kind over time with the outage, backup routines and staff mode
    shaded (median times over replications)."""
    sc = exp.scenario
    runs = exp.runs[strategy]
    bands = _bands(exp, strategy)
    x = clock(sc.start, bands.times_h)
    fig = go.Figure()
    kinds = [n.split(":", 1)[1] for n in bands.names if n.startswith("capacity:")]
    order = [k for k in KIND_COLOURS if k in kinds] + [k for k in kinds if k not in KIND_COLOURS]
    for kind in order:
        band = {k: np.asarray(v, dtype=float) * 100 for k, v in bands.get(series_key("capacity", kind)).items()}
        _band_traces(fig, x, band, kind_label(kind), KIND_COLOURS.get(kind) or "#555555",
                     hover_format=".0f")

    def shade(h0: float, h1: float, fill: str, y0: float, y1: float, name: str, legend: str) -> None:
        if not (math.isfinite(h0) and math.isfinite(h1)) or h1 <= h0:
            return
        t0, t1 = clock(sc.start, [h0, h1])
        fig.add_vrect(x0=t0, x1=t1, y0=y0, y1=y1, fillcolor=fill, line_width=0, layer="below")
        fig.add_trace(go.Scatter(
            x=[t0, t1], y=[None, None], mode="markers", marker=dict(color=fill, size=12, symbol="square"),
            name=legend, legendgroup=legend, showlegend=legend not in shown, hoverinfo="skip",
        ))
        shown.add(legend)

    shown: set[str] = set()
    starts = [sc.hours(inc.at) for inc in sc.incidents]
    full = _median(runs.milestone("full_operation"))
    if starts:
        shade(min(starts), full if math.isfinite(full) else sc.horizon, OUTAGE_COLOUR, 0, 1,
              "outage", _("outage (to full operation)"))
    # Backup routines as thin strips at the bottom, staff mode as a strip at the top.
    routines = [b.id for b in sc.backup_routines]
    for j, bid in enumerate(routines):
        a, e, _reached = _spell_medians(runs, f"backup:{bid}:active", f"backup:{bid}:ended")
        if math.isfinite(a) and not math.isfinite(e):
            e = sc.horizon
        shade(a, e, BACKUP_COLOUR, 0.0 + 0.03 * j, 0.025 + 0.03 * j, bid, _("backup routines in use"))
    for lv in READINESS_LEVELS[1:]:
        a, e, _reached = _spell_medians(runs, f"readiness:{lv}:start", f"readiness:{lv}:end")
        if math.isfinite(a) and not math.isfinite(e):
            e = sc.horizon
        shade(a, e, STAFF_COLOUR, 0.955, 0.985, lv, _("{level} or higher").format(level=READINESS_NAMES["stabslage"]))
    fig.update_layout(**LAYOUT, height=460, yaxis_title=_("capacity, % of normal"))
    clock_axis(fig)
    _zoom(fig, focus_window(exp))
    fig.update_yaxes(range=[0, 105])
    return _title(fig, _("Recovery curve: {strategy}").format(strategy=strategy_label(sc, strategy)),
                  _("capacity per unit kind (mean, shaded p10-p90); shaded spans at median times"))


def backlog_burndown(exp: Any, kind: str | None = None, metric: str = "backlog") -> go.Figure:
    """Cancelled visits still waiting for a new time, a line per strategy: the backlog burning down."""
    fig, note = _strategy_bands(exp, kind, metric, _("visits waiting for a new time"), "normal")
    title = _("Backlog of cancelled visits burning down")
    if kind:
        title += f": {kind_label(kind)}"
    return _title(fig, title, note)


def recovery_time_distribution(exp: Any) -> go.Figure:
    """Time to full operation and time back to normal (backlog cleared), over replications; in
    days where they run past two days. A time reached in few of the runs says so beside its box."""
    sc = exp.scenario
    fig = make_subplots(rows=1, cols=2, subplot_titles=(_("Time to full operation"), _("Time back to normal")),
                        horizontal_spacing=0.16)
    labels = [strategy_label(sc, s) for s in exp.runs]
    for col, kpi in ((1, "time_to_full_operation_h"), (2, "time_to_normal_h")):
        values = {s: exp.runs[s].kpi(kpi) for s in exp.runs}
        finite_all = np.concatenate([v[~np.isnan(v)] for v in values.values()] or [np.zeros(0)])
        in_days = bool(finite_all.size) and float(np.median(finite_all)) >= LONG_DURATION_H
        scale = 24.0 if in_days else 1.0
        middle = (float(np.median(finite_all)) if finite_all.size else sc.horizon / 2) / scale
        for i, strategy in enumerate(exp.runs):
            v = values[strategy]
            finite = v[~np.isnan(v)] / scale
            label = labels[i]
            if not finite.size:
                fig.add_trace(go.Scatter(
                    x=[middle], y=[label], mode="text", text=[_("never within the horizon")],
                    textfont=dict(color=colour(i)), showlegend=False, hoverinfo="skip",
                ), row=1, col=col)
                continue
            share = finite.size / v.size
            extra = " " + few_runs_note(share) if share < 1 else ""  # noqa: F841
            fig.add_trace(
                go.Box(
                    x=finite, y=[label] * finite.size, name=label, boxpoints="all", jitter=0.4,
                    pointpos=0, marker=dict(color=colour(i), size=4, opacity=0.6 if share >= FEW_RUNS else 0.25),
                    line=dict(color=colour(i)), showlegend=False, orientation="h",
                    hovertemplate="%{x:.1f} " + (_("days") if in_days else "h") + "<extra>" + label + extra + "</extra>",
                ),
                row=1, col=col,
            )
            if share < 1:
                fig.add_annotation(x=float(np.max(finite)), y=label, text=few_runs_note(share), showarrow=False,
                                   xanchor="left", xshift=8, font=dict(size=11, color="#8a1c1c"), row=1, col=col)
        fig.update_xaxes(title_text=_("days after the failure") if in_days else _("hours after the failure"),
                         row=1, col=col)
    fig.update_layout(**{**LAYOUT, "hovermode": "closest", "margin": dict(l=60, r=90, t=110, b=50)},
                      height=max(360, 140 + 60 * len(labels)), showlegend=False)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)))
    return _title(fig, _("How long recovery takes"), _("each dot is one replication; box: quartiles and median"))


def timeline_gantt(exp: Any, strategy: str = "baseline") -> go.Figure:
    """Outages, backup routines, recovery actions and readiness levels as bars from their median
    start to their median end over replications."""
    sc = exp.scenario
    runs = exp.runs[strategy]
    rows: list[tuple[str, str, float, float, str]] = []
    first = min((sc.hours(inc.at) for inc in sc.incidents), default=math.nan)
    for inc in sc.incidents:
        at = sc.hours(inc.at)
        for f in inc.failed:
            end = _median(runs.milestone(f"system:{f.system}:restored"))
            rows.append((_("Outage"), _("{system} down").format(system=f.system), at, end, OUTAGE_LINE))
    for b in sc.backup_routines:
        a, e, reached = _spell_medians(runs, f"backup:{b.id}:active", f"backup:{b.id}:ended")
        if reached > 0:
            rows.append((_("Backup routine"), f"{b.name}", a, e, BACKUP_LINE))
    for act in sc.recovery_actions:
        eff = _median(runs.milestone(f"action:{act.id}:in_effect"))
        if math.isfinite(eff):
            rows.append((_("Recovery"), _("{action} (in effect)").format(action=act.name), eff, eff, "#1f77b4"))
    for lv in READINESS_LEVELS[1:]:
        a, e, reached = _spell_medians(runs, f"readiness:{lv}:start", f"readiness:{lv}:end")
        if reached > 0:
            rows.append((_("Readiness"), READINESS_NAMES[lv], a, e, STAFF_LINE))
    fig = go.Figure()
    if not rows:
        return _title(_no_data(fig, _("nothing happened in this scenario")), _("Timeline"))
    labels = []
    for group, label, start, end, fill in rows:
        if not math.isfinite(start):
            continue
        open_end = not math.isfinite(end)
        stop = sc.horizon if open_end else end
        t0 = sc.start + timedelta(hours=start)
        width_ms = max(stop - start, 0.05) * 3_600_000
        hover = f"{label}<br>" + _("from {start}").format(start=moment(sc.start, start, weekday=True))
        hover += " " + (_("until past the horizon") if open_end
                        else _("to {end}").format(end=moment(sc.start, stop, weekday=True)))
        labels.append(label)
        fig.add_trace(go.Bar(
            base=[t0], x=[width_ms], y=[label], orientation="h", marker=dict(color=fill),
            name=group, legendgroup=group, showlegend=group not in {t.name for t in fig.data},
            hovertext=[hover], hoverinfo="text",
        ))
    if math.isfinite(first):
        fig.add_vline(x=sc.start + timedelta(hours=first), line=dict(color="#d62728", dash="dot", width=1))
    fig.update_layout(**{**LAYOUT, "hovermode": "closest"}, height=140 + 34 * len(labels),
                      barmode="overlay")
    fig.update_xaxes(type="date")
    clock_axis(fig)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)))
    return _title(fig, _("Timeline: {strategy}").format(strategy=strategy_label(sc, strategy)),
                  _("median start and end over replications"))


# --------------------------------------------------------------------------- comparing strategies


def _strategy_labels(summary: dict[str, Any], scenario: Scenario | None) -> dict[str, str]:
    return {s: strategy_label(scenario, s) if scenario is not None else s for s in summary["strategies"]}


def kpi_comparison(
    summary: dict[str, Any], kpis: Sequence[str], scenario: Scenario | None = None, cols: int = 2
) -> go.Figure:
    """Strategies side by side: the mean of each KPI with its 95% confidence interval, its value
    written on the bar as people read it; a moment reached in few runs is hatched and says so."""
    kpis = list(kpis)
    labels = _strategy_labels(summary, scenario)
    start = scenario.start if scenario is not None else None
    cols = max(1, min(cols, len(kpis)))
    rows = max(1, math.ceil(len(kpis) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[value_label(k) for k in kpis],
                        vertical_spacing=0.22 if rows > 1 else 0.1)
    for j, kpi in enumerate(kpis):
        r, c = j // cols + 1, j % cols + 1
        for i, (strategy, s) in enumerate(summary["strategies"].items()):
            v = s["kpis"].get(kpi)
            if v is None or v["mean"] is None:
                continue
            lo, hi = v["ci95"]
            m = v["mean"]
            note = few_runs_note(v.get("reached"))
            text = kpi_value(kpi, m, start) + (f"<br>{note}" if note else "")
            fig.add_trace(go.Bar(
                x=[labels[strategy]], y=[m], marker_color=colour(i), name=labels[strategy],
                marker_pattern_shape="/" if few_runs(v.get("reached")) else "",
                legendgroup=strategy, showlegend=j == 0, text=[text], textposition="inside",
                insidetextanchor="start",
                error_y=dict(type="data", symmetric=False,
                             array=[(hi - m) if hi is not None else 0],
                             arrayminus=[(m - lo) if lo is not None else 0]),
                hovertemplate=f"{labels[strategy]}: {kpi_value(kpi, m, start)}"
                + (" (" + _("95% CI") + " " + value_interval(kpi, lo, hi, start) + ")"
                   if lo is not None and hi is not None else "")
                + (f"<br>{note}" if note else "") + "<extra></extra>",
            ), row=r, col=c)
    fig.update_layout(**{**LAYOUT, "hovermode": "closest", "margin": dict(l=60, r=20, t=110, b=40)},
                      height=120 + 300 * rows, showlegend=True, uniformtext=dict(minsize=9, mode="hide"))
    fig.update_xaxes(showticklabels=False)
    return _title(fig, _("Strategies side by side"), _("mean with 95% confidence interval; hatched: reached in few runs"))


def paired_difference_chart(
    diffs: dict[str, dict[str, Any]], kpi: str, baseline: str, scenario: Scenario | None = None
) -> go.Figure:
    """Each strategy minus the baseline, replication by replication (common random numbers): the
    mean difference with its 95% CI, and p10-p90 of the differences as a thin line. A difference
    resting on too few pairs is written as "too few runs", never drawn as a number."""
    fig = go.Figure()
    names = list(diffs)
    label = (lambda s: strategy_label(scenario, s)) if scenario is not None else (lambda s: s)
    for i, strategy in enumerate(names):
        d = diffs[strategy]
        y = label(strategy)
        if too_few_pairs(d):
            fig.add_trace(go.Scatter(
                x=[0], y=[y], mode="text", text=[_("too few runs ({n} pairs)").format(n=d.get("pairs", 0))],
                textposition="middle right", textfont=dict(color="#8a1c1c"), showlegend=False, hoverinfo="skip",
            ))
            continue
        m = d["mean"]
        lo, hi = d["ci95"]
        if d.get("p10") is not None and d.get("p90") is not None:
            fig.add_trace(go.Scatter(
                x=[d["p10"], d["p90"]], y=[y, y], mode="lines", line=dict(color=colour(i + 1), width=2),
                opacity=0.4, showlegend=False, hoverinfo="skip",
            ))
        fig.add_trace(go.Scatter(
            x=[m], y=[y], mode="markers+text", marker=dict(size=12, color=colour(i + 1)), name=y,
            text=[value_difference(kpi, m)], textposition="top center",
            error_x=dict(type="data", symmetric=False, array=[(hi - m) if hi is not None else 0],
                         arrayminus=[(m - lo) if lo is not None else 0], thickness=3, width=8),
            hovertemplate=f"{y}: {value_difference(kpi, m)}"
            + (" (" + _("95% CI") + " " + value_interval(kpi, lo, hi, signed=True) + ")"
               if lo is not None and hi is not None else "")
            + "<extra></extra>",
        ))
    fig.add_vline(x=0, line=dict(color="#444444", width=1))
    unit = " (h)" if kpi.endswith("_h") else ""
    fig.update_layout(**{**LAYOUT, "hovermode": "closest"}, height=160 + 60 * max(1, len(names)),
                      showlegend=False,
                      xaxis_title=_("difference from {baseline}").format(baseline=label(baseline)) + unit)
    return _title(fig, _("{kpi}: difference from {baseline}").format(kpi=value_label(kpi), baseline=label(baseline)),
                  _("dot: mean paired difference with 95% CI; thin line: p10-p90 of the differences"))


# --------------------------------------------------------------------------- sets of figures


def result_figures(exp: Any, strategy: str = "baseline") -> dict[str, go.Figure]:
    """The results charts in reading order, keyed by a short name (for reports and PNG files)."""
    return {
        "cancelled-visits": cancelled_over_time(exp),
        "recovery-curve": recovery_curve(exp, strategy),
        "recovery-time": recovery_time_distribution(exp),
        "backlog": backlog_burndown(exp),
        "timeline": timeline_gantt(exp, strategy),
    }
