"""Charts of sweeps and sensitivity: the tornado chart (each number at its low and its high value,
the widest swing on top) and a KPI against a swept value, one line per strategy, in the current
language. Never imports streamlit."""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from .charts import LAYOUT, _no_data, _title, colour, strategy_label
from .i18n import _, number
from .values import difference as value_difference
from .values import label as value_label
from .values import value as kpi_value

LOW_COLOUR, HIGH_COLOUR = "#3b6ea5", "#c0504d"


def _g(x: float) -> str:
    return number(x, 0) if abs(x) >= 100 else number(x, 2 if abs(x) < 10 else 1)


def tornado(sens: Any, kpi: str, shown: int = 12) -> go.Figure:
    """One bar per number from the baseline mean to the mean at its low value (blue) and at its
    high value (red); the widest swing on top."""
    fig = go.Figure()
    base = sens.baseline(kpi)
    bars = [b for b in sens.bars(kpi) if math.isfinite(b[1]) and math.isfinite(b[2])][:shown]
    if not bars or not math.isfinite(base):
        return _title(_no_data(fig, _("No replication reached this moment.")), value_label(kpi))
    names = [f"{s.path}<br><sub>{_g(s.low)} / {_g(s.high)}</sub>" for s, _lo, _hi in bars][::-1]
    start = sens.scenario.start
    for end, colour_, at in ((_("low value"), LOW_COLOUR, 1), (_("high value"), HIGH_COLOUR, 2)):
        xs = [b[at] - base for b in bars][::-1]
        fig.add_trace(go.Bar(
            y=names, x=xs, base=[base] * len(xs), orientation="h", name=end, marker_color=colour_,
            text=[value_difference(kpi, x) for x in xs], textposition="outside", cliponaxis=False,
            hovertext=[f"{s.path} = {_g(s.low if at == 1 else s.high)}: {kpi_value(kpi, b[at], start)}"
                       for s, *_r in bars for b in [(s, *_r)]][::-1],
            hoverinfo="text",
        ))
    fig.add_vline(x=base, line=dict(color="#444444", width=1))
    fig.update_layout(**{**LAYOUT, "hovermode": "closest", "margin": dict(l=10, r=60, t=80, b=60)},
                      barmode="overlay", height=200 + 48 * len(bars),
                      xaxis_title=value_label(kpi) + (" (h)" if kpi.endswith("_h") else ""))
    fig.update_yaxes(automargin=True)
    return _title(fig, _("{kpi}: sensitivity").format(kpi=value_label(kpi)),
                  _("mean at each number's low and high value, the rest as in the file; line: {baseline}").format(
                      baseline=kpi_value(kpi, base, start)))


def sweep_lines(rows: list[dict[str, Any]], path: str, kpi: str, scenario: Any) -> go.Figure:
    """A KPI's mean (with its 95% CI as a band) against the swept value, one line per strategy."""
    fig = go.Figure()
    strategies = list(dict.fromkeys(r["strategy"] for r in rows))
    for i, s in enumerate(strategies):
        mine = [r for r in rows if r["strategy"] == s]
        xs = [r[path] for r in mine]
        name = strategy_label(scenario, s)
        lo, hi = [r[f"{kpi}_ci95_lo"] for r in mine], [r[f"{kpi}_ci95_hi"] for r in mine]
        if all(v is not None and math.isfinite(v) for v in lo + hi):
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=hi + lo[::-1], fill="toself", line=dict(width=0),
                                     fillcolor=colour(i), opacity=0.15, showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=xs, y=[r[f"{kpi}_mean"] for r in mine], mode="lines+markers", name=name,
            line=dict(color=colour(i), width=2),
            hovertext=[f"{name}, {path} = {r[path]}: {kpi_value(kpi, r[f'{kpi}_mean'], scenario.start)}" for r in mine],
            hoverinfo="text",
        ))
    fig.update_layout(**{**LAYOUT, "hovermode": "closest"}, height=420, xaxis_title=path,
                      yaxis_title=value_label(kpi) + (" (h)" if kpi.endswith("_h") else ""))
    return _title(fig, _("{kpi} against {path}").format(kpi=value_label(kpi), path=path),
                  _("mean of the replications with its 95% CI, one line per strategy"))
