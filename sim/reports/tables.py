"""The KPI table of a run's JSON summary, as rows for a screen and as CSV or xlsx for a
spreadsheet."""

from __future__ import annotations

from typing import Any

from ..experiments.report import table_kpis
from ..vocabulary import kpi_label
from .spreadsheet import csv_text, xlsx_bytes

COLUMNS = ("strategy", "kpi", "label", "mean", "ci95_low", "ci95_high", "p10", "p50", "p90", "reached")


def kpi_rows(summary: dict[str, Any], strategies: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per strategy and KPI, in the tables' order; `reached` is the share of replications
    in which a moment (such as full operation) happened, and empty for counts."""
    rows = []
    shown = table_kpis(summary)
    for strategy in strategies or list(summary["strategies"]):
        kpis = summary["strategies"][strategy]["kpis"]
        for kpi in shown:
            v = kpis.get(kpi)
            if v is None:
                continue
            lo, hi = v.get("ci95") or (None, None)
            rows.append({
                "strategy": strategy,
                "kpi": kpi,
                "label": kpi_label(kpi),
                "mean": v.get("mean"),
                "ci95_low": lo,
                "ci95_high": hi,
                "p10": v.get("p10"),
                "p50": v.get("p50"),
                "p90": v.get("p90"),
                "reached": v.get("reached"),
            })
    return rows


def kpi_csv(summary: dict[str, Any]) -> str:
    """The KPI table as CSV (comma-separated, a header row, empty cells for missing values)."""
    return csv_text(kpi_rows(summary), COLUMNS)


def kpi_xlsx(summary: dict[str, Any]) -> bytes:
    """The KPI table as an xlsx workbook: numbers as numbers, text kept as text."""
    return xlsx_bytes(kpi_rows(summary), COLUMNS, "KPIs")
