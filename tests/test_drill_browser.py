"""A short drill in a real browser: start it, let an inject arrive, preview the options of a
decision point, decide, see the participant view in a second browser, download the after-action
report and open it with the network cut off; then stop the app, start it again and resume from
the browser's own list. And the keys: two browsers, one with the participant link, one with
nothing, never reach the facilitator's controls."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_util import (
    WAIT_MS,
    click,
    metric,
    new_page,
    start_server,
    wait_for_app,
)

pytest_plugins = ("browser_util",)  # the browser fixture

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("drills") / "drills.sqlite"


def test_a_short_drill_preview_report_and_restart(browser, db, tmp_path):
    server = start_server(db)
    try:
        context, page = new_page(browser, f"{server.url}/drill")
        page.wait_for_selector("h1:has-text('Drill')")
        click(page, "Start the drill")
        page.wait_for_selector("text=Tue 06 Dec 06:30")
        drill_id = re.search(r"drill=([0-9a-f]+)", page.url).group(1)
        assert re.search(r"key=[A-Za-z0-9_-]{32}", page.url)

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
        page.get_by_role("tab", name="Drill", exact=True).click()
        link = page.locator("code", has_text="/participant?drill=").first.inner_text().strip()
        assert link.startswith(server.url) and f"drill={drill_id}&key=" in link
        other, participant = new_page(browser, link)
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
        cookies = context.storage_state()
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

    # Stop the app, start it again, resume the drill where it was, from this browser's own list.
    server = start_server(db)
    try:
        stranger, elsewhere = new_page(browser, f"{server.url}/drill")
        elsewhere.wait_for_selector("text=No drills started in this browser")
        assert elsewhere.get_by_role("button", name="Resume").count() == 0
        stranger.close()
        context, page = new_page(browser, f"{server.url}/drill", storage_state=cookies)
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


def test_keys_in_two_browsers(browser, db):
    """The facilitator's browser, and a second browser with the participant link: the participant
    key opens the participant view only; no key, a wrong key, or the participant key on the
    facilitator page all get "No such drill", and none reaches the facilitator's controls."""
    server = start_server(db)
    try:
        facilitator, page = new_page(browser, f"{server.url}/drill")
        page.get_by_role("textbox", name="Title").fill("Keys drill")
        click(page, "Start the drill")
        page.wait_for_selector("text=Tue 06 Dec 06:30")
        drill_id = re.search(r"drill=([0-9a-f]+)", page.url).group(1)
        key = re.search(r"key=([A-Za-z0-9_-]+)", page.url).group(1)
        page.get_by_role("tab", name="Drill", exact=True).click()
        link = page.locator("code", has_text="/participant?drill=").first.inner_text().strip()
        participant_key = re.search(r"key=([A-Za-z0-9_-]+)", link).group(1)
        assert participant_key != key

        other, pg = new_page(browser, link)
        pg.wait_for_selector("h1:has-text('Keys drill')")
        assert pg.get_by_role("button", name=re.compile("^Next:|\\+1 h|Decide")).count() == 0
        wrong = key[:-2] + ("AA" if not key.endswith("AA") else "BB")
        for url in (f"{server.url}/drill?drill={drill_id}&key={participant_key}",
                    f"{server.url}/drill?drill={drill_id}",
                    f"{server.url}/drill?drill={drill_id}&key={wrong}",
                    f"{server.url}/participant?drill={drill_id}&key={key}",
                    f"{server.url}/participant?drill={drill_id}&key=%3Cscript%3E"):
            pg.goto(url)
            wait_for_app(pg)
            pg.wait_for_selector("text=No such drill")
            body = pg.locator("body").inner_text()
            assert "Keys drill" not in body and "Tue 06 Dec" not in body, url
            assert pg.get_by_role("button", name=re.compile("^Next:|\\+15 min|Take the action")).count() == 0
            assert pg.get_by_role("tab").count() == 0
        # The list of drills on the other browser's start screen does not show this one.
        pg.goto(f"{server.url}/drill")
        wait_for_app(pg)
        pg.wait_for_selector("text=No drills started in this browser")
        assert "Keys drill" not in pg.locator("body").inner_text()
        other.recorder.check()
        other.close()

        # The facilitator's own browser lists it, after a reload too.
        page.goto(f"{server.url}/drill")
        wait_for_app(page)
        page.wait_for_selector("text=Keys drill")
        page.get_by_role("button", name="Resume").first.click()
        wait_for_app(page)
        page.wait_for_selector("text=Tue 06 Dec 06:30")
        assert f"key={key}" in page.url
        facilitator.recorder.check()
        facilitator.close()
    finally:
        server.stop()
