"""The app in a real browser: Debian's Chromium through Playwright against `streamlit run app.py`.
Load it, run the default scenario, see the charts, upload a broken file and see its error, and
open the comparison."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.register_assert_rewrite("browser_util")
from browser_util import WAIT_MS, open_page, report_timing, wait_for_app  # noqa: E402

pytest_plugins = ("browser_util",)  # the app_page, app_url and browser fixtures

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "sormland-network-2022.yaml"

pytestmark = pytest.mark.browser

CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'


def wait_charts(page, n: int = 1) -> None:
    """Until at least `n` plotly charts are drawn and visible (charts in hidden tabs do not count)."""
    page.wait_for_function(
        "([sel, n]) => Array.from(document.querySelectorAll(sel))"
        ".filter(e => e.getBoundingClientRect().width > 0).length >= n",
        arg=[CHART, n], timeout=WAIT_MS,
    )


def run_default(page) -> float:
    """Press Run with the default settings; seconds until the first chart is drawn."""
    open_page(page, "Run")
    button = page.locator('[data-testid="stFormSubmitButton"] button')
    button.wait_for()
    started = time.perf_counter()
    button.click()
    wait_charts(page)
    seconds = time.perf_counter() - started
    page.wait_for_selector("text=Done:")
    wait_for_app(page)
    return seconds


def test_load_run_and_see_the_charts(app_page):
    page = app_page
    assert page.locator("h1").first.inner_text() == "Scenario"
    page.wait_for_selector("text=is valid")
    page.get_by_role("tab", name="Dependencies").click()
    wait_charts(page)  # the dependency graph
    # The assumed numbers, each against the evidence; the default scenario has two outside it.
    page.get_by_role("tab", name="Assumed numbers").click()
    page.wait_for_selector("text=lie outside the evidence range")
    assert page.locator('[data-testid="stDataFrame"]').filter(visible=True).count() >= 1

    seconds = run_default(page)
    report_timing("run_to_first_chart_s", seconds)
    assert page.locator(CHART).count() >= 1

    open_page(page, "Results")
    page.wait_for_selector("text=Key figures")
    wait_charts(page, 5)
    # The curves hold data: plotly drew line paths for the traces.
    assert page.locator('[data-testid="stPlotlyChart"] .scatterlayer .trace path.js-line').count() > 3


def test_a_broken_upload_shows_the_error_with_its_line(app_page, tmp_path):
    page = app_page
    text = DEFAULT.read_text(encoding="utf-8").replace("horizon: 9d", "horizon: nine days", 1)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("horizon:"))
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    page.get_by_text("A file of my own").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(broken))
    page.wait_for_selector("text=problem in broken.yaml")
    page.wait_for_selector(f"text=line {line}")
    assert page.get_by_text("nine days").count() >= 1
    # The app keeps working.
    open_page(page, "Run")
    page.wait_for_selector("text=The scenario has problems")


def test_open_the_comparison(app_page):
    page = app_page
    run_default(page)
    open_page(page, "Compare")
    page.wait_for_selector("text=Paired difference from Baseline")
    wait_charts(page, 2)
    assert page.get_by_text("Fast failover").count() >= 1

    # The HTML report is made when its button is pressed, and arrives whole.
    open_page(page, "Downloads")
    with page.expect_download(timeout=WAIT_MS) as info:
        page.get_by_role("button", name="HTML report").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "Plotly.newPlot" in text and "Fast failover" in text
