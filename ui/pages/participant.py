"""Participant view: what the people in the room see, opened from the facilitator's link
(`/participant?drill=ID`) in another browser or on a projector. It shows the clock, the injects
delivered so far, questions waiting for the group, the decisions taken and the situation picture.
It never shows facilitator notes, injects or decision points still to come, or the hot wash.
The page looks for changes every few seconds.
"""

from __future__ import annotations

import streamlit as st

from sim.drill.session import DrillError
from ui.pages import drill_view

REFRESH_S = 5


def main() -> None:
    drill_id = st.query_params.get("drill")
    if not drill_id:
        st.title("Participant view")
        st.info("Open this page from the link the facilitator gives you (it ends in ?drill=…).")
        return
    store = drill_view.open_store()
    stored = drill_view.load(store, drill_id)
    if stored is None:
        return
    st.title(stored.info.title)
    roles = stored.drill.scenario.exercise.roles
    role = st.selectbox("Show injects for", ["All roles", *roles], key="participant_role")
    live(drill_id, None if role == "All roles" else role)


@st.fragment(run_every=REFRESH_S)
def live(drill_id: str, role: str | None) -> None:
    store = drill_view.open_store()
    stored = drill_view.load(store, drill_id)
    if stored is None:
        return
    drill = stored.drill
    try:
        drill_view.headline(drill)
        waiting = drill.open_decisions()
        for dp in waiting:
            with st.container(border=True):
                st.markdown(f"**Decision for {drill_view.role_text(dp.roles)}:** {' '.join(dp.question.split())}")
                for o in dp.options:
                    desc = " ".join(o.description.split())
                    st.markdown(f"- **{o.label}**" + (f": {desc}" if desc else ""))
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
