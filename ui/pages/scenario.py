"""Scenario page: pick a shipped scenario, upload one or edit it here; problems are listed with
their line numbers next to the text, and a valid scenario is summarised."""

from __future__ import annotations

import streamlit as st

from sim import charts
from sim.i18n import _, count, ngettext
from sim.reports.escape import markdown_cell
from sim.reports.escape import markdown_text as md
from sim.scenario.bundle import MAX_ENTRIES
from ui import assumed, editor_marks, lang, saved, state, view
from ui.settings import LIMITS

EDITOR_VERSION = "scenario_editor_version"
UPLOAD_SEEN = "scenario_upload_seen"
MAX_ZIP_FACTOR = 4  # a zip may be this many times the per-file limit (a scenario and its regions)
EDITOR_LINES = 32


def replace_scenario(choice: state.ScenarioChoice) -> None:
    """A scenario from outside the editor: the editor starts again from its text."""
    state.set_scenario(choice)
    st.session_state[EDITOR_VERSION] = st.session_state.get(EDITOR_VERSION, 0) + 1


def on_pick() -> None:
    lang.activate()  # a callback runs before the page, in a thread of its own: problems in the page's language
    replace_scenario(state.load_shipped(st.session_state["scenario_pick"]))


def read_uploads(uploads: list) -> tuple[str, bytes, state.Files]:
    """The scenario and its region files from what was uploaded: one zip, or one scenario with
    region files beside it. BundleError says what is wrong, in the user's words."""
    from sim.scenario.bundle import BundleError, match_regions, read_zip, region_files

    limit = LIMITS.max_upload_bytes
    for u in uploads:
        if u.size > (MAX_ZIP_FACTOR * limit if u.name.lower().endswith(".zip") else limit):
            raise BundleError(_("{file} is {size} bytes; files up to {limit} bytes can be uploaded here.").format(
                file=u.name, size=count(u.size), limit=count(limit)))
    zips = [u for u in uploads if u.name.lower().endswith(".zip")]
    if zips:
        if len(uploads) > 1:
            raise BundleError(_("Upload a zip on its own, or a scenario with its region files; not both."))
        bundle = read_zip(zips[0].getvalue(), zips[0].name, limit)
        return f"{zips[0].name}/{bundle.name}", bundle.text, tuple(sorted(bundle.files.items()))
    from sim.scenario.bundle import _is_scenario

    raw = {u.name: u.getvalue() for u in uploads}
    scenarios = [n for n, data in raw.items() if _is_scenario(data)]
    if len(scenarios) > 1:
        raise BundleError(_("{files}: upload one scenario at a time (a file with a top-level `region:`).").format(
            files=", ".join(scenarios)))
    main = scenarios[0] if scenarios else next(iter(raw))
    regions = region_files({n: d for n, d in raw.items() if n != main}, limit)
    return main, raw[main], tuple(sorted(match_regions(raw[main], regions).items()))


def take_upload() -> None:
    lang.activate()  # as on_pick
    uploads = st.session_state.get("scenario_upload") or []
    if not isinstance(uploads, list):
        uploads = [uploads]
    seen = tuple(u.file_id for u in uploads)
    if not uploads or st.session_state.get(UPLOAD_SEEN) == seen:
        return
    st.session_state[UPLOAD_SEEN] = seen
    from sim.scenario.bundle import BundleError

    try:
        name, raw, files = read_uploads(uploads)
    except BundleError as exc:
        st.session_state["upload_error"] = str(exc)
        return
    st.session_state.pop("upload_error", None)
    replace_scenario(state.validate_bytes(raw, name, "upload", files))


def show_problems(choice: state.ScenarioChoice) -> None:
    lines = choice.text.splitlines()
    shown = choice.problems[:50]
    st.error(ngettext("{n} problem in {file}: the scenario cannot be run yet.",
                      "{n} problems in {file}: the scenario cannot be run yet.",
                      len(choice.problems)).format(n=len(choice.problems), file=markdown_cell(choice.name)))
    for p in shown:
        where = _("line {n}").format(n=p.line) if p.line else _("file")
        other = "" if p.file == choice.name else " " + _("(in {file})").format(file=markdown_cell(p.file))
        st.markdown(f"**{where}**{other} · {markdown_cell(p.path or '-')}  \n{markdown_cell(p.message)}")
        if p.line and p.file == choice.name and 0 < p.line <= len(lines):
            lo, hi = max(1, p.line - 1), min(len(lines), p.line + 1)
            excerpt = "\n".join(
                f"{'>' if n == p.line else ' '}{n:4d} | {lines[n - 1]}" for n in range(lo, hi + 1)
            )
            st.code(excerpt, language=None)
    if len(choice.problems) > len(shown):
        st.caption(_("and {n} more").format(n=len(choice.problems) - len(shown)))


