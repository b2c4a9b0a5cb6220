"""The app in a Swedish browser and in an English one (Chromium's Accept-Language): run a scenario,
open the results and the comparison, start a drill and take an action of every kind. In Swedish no
English word of the interface may be left on any of those screens; in both, no request may leave
the app's host, and the drill's tabs stay where the facilitator put them.

With SAVE_SCREENSHOTS=1 the Swedish run saves the README's screenshots (`make screenshots`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytest.register_assert_rewrite("browser_util")
from browser_util import (  # noqa: E402
    WAIT_MS,
    StreamlitServer,
    new_context,
    open_page,
    require_browser,
    screenshot,
    wait_for_app,
)
from language_words import english_only_words, left_in_english, words  # noqa: E402

pytest_plugins = ("browser_util",)  # the browser fixture

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'
LOCALES = {"sv": "sv-SE", "en": "en-GB"}


def t(lang: str, text: str) -> str:
    from sim.i18n import _, using

    with using(lang):
        return _(text)


@pytest.fixture(scope="module")
def english_only() -> set[str]:
    return english_only_words()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    folder = tmp_path_factory.mktemp("languages")
    saved = {k: os.environ.get(k) for k in ("SIM_DRILL_DB", "SIM_SCENARIO_DB")}
    os.environ["SIM_DRILL_DB"] = str(folder / "drills.sqlite")
    os.environ["SIM_SCENARIO_DB"] = str(folder / "scenarios.sqlite")
    try:
        srv = StreamlitServer().start()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        yield srv
    finally:
        srv.stop()


def wait_charts(page, n: int = 1) -> None:
    page.wait_for_function(
        "([sel, n]) => Array.from(document.querySelectorAll(sel))"
        ".filter(e => e.getBoundingClientRect().width > 0).length >= n",
        arg=[CHART, n], timeout=WAIT_MS,
    )


def editor(page):
    """The code editor (a component in a frame of its own, served by the app), once the page
    has only one: while the page reruns, the old editor can stand beside the new one."""
    page.wait_for_function(
        "() => document.querySelectorAll('iframe[title*=\"streamlit_ace\"]').length === 1", timeout=WAIT_MS)
    return page.frame_locator('iframe[title*="streamlit_ace"]')


def screen_text(page) -> str:
    """The screen's text without the names of its icons (a material icon is written as a word,
    `download`, that its font draws as a picture), once the page's script has finished."""
    wait_for_app(page)
    return page.evaluate(
        """() => {
            const icons = new Set(Array.from(document.querySelectorAll('[data-testid="stIconMaterial"]'))
                .map(e => e.innerText.trim()));
            let text = document.querySelector('[data-testid="stApp"]').innerText;
            for (const name of icons) { if (name) { text = text.split(name).join(' '); } }
            return text;
        }"""
    )


def problem_words(text: str) -> set[str]:
    """The words a scenario's problems quote from the file: the field's path and the values in
    quotes (the explanation around them is the page's language, and is checked)."""
    from sim.scenario import problems_in_text

    return {w for p in problems_in_text(text, "x.yaml", ROOT / "scenarios")
            for w in words(p.path + " " + " ".join(re.findall(r"'[^']*'", p.message)))}


