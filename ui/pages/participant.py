"""Participant view: what the people in the room see, opened from the facilitator's link
(`/participant?drill=ID&key=KEY`, with the drill's participant key) in another browser or on a
projector. The participant key opens this page only, never the facilitator's. It shows the clock, the injects
delivered so far, questions waiting for the group, the decisions taken and the situation picture.
It never shows facilitator notes, injects or decision points still to come, or the hot wash.
The page looks for changes every few seconds.
"""

from __future__ import annotations

import streamlit as st

from sim.drill.session import DrillError
from sim.reports.escape import markdown_text as md
from ui.pages import drill_view

REFRESH_S = 5


def main() -> None:
    if "drill" not in st.query_params:
        st.title("Participant view")
        st.info("Open this page from the link the facilitator gives you (it ends in ?drill=…&key=…).")
        return
    title = st.empty()
    store = drill_view.open_store()
    stored = drill_view.open_for(store, "participant")
    if stored is None:
        title.title("Participant view")
        return
    title.title(md(stored.info.title, one_line=True))
    roles = stored.drill.scenario.exercise.roles
    role = st.selectbox("Show injects for", ["All roles", *roles], key="participant_role")
    live(None if role == "All roles" else role)


@st.fragment(run_every=REFRESH_S)
def live(role: str | None) -> None:
    store = drill_view.open_store()
    stored = drill_view.open_for(store, "participant")  # the key is checked again on every refresh
    if stored is None:
        return
    drill = stored.drill
    try:
        drill_view.headline(drill)
        waiting = drill.open_decisions()
        for dp in waiting:
            with st.container(border=True):
                st.markdown(f"**Decision for {md(drill_view.role_text(dp.roles))}:** {md(dp.question, one_line=True)}")
                for o in dp.options:
                    desc = md(o.description, one_line=True)
                    st.markdown(f"- **{md(o.label, one_line=True)}**" + (f": {desc}" if desc else ""))
        injects, situation, log = st.tabs(["Injects", "Situation", "Decisions taken"])
        with injects:
            delivered = [(t, i) for t, i in drill.delivered() if drill_view.for_role(i, role)]
            if not delivered:
                st.caption("No injects yet.")
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
                st.caption("Nothing decided yet.")
    except DrillError as exc:
        st.error(str(exc))


main()
