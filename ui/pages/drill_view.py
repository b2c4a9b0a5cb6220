"""What the facilitator and participant pages share: opening the drill database, the situation
picture (clock, readiness, status board, charts with the Monte Carlo band) and inject cards.

Nothing here shows facilitator-only text; the facilitator page adds that itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st

from sim.drill import access
from sim.drill.board import board
from sim.drill.charts import situation_figure
from sim.drill.session import DEFAULT_REPLICATIONS, Drill, DrillError
from sim.drill.store import DrillInfo, DrillStore, StoredDrill, StoreError
from sim.i18n import N_, _, duration
from sim.reports.escape import markdown_text as md
from ui import view
from ui.runs import RunRefused, heavy_run_slot

STATUS_COLOURS = {
    N_("up"): "#1a7f37", N_("degraded"): "#b35900", N_("down"): "#c62828",
    N_("met"): "#1a7f37", N_("late"): "#b35900", N_("not done"): "#c62828",
    N_("on time"): "#1a7f37", N_("missed"): "#c62828",
}
"""Status words (English; shown and coloured in the session's language)."""
CHARTS = ("capacity", "cancelled_planned", "calls_unanswered")
LOG = logging.getLogger("outage_drill_sim.app")


def open_store() -> DrillStore:
    """The drill database (SIM_DRILL_DB, or drills.sqlite in the user's data folder); a page
    that cannot open it says why and stops."""
    try:
        return DrillStore()
    except StoreError as exc:
        LOG.error("the drill database cannot be used: %s", exc)  # with its path, for the server's log
        st.error(_("The drill database cannot be used: {reason}. The server's log says which file.").format(
            reason=exc.public))
        st.stop()
        raise  # for type checkers; st.stop() does not return


def open_for(store: DrillStore, role: access.Role) -> StoredDrill | None:
    """The drill the page's link asks for, if its key opens it for `role`; else None, after
    saying so (the same words whatever was wrong)."""
    try:
        return access.open_drill(store, st.query_params.get("drill"), st.query_params.get("key"), role)
    except access.NoSuchDrill:
        st.error(access.NO_SUCH_DRILL)
    except StoreError as exc:
        st.error(exc.public)
    return None


def role_text(roles: list[str]) -> str:
    return ", ".join(_("all") if r == "all" else r for r in roles) if roles else _("all")


def scenario_start(info: DrillInfo) -> Any:
    """The start of a listed drill's scenario, when its file is a shipped one (for clock times)."""
    from ui import state

    name = info.scenario_source.removeprefix("scenarios/")
    if name not in state.shipped_scenarios():
        return None
    choice = state.load_shipped(name)
    return choice.scenario.start if choice.ok else None


def headline(drill: Drill) -> None:
    b = board(drill)
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Clock"), drill.clock_text())
    c2.metric(_("Readiness level"), b.readiness)
    c3.metric(_("Patients informed"), _("yes") if b.patients_informed else _("not yet"))


def coloured(rows: list[dict[str, str]], column: str = "status") -> Any:
    """A table whose status column is coloured (emoji are missing from many kiosk browsers)."""
    import pandas as pd

    colours = {_(word): c for word, c in STATUS_COLOURS.items()}

    def colour(value: str) -> str:
        head = str(value).split(" ·")[0]
        return f"color: {colours.get(head, 'inherit')}; font-weight: 600"

    return pd.DataFrame(rows).style.map(colour, subset=[column])


def status_board(drill: Drill) -> None:
    b = board(drill)
    st.markdown(_("**IT systems**"))
    st.dataframe(
        coloured([
            {_("system"): r.name, _("status"): _(r.status), _("stand-in in use"): ", ".join(r.stand_ins), "": r.detail,
             **breached_cell(r)}
            for r in b.systems
        ], _("status")),
        hide_index=True, width="stretch",
    )
    st.markdown(_("**Units, phone lines and supplies**"))
    st.dataframe(
        coloured([
            {
                _("unit"): r.name,
                _("status"): _(r.status) + (" · " + _("on backup routines") if r.stand_ins else ""),
                _("capacity now"): r.detail,
                **breached_cell(r),
            }
            for r in b.units
        ], _("status")),
        hide_index=True, width="stretch",
    )
    breaches_table(drill)


def breached_cell(row: Any) -> dict[str, str]:
    """The board's mark of a deadline breached in the disruption going on."""
    return {_("deadlines"): ", ".join(_("{deadline} breached").format(deadline=d) for d in row.breached)}


def breaches_table(drill: Drill) -> None:
    """Every breach of a continuity deadline so far, or nothing when there is none."""
    rows = board(drill).breaches
    if not rows:
        return
    st.markdown("**" + _("Continuity deadlines breached") + "**")
    st.dataframe(
        [
            {
                _("part"): r.name,
                _("deadline"): f"{r.deadline} {duration(r.limit_h)}",
                _("disrupted from"): drill.clock_text(r.disrupted_at),
                _("breached at"): drill.clock_text(r.breached_at),
                _("until"): drill.clock_text(r.until) if r.until is not None else _("still disrupted"),
                _("beyond the deadline"): duration(r.hours_beyond),
            }
            for r in rows
        ],
        hide_index=True, width="stretch",
    )


def charts(drill: Drill, key: str, replications: int = DEFAULT_REPLICATIONS) -> None:
    """The played timeline up to the clock over the band of what may still come."""
    try:
        band = heavy(lambda: drill.band(replications), drill.runs_ready(replications, from_now=True))
    except (DrillError, RunRefused) as exc:
        st.warning(str(exc))
        band = None
    st.caption(_(
        "Solid line: this drill up to now. Shaded: 10th to 90th percentile of {n} runs under the decisions "
        "taken so far (what may still come); dotted: their median."
    ).format(n=replications))
    for name in CHARTS:
        view.chart(situation_figure(drill, name, band), f"{key}-{name}")


def heavy(work: Callable[[], Any], ready: bool = False) -> Any:
    """Run `work` (drill runs: bands, what-if previews, reports) in one of the server's run slots,
    shared with the Run page, unless its result is known already."""
    if ready:
        return work()
    waiting = st.empty()
    with heavy_run_slot(lambda n: waiting.info(_("{n} run(s) are going on on this server; yours starts when one ends.").format(n=n))):
        waiting.empty()
        return work()


def inject_card(t_h: float, inject: Any, drill: Drill, *, facilitator: bool) -> None:
    with st.container(border=True):
        st.markdown(f"**{drill.clock_text(t_h)} · {md(inject.title, one_line=True)}**")
        st.caption(_("To: {roles}").format(roles=md(role_text(inject.to))))
        if inject.message.strip():
            st.markdown(md(inject.message.strip()))
        if facilitator and inject.facilitator_note.strip():
            st.info(_("Facilitator note: {note}").format(note=md(inject.facilitator_note.strip())),
                    icon=":material/visibility_off:")


def for_role(inject: Any, role: str | None) -> bool:
    return role is None or "all" in inject.to or role in inject.to


def decisions_taken(drill: Drill) -> list[dict[str, str]]:
    return [
        {
            _("time"): drill.clock_text(e.t_h),
            _("decision or action"): drill.describe(e, short=True),
            _("by"): e.by,
            _("why"): e.note,
        }
        for e in drill.entries
    ]


PLAN_COLUMNS = ("finding", "action", "owner", "due")


def plan_rows(drill: Drill) -> list[dict[str, str]]:
    return [r.__dict__.copy() for r in drill.improvements] or [dict.fromkeys(PLAN_COLUMNS, "")]


def editor_rows(rows: list[dict[str, str]], delta: dict) -> list[dict[str, str]]:
    """The rows of a data editor after its edits (st.data_editor keeps only the changes)."""
    out = [dict(r) for r in rows]
    for i, change in (delta.get("edited_rows") or {}).items():
        if int(i) < len(out):
            out[int(i)].update(change)
    deleted = {int(i) for i in delta.get("deleted_rows") or []}
    out = [r for i, r in enumerate(out) if i not in deleted]
    out += [dict(dict.fromkeys(PLAN_COLUMNS, ""), **added) for added in delta.get("added_rows") or []]
    return out
