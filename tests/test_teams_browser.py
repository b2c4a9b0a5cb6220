"""Three teams on the Sörmland scenario in real browsers: the facilitator starts an exercise of
three teams, one team decides on its own page, its participants see it in their browser while the
others' do not, the facilitator's board shows the teams side by side with the decision, the
facilitator branches one team from 08:00 and exports the after-action report of every team.

One app server for the whole test, and the fewest runs the report allows."""

from __future__ import annotations

import re

import pytest

pytest.register_assert_rewrite("browser_util")
from browser_util import (  # noqa: E402
    WAIT_MS,
    click,
    metric,
    new_page,
    start_server,
    wait_for_app,
)

pytest_plugins = ("browser_util",)  # the browser fixture

pytestmark = pytest.mark.browser

TEAMS = ("Sjukhusen", "Primärvården", "Regionala staben")
BRANCHED = "Sjukhusen från 08:00"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("teams") / "drills.sqlite")
    try:
        yield srv
    finally:
        srv.stop()


def wait_metric(page, label: str, value: str) -> None:
    """Until the metric `label` reads `value` (the page's script may still be rerunning)."""
    page.wait_for_function(
        """([label, value]) => Array.from(document.querySelectorAll('[data-testid="stMetric"]'))
            .some(m => m.innerText.includes(label)
                  && m.querySelector('[data-testid="stMetricValue"]').innerText.includes(value))""",
        arg=[label, value], timeout=WAIT_MS,
    )


def tab(page, name: str) -> None:
    """Open a tab and wait until it is the selected one."""
    t = page.get_by_role("tab", name=name, exact=True)
    t.click()
    page.wait_for_function("(el) => el.getAttribute('aria-selected') === 'true'", arg=t.element_handle(),
                           timeout=WAIT_MS)
    wait_for_app(page)


def clock_past(board, hhmm: str) -> None:
    """Move the shared clock an hour at a time (it stops at each question) until it is past `hhmm`."""
    for _step in range(8):
        now = metric(board, "Clock (every team)")[-5:]
        if now > hhmm:
            return
        click(board, r"^\+1 h$")
        board.wait_for_function(
            """(before) => Array.from(document.querySelectorAll('[data-testid="stMetric"]'))
                .some(m => m.innerText.includes('Clock (every team)') && !m.innerText.includes(before))""",
            arg=now, timeout=WAIT_MS)
    raise AssertionError(f"the shared clock did not pass {hhmm}")


def card(page, team: str):
    """A team's card on the board's side-by-side tab."""
    blocks = page.locator('[data-testid="stVerticalBlock"]').filter(
        has=page.get_by_text(team, exact=True)).filter(has=page.get_by_text("Open the team's page"))
    return blocks.last  # the innermost: the blocks around every card come before it


def test_three_teams_side_by_side_a_branch_and_the_report(browser, server, tmp_path):
    # The facilitator starts an exercise of three teams with one clock.
    facilitator, board = new_page(browser, f"{server.url}/drill")
    board.get_by_role("textbox", name="Title").fill("Regional övning")
    board.get_by_role("textbox", name=re.compile("^Teams, one per line")).fill("\n".join(TEAMS))
    click(board, "Start the drill")
    board.wait_for_selector("text=3 teams")
    key = re.search(r"key=([A-Za-z0-9_-]+)", board.url).group(1)
    assert re.search(r"exercise=[0-9a-f]+", board.url)

    # Each team's participant link, from the board's links tab.
    tab(board, "Links and teams")
    codes = board.locator("code", has_text="/participant?drill=")
    codes.nth(2).wait_for()
    links = [c.inner_text().strip() for c in codes.all()]
    assert len(links) == 3 and len(set(links)) == 3
    team_ids = [re.search(r"drill=([0-9a-f]+)", link).group(1) for link in links]

    # The shared clock moves every team: the fault is found, then the staff-mode question opens.
    tab(board, "Teams side by side")
    click(board, "^Next:")
    click(board, "^Next:")
    for team in TEAMS:
        card(board, team).get_by_text("Waiting:").wait_for()

    # Team 1 decides on its own page (in a browser of its own): raise staff mode now.
    team_ctx, team_page = new_page(browser, f"{server.url}/drill?drill={team_ids[0]}&key={key}")
    team_page.wait_for_selector(f"text=Team {TEAMS[0]} of an exercise of several teams")
    tab(team_page, "Decide")
    team_page.get_by_role("button", name=re.compile("^Decide$")).first.wait_for()
    click(team_page, "^Decide$")
    wait_metric(team_page, "Readiness level", "stabsläge")
    team_page.wait_for_selector("text=No decision point is waiting")

    # Each team's participants see their own team: team 1 in stabsläge, the others not.
    participants = [new_page(browser, link) for link in links]
    for (ctx, pg), team_readiness in zip(participants, ("stabsläge", "normalläge", "normalläge"), strict=True):
        wait_metric(pg, "Readiness level", team_readiness)
        body = pg.locator("body").inner_text()
        assert "Facilitator note" not in body
        ctx.recorder.check()

    # The facilitator's board shows the decision by itself (it reads the teams again every few seconds).
    card(board, TEAMS[0]).get_by_text(re.compile("Readiness level: stabsläge")).wait_for()
    assert "Readiness level: normalläge" in card(board, TEAMS[1]).inner_text()
    tab(board, "Timeline")
    # The table is drawn on a canvas; its accessible copy carries the cells.
    board.locator("text=/-> Raise staff mode now/").first.wait_for(state="attached")

    # On past 08:00, then branch team 1 from 08:00 as a new team.
    tab(board, "Teams side by side")
    clock_past(board, "08:30")
    tab(board, "Branch")
    form = board.locator('[data-testid="stForm"]').filter(has_text="Team to branch")
    moment = form.locator('[data-testid="stTimeInput"] input[type="hidden"]').first
    assert moment.input_value().startswith("08:00")  # the moment asked for
    form.get_by_role("textbox", name="Name of the new team").fill(BRANCHED)
    form.get_by_role("button", name="Branch").click()
    board.wait_for_selector("text=4 teams")
    board.get_by_text(re.compile(f"Team {BRANCHED} starts at .*08:00")).wait_for()
    tab(board, "Teams side by side")
    branched = card(board, BRANCHED)
    branched.get_by_text(re.compile("Branched at .*08:00")).wait_for()
    assert "Readiness level: stabsläge" in branched.inner_text()  # the same past as team 1

    # The after-action report of every team, downloaded and read back.
    tab(board, "Report")
    runs = board.get_by_role("spinbutton", name="Runs behind the outcome tables")
    runs.fill("4")
    runs.press("Enter")
    wait_for_app(board)
    click(board, "Write the after-action report for every team")
    download = board.get_by_role("button", name="After-action report of every team (HTML)")
    download.wait_for(timeout=3 * WAIT_MS)  # four teams and the strategies are simulated first
    assert board.get_by_role("tab", name="Report", exact=True).get_attribute("aria-selected") == "true"
    with board.expect_download(timeout=WAIT_MS) as info:
        download.click()
    report = tmp_path / "exercise.html"
    info.value.save_as(report)
    text = report.read_text(encoding="utf-8")
    assert "<h2>Comparison of the teams</h2>" in text
    for team in (*TEAMS, BRANCHED):
        assert f"<h2>Team: {team}</h2>" in text, team
    assert text.count("<h3>Timeline of injects and decisions</h3>") == 4

    for ctx in (facilitator, team_ctx, *(c for c, _p in participants)):
        ctx.recorder.check()
        ctx.close()