def widget_class(key: str) -> str:
    """The CSS class Streamlit gives the element of a widget with this key."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def action_groups() -> list[str]:
    """The kinds of action the default scenario's drill offers, in the catalogue's order."""
    from sim.drill.catalogue import catalogue
    from sim.scenario import load_scenario

    items = catalogue(load_scenario(ROOT / "scenarios" / "sormland-network-2022.yaml"))
    return list(dict.fromkeys(i.group for i in items))


def broken_upload(page, lang: str, tmp_path: Path) -> str:
    """Upload a scenario with a mistake: the problem is listed with its line; the screen's text."""
    text = (ROOT / "scenarios" / "sormland-network-2022.yaml").read_text(encoding="utf-8")
    text = text.replace("horizon: 9d", "horizon: nine days", 1)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("horizon:"))
    broken = tmp_path / f"broken-{lang}.yaml"
    broken.write_text(text, encoding="utf-8")
    page.get_by_text(t(lang, "A file of my own")).click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(broken))
    page.wait_for_selector(f"text={t(lang, 'line {n}').format(n=line)}")
    editor(page).locator(".ace_gutter-cell.ace_error").first.wait_for()  # marked in the editor's gutter
    wait_for_app(page)
    if lang == "sv":
        screenshot(page, "upload-error", height=1100)
    shown = screen_text(page)
    for w in problem_words(text):  # what the problem quotes from the file stays as written
        shown = re.sub(rf"(?i)\b{w}\b", " ", shown)
    return shown


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_planner_and_a_facilitator_in_their_language(browser, server, english_only, lang, tmp_path):
    context = new_context(browser, server.url, locale=LOCALES[lang])
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    screens: dict[str, str] = {}
    try:
        page.goto(server.url)
        wait_for_app(page)
        assert page.locator("h1").first.inner_text() == t(lang, "Scenario")
        page.wait_for_selector(f"text={t(lang, '{file} is valid.').split('{')[0] or 'scenarios/'}")
        editor(page).locator(".ace_gutter-cell").first.wait_for()  # the code editor, with line numbers
        page.get_by_role("tab", name=t(lang, "Dependencies")).click()
        wait_charts(page)
        screens["scenario"] = screen_text(page)
        if lang == "sv":
            screenshot(page, "scenario", height=1500)

        # Run the default scenario with few replications.
        open_page(page, t(lang, "Run"))
        page.get_by_role("spinbutton", name=t(lang, "Replications per strategy")).fill("12")
        page.locator('[data-testid="stFormSubmitButton"] button').click()
        wait_charts(page)
        page.wait_for_selector(f"text={t(lang, 'Done: {n} replications in {seconds} s ({engine} engine).').split('{')[0]}")
        wait_for_app(page)
        screens["run"] = screen_text(page)
        if lang == "sv":
            screenshot(page, "run", height=1500)

        open_page(page, t(lang, "Results"))
        wait_charts(page, 5)
        page.wait_for_selector(f"text={t(lang, 'Risks')}")
        screens["results"] = screen_text(page)
        if lang == "sv":
            screenshot(page, "results", height=2600)

        open_page(page, t(lang, "Compare"))
        wait_charts(page, 2)
        screens["compare"] = screen_text(page)
        if lang == "sv":
            screenshot(page, "compare", height=2200)

        # A drill: start it, then take an action of every kind from the Actions tab.
        open_page(page, t(lang, "Drill"))
        page.get_by_role("button", name=t(lang, "Start the drill")).click()
        wait_for_app(page)
        actions = page.get_by_role("tab", name=t(lang, "Actions"))
        actions.click()
        wait_for_app(page)
        for group in action_groups():
            label = t(lang, group)
            exactly = re.compile(f"^{re.escape(label)}$")
            chosen = page.locator('[data-testid="stButtonGroup"] button[aria-checked="true"]').filter(has_text=exactly)
            if not chosen.count():  # a click on the kind already chosen would clear the choice
                page.locator('[data-testid="stButtonGroup"] button').filter(has_text=exactly).first.click()
            # Wait for the server's page with this kind's list of actions (the button shows the
            # choice at once; on a busy machine the rerun can start late, and a click on the old
            # form would take the previous kind's action again).
            page.locator("." + widget_class(f"drill_action_item_{group}")).wait_for()
            wait_for_app(page)
            page.get_by_role("button", name=t(lang, "Take the action now")).click()
            page.locator('[data-testid="stToast"]').last.wait_for()
            wait_for_app(page)
            assert page.get_by_text(t(lang, "Not done: {reason}.").split("{")[0]).count() == 0, group
            # The tabs stay put: still on Actions after the action.
            assert actions.get_attribute("aria-selected") == "true", f"the tabs moved after {group}"
        screens["drill actions"] = screen_text(page)
        if lang == "sv":
            screenshot(page, "drill", height=1400)
        open_page(page, t(lang, "Scenario"))
        screens["upload error"] = broken_upload(page, lang, tmp_path)
        context.recorder.check()
    finally:
        context.close()

    if lang == "sv":
        left = {name: left_in_english(text, english_only) for name, text in screens.items()}
        left = {name: found for name, found in left.items() if found}
        assert not left, f"English words on the Swedish screens: {left}"
