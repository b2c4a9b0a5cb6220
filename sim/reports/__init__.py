"""Reports of a run for people: the KPI table as rows and CSV, and a self-contained HTML report."""

from .tables import kpi_csv, kpi_rows

__all__ = ["kpi_csv", "kpi_rows"]
