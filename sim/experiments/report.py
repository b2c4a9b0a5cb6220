"""Plain-text tables of a run's results for the command line, in the current language."""

from __future__ import annotations

import math
from typing import Any

from ..i18n import _, number, percent
from ..values import too_few_pairs
from ..vocabulary import DEADLINE_KPIS, TABLE_KPIS, kpi_label

KPI_LABELS = {name: kpi_label(name) for name in TABLE_KPIS}
"""The KPIs of the tables, in order, with their labels."""


def table_kpis(summary: dict[str, Any]) -> dict[str, str]:
    """KPI_LABELS without the deadline KPIs when the scenario declares no such deadline (their
    mean is null under every strategy)."""
    strategies = summary["strategies"].values()
    return {
        k: label for k, label in KPI_LABELS.items()
        if k not in DEADLINE_KPIS
        or any((s["kpis"].get(k) or {}).get("mean") is not None for s in strategies)
    }


def fmt(x: Any) -> str:
    """A table cell: whole numbers from 100 up, two decimals below; `-` for none."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    x = float(x)
    return number(x, 0 if abs(x) >= 100 else 2)


def _label(kpi: str, label: str) -> str:
    return _(label)


def _ci(lo: Any, hi: Any) -> str:
    return _("{low} to {high}").format(low=fmt(lo), high=fmt(hi))


def kpi_table(summary: dict[str, Any], strategy: str) -> str:
    s = summary["strategies"][strategy]
    rows = [(_("KPI"), _("mean"), _("95% CI"), "p10", "p50", "p90", _("reached"))]
    for k, label in table_kpis(summary).items():
        v = s["kpis"].get(k)
        if v is None:
            continue
        lo, hi = v["ci95"]
        reached = v.get("reached")
        # Replications that did not reach a moment count with the horizon: a lower bound.
        at_least = "≥ " if v.get("censored") else ""
        rows.append(
            (
                _label(k, label),
                at_least + fmt(v["mean"]),
                _ci(lo, hi),
                fmt(v["p10"]),
                fmt(v["p50"]),
                fmt(v["p90"]),
                "" if reached is None else percent(reached),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [_("{strategy} ({n} replications)").format(strategy=strategy, n=s["replications"])]
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
    rows = [(_("KPI"), *strategies)]
    for k, label in table_kpis(summary).items():
        if k not in summary["strategies"][strategies[0]]["kpis"]:
            continue
        rows.append((_label(k, label), *(fmt(summary["strategies"][s]["kpis"][k]["mean"]) for s in strategies)))
    counts = ", ".join(f"{s}: {v['replications']}" for s, v in summary["strategies"].items())
    return "\n".join([_("Mean per strategy (replications {counts})").format(counts=counts), *_table(rows)])


def differences_table(summary: dict[str, Any]) -> str:
    """One column per strategy: its paired difference from the baseline, with the 95% CI."""
    comparison = summary["comparison"]
    baseline = comparison["baseline"]
    others = list(comparison["differences"])
    if not others:
        return _("(no strategy to compare with {baseline})").format(baseline=baseline)
    rows = [(_("KPI"), *others)]
    for k, label in table_kpis(summary).items():
        cells = []
        for s in others:
            d = comparison["differences"][s].get(k)
            if d is None or d["mean"] is None:
                cells.append("-")
                continue
            if too_few_pairs(d):
                cells.append(_("too few runs ({n} pairs)").format(n=d.get("pairs")))
                continue
            lo, hi = d["ci95"]
            sign = "+" if d["mean"] > 0 else ""
            cells.append(f"{sign}{fmt(d['mean'])} ({_ci(lo, hi)})")
        rows.append((_label(k, label), *cells))
    head = _("Paired differences from {baseline} (strategy minus {baseline}; 95% CI)").format(baseline=baseline)
    return "\n".join([head, *_table(rows)])


def sweep_table(rows: list[dict[str, Any]], paths: list[str], kpis: list[str]) -> str:
    """The sweep's points with the mean of a few KPIs."""
    head = (_("point"), *paths, _("strategy"), "n", *(_("{kpi} (mean)").format(kpi=k) for k in kpis))
    out = [head]
    for r in rows:
        values = tuple(str(r[p]) for p in paths)
        means = tuple(fmt(r[f"{k}_mean"]) for k in kpis)
        out.append((str(r["point"]), *values, r["strategy"], str(r["replications"]), *means))
    return "\n".join(_table(out))


def shares_table(summary: dict[str, Any], strategy: str) -> str:
    """Which assumptions drive the spread of each KPI: every assumed number's share of the KPI's
    variance over the replications, with its 90% interval, and what no single one explains. KPIs
    where no share can be told from none (its interval starts at 0) are only named."""
    shares = summary["strategies"][strategy].get("assumption_shares") or {}
    head = _("Which assumptions drive the spread: {strategy}").format(strategy=strategy)
    lines = [
        head,
        "  " + _("Share of each KPI's variance over the replications that each assumed number explains on"),
        "  " + _("its own (first-order index; 90% interval). The rest is chance and assumptions acting together."),
    ]
    quiet = []
    for k, label in KPI_LABELS.items():
        v = shares.get(k)
        if v is None:
            continue
        if not any(s["p5"] > 0 for s in v["shares"].values()):
            quiet.append(_label(k, label))
            continue
        rows = [(key, percent(s["share"]), _("({low} to {high})").format(low=percent(s["p5"]), high=percent(s["p95"])))
                for key, s in v["shares"].items()]
        rows.append((_("chance and interplay"), percent(v["unexplained"]), ""))
        lines += ["", "  " + _("{kpi} ({n} replications)").format(kpi=_label(k, label), n=v["replications"])]
        width = [max(len(r[i]) for r in rows) for i in range(3)]
        lines += [f"    {a.ljust(width[0])}  {b.rjust(width[1])}  {c}".rstrip() for a, b, c in rows]
    if quiet:
        lines += ["", "  " + _("No assumed number has a share that can be told from none in: {kpis}").format(kpis=", ".join(quiet))]
    if not shares:
        lines += ["", "  " + _("(no KPI varies, or too few replications to tell)")]
    return "\n".join(lines)
