"""The cut by date and by unit kind that the Results and Compare pages offer: the counts and
bed-days of the KPI table, the comparison and the downloads follow it (sim/experiments/cuts.py);
moments, durations and peaks stay over the whole period. The chosen cut is kept for the run, so
that the other page and the Downloads page start from it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import streamlit as st

from sim.engine.windows import WINDOWED_KPIS
from sim.experiments.cuts import Cut, cut_for_dates, cut_summary, is_whole, mark_dates
from sim.i18n import _
from sim.vocabulary import UNIT_KINDS, kind_label
from ui import state

KEPT = "results_cut"
"""Session key of the chosen cut: (the run's key, the cut)."""


def run_kinds(result: state.RunResult) -> list[str]:
    """The unit kinds some count of the run is split by, in the usual order."""
    found = {k for r in result.experiment.runs.values() for kpi in WINDOWED_KPIS for k in r.kinds(kpi)}
    order = [k.id for k in UNIT_KINDS]
    return [k for k in order if k in found] + sorted(found - set(order))


def days(result: state.RunResult) -> tuple[date, date]:
    """The first and the last day the run covers."""
    marks = mark_dates(result.experiment)
    return marks[0].date(), (marks[-1] - timedelta(minutes=1)).date()


def kept(result: state.RunResult) -> Cut | None:
    """The cut chosen for this run on either page (None: the whole run)."""
    found = st.session_state.get(KEPT)
    if found is None or found[0] != result.key:
        return None
    cut: Cut | None = found[1]
    return cut


def choose(result: state.RunResult, page: str) -> Cut | None:
    """A date range and the unit kinds, starting from the cut kept for the run; returns the cut
    (None: the whole run) and keeps it."""
    exp = result.experiment
    first, last = days(result)
    kinds = run_kinds(result)
    cut = kept(result)
    marks = mark_dates(exp)
    shown = (first, last) if cut is None else (
        marks[cut.first].date(), (marks[cut.last] - timedelta(minutes=1)).date())
    chosen_kinds = kinds if cut is None or cut.kinds is None else [k for k in kinds if k in cut.kinds]
    c1, c2 = st.columns([1, 2])
    picked = c1.date_input(
        _("Days counted"), value=shown, min_value=first, max_value=last, format="YYYY-MM-DD",
        key=f"{page}_cut_days", help=_("Counts and bed-days from the start of the first day to the end of the last."),
    )
    a, b = _range(picked, first, last)
    picked_kinds = c2.multiselect(
        _("Unit kinds counted"), kinds, default=chosen_kinds, format_func=kind_label, key=f"{page}_cut_kinds",
    )
    if not picked_kinds:
        st.info(_("No unit kind chosen: counting all of them."))
    chosen = None if not picked_kinds or set(picked_kinds) == set(kinds) else tuple(picked_kinds)
    new = cut_for_dates(exp, a, b, chosen)
    found = None if is_whole(exp, new) else new
    st.session_state[KEPT] = (result.key, found)
    return found


def _range(picked: Any, first: date, last: date) -> tuple[date, date]:
    """The date input's value as (first, last): a single day while the second is being picked."""
    if isinstance(picked, date):
        return picked, picked
    values = [d for d in (picked or ()) if d is not None]
    if not values:
        return first, last
    return values[0], values[-1]


def summary(result: state.RunResult, cut: Cut | None) -> dict[str, Any]:
    """The run's summary within the cut (the run's own summary for the whole run)."""
    return result.summary if cut is None else cut_summary(result.experiment, result.summary, cut)


def caption(result: state.RunResult, cut: Cut | None) -> str:
    """What the counts of a cut cover, in words."""
    if cut is None:
        return _("Counts over the whole run, all unit kinds.")
    marks = mark_dates(result.experiment)
    kinds = _("all unit kinds") if cut.kinds is None else ", ".join(kind_label(k) for k in cut.kinds)
    from sim.i18n import clock

    return _("Counts and bed-days from {start} to {end}, {kinds}; moments, durations and peaks over the "
             "whole run.").format(start=clock(marks[cut.first]), end=clock(marks[cut.last]), kinds=kinds)


def downloads(result: state.RunResult, summary: dict[str, Any], page: str) -> None:
    """The KPI table (CSV) and the JSON summary as shown: within the chosen cut."""
    import json

    from sim.reports import kpi_csv

    stem = result.experiment.scenario.name + ("-cut" if "cut" in summary else "")
    c1, c2 = st.columns(2)
    c1.download_button(_("KPI table (CSV)"), kpi_csv(summary), file_name=f"{stem}-kpis.csv", mime="text/csv",
                       icon=":material/table:", on_click="ignore", key=f"{page}-dl-csv")
    c2.download_button(_("JSON summary"), json.dumps(summary, indent=2, ensure_ascii=False),
                       file_name=f"{stem}-summary.json", mime="application/json",
                       icon=":material/data_object:", on_click="ignore", key=f"{page}-dl-json")
