"""Plain-text tables of a run's results for the command line."""

from __future__ import annotations

import math
from typing import Any

from ..vocabulary import TABLE_KPIS, kpi_label

KPI_LABELS = {name: kpi_label(name) for name in TABLE_KPIS}
"""The KPIs of the tables, in order, with their labels."""


def fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    x = float(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.2f}"


def kpi_table(summary: dict[str, Any], strategy: str) -> str:
    s = summary["strategies"][strategy]
    rows = [("KPI", "mean", "95% CI", "p10", "p50", "p90", "reached")]
    for k, label in KPI_LABELS.items():
        v = s["kpis"].get(k)
        if v is None:
            continue
        lo, hi = v["ci95"]
        reached = v.get("reached")
        rows.append(
            (
                label,
                fmt(v["mean"]),
                f"{fmt(lo)} to {fmt(hi)}",
                fmt(v["p10"]),
                fmt(v["p50"]),
                fmt(v["p90"]),
                "" if reached is None else f"{reached:.0%}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"{strategy} ({s['replications']} replications)"]
    for j, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def means_table(summary: dict[str, Any]) -> str:
    """One column per strategy: the mean of every KPI."""
    strategies = list(summary["strategies"])
    rows = [("KPI", *strategies)]
    for k, label in KPI_LABELS.items():
        if k not in summary["strategies"][strategies[0]]["kpis"]:
            continue
        rows.append((label, *(fmt(summary["strategies"][s]["kpis"][k]["mean"]) for s in strategies)))
    counts = ", ".join(f"{s}: {v['replications']}" for s, v in summary["strategies"].items())
    return "\n".join([f"Mean per strategy (replications {counts})", *_table(rows)])


def differences_table(summary: dict[str, Any]) -> str:
    """One column per strategy: its paired difference from the baseline, with the 95% CI."""
    comparison = summary["comparison"]
    baseline = comparison["baseline"]
    others = list(comparison["differences"])
    if not others:
        return f"(no strategy to compare with {baseline})"
    rows = [("KPI", *others)]
    for k, label in KPI_LABELS.items():
        cells = []
        for s in others:
            d = comparison["differences"][s].get(k)
            if d is None or d["mean"] is None:
                cells.append("-")
                continue
            lo, hi = d["ci95"]
            sign = "+" if d["mean"] > 0 else ""
            cells.append(f"{sign}{fmt(d['mean'])} ({fmt(lo)} to {fmt(hi)})")
        rows.append((label, *cells))
    head = f"Paired differences from {baseline} (strategy minus {baseline}; 95% CI)"
    return "\n".join([head, *_table(rows)])


def sweep_table(rows: list[dict[str, Any]], paths: list[str], kpis: list[str]) -> str:
    """The sweep's points with the mean of a few KPIs."""
    head = ("point", *paths, "strategy", "n", *(f"{k} (mean)" for k in kpis))
    out = [head]
    for r in rows:
        values = tuple(str(r[p]) for p in paths)
        means = tuple(fmt(r[f"{k}_mean"]) for k in kpis)
        out.append((str(r["point"]), *values, r["strategy"], str(r["replications"]), *means))
    return "\n".join(_table(out))
