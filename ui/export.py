"""Chart PNGs for download. Plotly's image export (kaleido) drives a Chrome or Chromium; it is
offered only when kaleido is installed and a browser is found (BROWSER_PATH, or chromium on PATH)."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from typing import Any

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def browser_path() -> str | None:
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def png_available() -> bool:
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return browser_path() is not None


def png_zip(figures: dict[str, Any], width: int = 1200, height: int | None = None) -> bytes:
    """Every figure as NAME.png in one zip file. All of them are drawn in one browser session
    (starting the browser is most of the cost of one image): eleven charts take about a tenth of
    the time of one browser per chart."""
    import tempfile
    from pathlib import Path

    import kaleido

    with tempfile.TemporaryDirectory(prefix="charts-") as tmp:
        folder = Path(tmp)
        jobs = [
            {"fig": fig, "path": str(folder / f"{name}.png"),
             "opts": {"format": "png", "width": width, "height": height or int(fig.layout.height or 450)}}
            for name, fig in figures.items()
        ]
        kaleido.write_fig_from_object_sync(jobs)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in figures:
                zf.write(folder / f"{name}.png", f"{name}.png")
        return out.getvalue()


def all_figures(exp: Any, summary: dict[str, Any], strategy: str, baseline: str) -> dict[str, Any]:
    """Every chart of the app for one run: the scenario's, the results' and, with several
    strategies, the comparison's, keyed by file name."""
    from sim import charts
    from sim.reports.html import COMPARED_KPIS, paired_differences

    sc = exp.scenario
    figures = {"dependencies": charts.dependency_graph(sc), "incident-timeline": charts.incident_timeline(sc)}
    figures |= charts.result_figures(exp, strategy)
    if len(exp.runs) > 1:
        figures["strategies-side-by-side"] = charts.kpi_comparison(summary, COMPARED_KPIS, sc)
        for kpi, diffs in paired_differences(exp, baseline).items():
            figures[f"difference-{kpi}"] = charts.paired_difference_chart(diffs, kpi, baseline, sc)
    return figures
