"""Participant view: what the people in the room see, opened from the facilitator's link
(`/participant?drill=ID&key=KEY`, with the drill's participant key) in another browser or on a
projector. The participant key opens this page only, never the facilitator's. It shows the clock,
the injects delivered so far, questions waiting for the group, the decisions taken and the
situation picture, and nothing else: no planning or drill navigation (app.py hides it here), no
sidebar, in type large enough for a 1024-pixel projector. It never shows facilitator notes, injects
or decision points still to come, or the hot wash. The page looks for changes every few seconds,
and its tabs stay where the room put them.
"""

from __future__ import annotations

import streamlit as st

from sim.drill.session import DrillError
from sim.i18n import _
from sim.reports.escape import markdown_text as md
from ui import lang
from ui.pages import drill_view

REFRESH_S = 5
ALL_ROLES = "__all__"
PROJECTOR_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"] { display: none; }
[data-testid="stMain"] .block-container { max-width: 1000px; padding-left: 1.2rem; padding-right: 1.2rem; }
[data-testid="stMain"] p, [data-testid="stMain"] li { font-size: 1.15rem; }
[data-testid="stMetricValue"] { font-size: 2.1rem; }
</style>"""


def main() -> None:
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)
    if "drill" not in st.query_params:
        st.title(_("Participant view"))
        st.info(_("Open this page from the link the facilitator gives you (it ends in ?drill=…&key=…)."))
        return
    title = st.empty()
    store = drill_view.open_store()
    stored = drill_view.open_for(store, "participant")
    if stored is None:
        title.title(_("Participant view"))
        return
    team = stored.info.team if stored.info.in_exercise else ""
    title.title(md(stored.info.title, one_line=True) + (f" · {md(team, one_line=True)}" if team else ""))
    roles = stored.drill.scenario.exercise.roles
    names = {ALL_ROLES: _("All roles"), **{r: r for r in roles}}
    role = st.selectbox(_("Show injects for"), list(names), format_func=names.get, key="participant_role")
    live(None if role == ALL_ROLES else role)


@st.fragment(run_every=REFRESH_S)
def live(role: str | None) -> None:
    lang.activate()  # a fragment's rerun runs in a thread of its own
    store = drill_view.open_store()
    stored = drill_view.open_for(store, "participant")  # the key is checked again on every refresh
    if stored is None:
        return
    drill = stored.drill
    try:
        drill_view.headline(drill)
        for dp in drill.open_decisions():
            with st.container(border=True):
                st.markdown("**" + _("Decision for {roles}:").format(roles=md(drill_view.role_text(dp.roles)))
                            + f"** {md(dp.question, one_line=True)}")
                for o in dp.options:
                    desc = md(o.description, one_line=True)
                    st.markdown(f"- **{md(o.label, one_line=True)}**" + (f": {desc}" if desc else ""))
        # Keyed tabs keep their place when a decision opens above them or the page refreshes.
        injects, situation, log = st.tabs([_("Injects"), _("Situation"), _("Decisions taken")],
                                          key=f"participant_tabs_{lang.current()}", on_change="rerun")
        with injects:
            delivered = [(t, i) for t, i in drill.delivered() if drill_view.for_role(i, role)]
            if not delivered:
                st.caption(_("No injects yet."))
            for t, inj in reversed(delivered):
                drill_view.inject_card(t, inj, drill, facilitator=False)
        with situation:
            drill_view.status_board(drill)
            drill_view.charts(drill, "participant")
        with log:
            rows = drill_view.decisions_taken(drill)
            if rows:
                st.dataframe(rows, hide_index=True, width="stretch")
            else:
                st.caption(_("Nothing decided yet."))
    except DrillError as exc:
        st.error(str(exc))


main()