def summary(choice: state.ScenarioChoice) -> None:
    sc = choice.scenario
    assert sc is not None
    st.subheader(markdown_cell(sc.title))
    if sc.description:
        st.markdown(md(sc.description))
    cols = st.columns(4)
    for col, (label, value) in zip(cols, view.totals(sc).items(), strict=True):
        col.metric(label, count(value))
    tabs = st.tabs([_("Units and volumes"), _("Dependencies"), _("Incident timeline"), _("Strategies"),
                    _("Assumed numbers"), _("Text summary")])
    with tabs[0]:
        st.dataframe(view.units_table(sc), hide_index=True, width="stretch")
        if sc.region.phone_lines:
            st.dataframe(view.phone_table(sc), hide_index=True, width="stretch")
    with tabs[1]:
        view.chart(charts.dependency_graph(sc), "scenario-dependencies")
    with tabs[2]:
        view.chart(charts.incident_timeline(sc), "scenario-timeline")
        st.dataframe(view.timeline_table(sc), hide_index=True, width="stretch")
    with tabs[3]:
        if sc.strategies:
            st.dataframe(view.strategies_table(sc), hide_index=True, width="stretch")
        else:
            st.info(_("This scenario has no strategies; add some under `strategies:` to compare them."))
    with tabs[4]:
        assumed.scenario_tab(sc)
    with tabs[5]:
        from sim.scenario.explain import explain

        st.code(explain(sc, choice.name), language=None)


def editor_key() -> str:
    return f"scenario_editor_{st.session_state.get(EDITOR_VERSION, 0)}"


@st.fragment
def editor(choice: state.ScenarioChoice) -> None:
    """The YAML in a code editor (line numbers, highlighting, each problem marked on its line),
    served by the app itself. Typing reruns only this part of the page; Check and use validates."""
    from streamlit_ace import st_ace

    text = st_ace(
        value=choice.text, language="yaml", theme="chrome", keybinding="vscode", font_size=13, tab_size=2,
        min_lines=EDITOR_LINES, max_lines=EDITOR_LINES, wrap=False, show_gutter=True, auto_update=True,
        annotations=editor_marks.annotations(choice), markers=editor_marks.markers(choice), key=editor_key(),
    )
    text = choice.text if text is None else str(text)
    st.caption(_("{name} · {lines} lines · problems are marked beside their line").format(
        name=markdown_cell(choice.name), lines=count(len(text.splitlines()))))
    if st.button(_("Check and use"), key="scenario_check", type="primary"):
        if len(text.encode("utf-8")) > LIMITS.max_upload_bytes:
            st.error(_("The text is over {limit} bytes, the limit on this server.").format(
                limit=count(LIMITS.max_upload_bytes)))
        else:
            name = choice.name if choice.origin == "edit" else f"{choice.name} (edited)"
            state.set_scenario(state.validate(text, name, "edit", choice.files))
            st.rerun(scope="app")


def main() -> None:
    st.title(_("Scenario"))
    st.markdown(view.page_text("scenario"))
    choice = state.current_scenario()
    shipped = list(state.shipped_scenarios())

    sources = {"shipped": _("A shipped scenario"), "upload": _("A file of my own")}
    source = st.radio(_("Start from"), list(sources), format_func=sources.get, horizontal=True, key="scenario_source")
    if source == "shipped":
        current = choice.name.removeprefix("scenarios/")
        st.selectbox(
            _("Scenario"), shipped, index=shipped.index(current) if current in shipped else None,
            key="scenario_pick", on_change=on_pick, placeholder=_("Choose a scenario"),
        )
    else:
        st.file_uploader(
            _("Upload a scenario (YAML), with its region files, or both as one zip"), type=["yaml", "yml", "zip"],
            key="scenario_upload", on_change=take_upload, accept_multiple_files=True,
            max_upload_size=max(1, MAX_ZIP_FACTOR * LIMITS.max_upload_mb),
            help=_("At most {limit} bytes a file. A `region:` file path is looked up among the region files "
                   "uploaded with it, then among the shipped region files (scenarios/regions/). A zip holds "
                   "one scenario and its region files, at most {entries} files.").format(
                limit=count(LIMITS.max_upload_bytes), entries=MAX_ENTRIES),
        )
        take_upload()  # AppTest and a first render give the file without an on_change call
        if st.session_state.get("upload_error"):
            st.error(st.session_state["upload_error"])
    choice = state.current_scenario()

    left, right = st.columns([3, 2], gap="medium")
    with left:
        editor(choice)
    with right:
        if choice.ok:
            st.success(_("{file} is valid.").format(file=markdown_cell(choice.name)))
            st.page_link("ui/pages/run.py", label=_("Run it"), icon=":material/play_arrow:")
        else:
            show_problems(choice)
        if choice.files:
            st.caption(_("Region files beside it: {files}").format(files=", ".join(n for n, _d in choice.files)))
    typed = st.session_state.get(editor_key())
    saved.section(choice, choice.text if typed is None else str(typed), replace_scenario)
    if choice.ok:
        summary(choice)
    else:
        st.info(_("Fix the problems to see the scenario's summary. Runs made earlier stay on the Results page."))


main()
