"""Scenario page: pick a shipped scenario, upload one or edit it here; problems are listed with
their line numbers next to the text, and a valid scenario is summarised."""

from __future__ import annotations

import streamlit as st

from sim import charts
from sim.i18n import _, count, ngettext
from ui import assumed, state, view
from ui.settings import LIMITS

EDITOR_VERSION = "scenario_editor_version"
UPLOAD_SEEN = "scenario_upload_seen"


def replace_scenario(choice: state.ScenarioChoice) -> None:
    """A scenario from outside the editor: the editor starts again from its text."""
    state.set_scenario(choice)
    st.session_state[EDITOR_VERSION] = st.session_state.get(EDITOR_VERSION, 0) + 1


def on_pick() -> None:
    replace_scenario(state.load_shipped(st.session_state["scenario_pick"]))


def take_upload() -> None:
    upload = st.session_state.get("scenario_upload")
    if upload is None or st.session_state.get(UPLOAD_SEEN) == upload.file_id:
        return
    st.session_state[UPLOAD_SEEN] = upload.file_id
    if upload.size > LIMITS.max_upload_bytes:
        st.session_state["upload_error"] = _(
            "{file} is {size} bytes; files up to {limit} bytes can be uploaded here."
        ).format(file=upload.name, size=count(upload.size), limit=count(LIMITS.max_upload_bytes))
        return
    st.session_state.pop("upload_error", None)
    raw = upload.getvalue()
    choice = state.validate_bytes(raw, upload.name, "upload")
    replace_scenario(choice)


def show_problems(choice: state.ScenarioChoice) -> None:
    lines = choice.text.splitlines()
    shown = choice.problems[:50]
    st.error(ngettext("{n} problem in {file}: the scenario cannot be run yet.",
                      "{n} problems in {file}: the scenario cannot be run yet.",
                      len(choice.problems)).format(n=len(choice.problems), file=choice.name))
    for p in shown:
        where = _("line {n}").format(n=p.line) if p.line else _("file")
        other = "" if p.file == choice.name else " " + _("(in {file})").format(file=p.file)
        st.markdown(f"**{where}**{other} · `{p.path or '-'}`  \n{p.message}")
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
    st.subheader(sc.title)
    if sc.description:
        st.write(sc.description)
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


EDITOR_CSS = """<style>
[class*="st-key-scenario_editor"] textarea {
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
  font-size: 0.85rem; white-space: pre; overflow-x: auto;
}
</style>"""


def main() -> None:
    st.markdown(EDITOR_CSS, unsafe_allow_html=True)  # YAML reads best unwrapped, in a fixed font
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
            _("Upload a scenario (YAML)"), type=["yaml", "yml"], key="scenario_upload", on_change=take_upload,
            max_upload_size=LIMITS.max_upload_mb,
            help=_("At most {limit} bytes. A `region:` file path is looked up among the shipped region "
                   "files (scenarios/regions/).").format(limit=count(LIMITS.max_upload_bytes)),
        )
        take_upload()  # AppTest and a first render give the file without an on_change call
        if st.session_state.get("upload_error"):
            st.error(st.session_state["upload_error"])
    choice = state.current_scenario()

    left, right = st.columns([3, 2], gap="medium")
    with left:
        version = st.session_state.get(EDITOR_VERSION, 0)
        text = st.text_area(
            choice.name, value=choice.text, height=520, key=f"scenario_editor_{version}",
            help=_("Edit the YAML here, then press Check and use."),
        )
        if st.button(_("Check and use"), key="scenario_check"):
            if len(text.encode("utf-8")) > LIMITS.max_upload_bytes:
                st.error(_("The text is over {limit} bytes, the limit on this server.").format(
                    limit=count(LIMITS.max_upload_bytes)))
            else:
                name = choice.name if choice.origin == "edit" else f"{choice.name} (edited)"
                state.set_scenario(state.validate(text, name, "edit"))
                st.rerun()
    with right:
        if choice.ok:
            st.success(_("{file} is valid.").format(file=choice.name))
            st.page_link("ui/pages/run.py", label=_("Run it"), icon=":material/play_arrow:")
        else:
            show_problems(choice)
    if choice.ok:
        summary(choice)
    else:
        st.info(_("Fix the problems to see the scenario's summary. Runs made earlier stay on the Results page."))


main()
