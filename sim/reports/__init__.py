"""Reports of a run for people: the KPI table as rows, CSV and xlsx, and a self-contained HTML report."""

from .tables import kpi_csv, kpi_rows, kpi_xlsx

__all__ = ["kpi_csv", "kpi_rows", "kpi_xlsx"]
