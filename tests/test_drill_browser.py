"""A short drill in a real browser: start it, let an inject arrive, preview the options of a
decision point, decide, see the participant view in a second browser, download the after-action
report and open it with the network cut off; then stop the app, start it again and resume."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_util import WAIT_MS, StreamlitServer, new_context, require_browser, wait_for_app

pytest_plugins = ("browser_util",)  # the browser fixture

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("drills") / "drills.sqlite"


def start_server(db: Path) -> StreamlitServer:
    """The app on a free port, with its own drill database (the variable is inherited)."""
    require_browser()
    old = os.environ.get("SIM_DRILL_DB")
    os.environ["SIM_DRILL_DB"] = str(db)
    try:
        return StreamlitServer().start()
    finally:
        if old is None:
            del os.environ["SIM_DRILL_DB"]
        else:
            os.environ["SIM_DRILL_DB"] = old


def new_page(browser, url: str):
    """A new browser session on `url`; `context.recorder.check()` says whether it called out."""
    context = new_context(browser, url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    wait_for_app(page)
    return context, page


def click(page, name: str) -> None:
    page.get_by_role("button", name=re.compile(name)).first.click()
    page.wait_for_timeout(300)
    wait_for_app(page)


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def test_a_short_drill_preview_report_and_restart(browser, db, tmp_path):
    server = start_server(db)
    try:
        context, page = new_page(browser, f"{server.url}/drill")
        page.wait_for_selector("h1:has-text('Drill')")
        click(page, "Start the drill")
        page.wait_for_selector("text=Tue 06 Dec 06:30")
        drill_id = re.search(r"drill=([0-9a-f]+)", page.url).group(1)

        click(page, "^Next:")  # the fault is found
        page.get_by_role("tab", name="Injects").click()
        page.wait_for_selector("text=Journal system and phones are not responding")
        page.wait_for_selector("text=Facilitator note")  # the facilitator sees the notes
        click(page, "^Next:")  # the staff-mode decision point
        page.wait_for_selector("text=Waiting for the group")

        page.get_by_role("tab", name="Decide").click()
        click(page, "What-if preview")
        # The table is drawn on a canvas; its accessible copy carries the column names.
        page.wait_for_selector("text=Raise staff mode now: this drill", state="attached")
        page.locator(f"{CHART} >> visible=true").first.wait_for()
        if os.environ.get("DRILL_SCREENSHOTS"):
            page.screenshot(path=os.environ["DRILL_SCREENSHOTS"] + "/preview.png", full_page=True)
        click(page, "^Decide$")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('[data-testid=\"stMetricValue\"]'))"
            ".some(e => e.innerText.includes('stabsläge'))"
        )

        # The participant view in another browser: injects, no facilitator notes.
        other, participant = new_page(browser, f"{server.url}/participant?drill={drill_id}")
        participant.wait_for_selector("text=Journal system and phones are not responding")
        body = participant.locator("body").inner_text()
        assert "Facilitator note" not in body and "model finds it after about 10 minutes" not in body
        participant.get_by_role("tab", name="Situation").click()
        participant.locator(f"{CHART} >> visible=true").first.wait_for()
        if os.environ.get("DRILL_SCREENSHOTS"):
            participant.screenshot(path=os.environ["DRILL_SCREENSHOTS"] + "/participant.png", full_page=True)
        other.recorder.check()
        other.close()

        # The after-action report: download it, then open it with every request refused.
        page.get_by_role("tab", name="Report").click()
        click(page, "Write the after-action report")
        with page.expect_download(timeout=WAIT_MS) as info:
            page.get_by_role("button", name="After-action report (HTML)").click()
        report = tmp_path / "report.html"
        info.value.save_as(report)
        text = report.read_text(encoding="utf-8")
        for section in ("Objectives", "Timeline of injects and decisions", "Expected actions", "Improvement plan"):
            assert f"<h2>{section}</h2>" in text

        offline = browser.new_context(offline=True)
        requests: list[str] = []
        viewer = offline.new_page()
        viewer.on("request", lambda r: requests.append(r.url))
        viewer.goto(report.as_uri())
        viewer.wait_for_selector(".plotly-graph-div .main-svg", timeout=WAIT_MS)
        assert viewer.locator(".plotly-graph-div .main-svg").count() >= 4
        assert [u for u in requests if not u.startswith(("file:", "data:", "blob:", "about:"))] == []
        offline.close()
        context.recorder.check()
        context.close()
    finally:
        server.stop()

    # Stop the app, start it again, resume the drill where it was.
    server = start_server(db)
    try:
        context, page = new_page(browser, f"{server.url}/drill")
        page.wait_for_selector("h1:has-text('Drill')")
        page.get_by_role("button", name="Resume").first.click()
        wait_for_app(page)
        page.wait_for_selector("text=stabsläge")
        assert metric(page, "Readiness level") == "stabsläge"
        assert drill_id in page.url
        context.recorder.check()
        context.close()
    finally:
        server.stop()
