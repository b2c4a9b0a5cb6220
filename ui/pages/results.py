"""Results page: cancelled visits over time, the recovery curve, how long recovery takes, the
backlog burning down, a timeline of the incident, and the KPI table: moments as clock times,
durations in hours or days, counts as whole numbers, and a moment reached in few runs marked."""

from __future__ import annotations

import streamlit as st

from sim import charts, values
from sim.i18n import _, count, ngettext, number
from sim.reports import kpi_rows
from sim.vocabulary import kind_label
from ui import assumed, state, view


def run_caption(result: state.RunResult) -> str:
    s = result.settings
    return _("{scenario}: {n} replications per strategy, seed {seed}, {strategies}, ran in {seconds} s ({executor})").format(
        scenario=result.scenario_name, n=count(s.replications), seed=s.seed,
        strategies=ngettext("{n} strategy", "{n} strategies", len(s.strategies)).format(n=len(s.strategies)),
        seconds=number(result.wall_s, 1), executor=s.executor,
    )


def no_run() -> None:
    st.info(_("No results yet: run the scenario first."))
    st.page_link("ui/pages/run.py", label=_("Run"), icon=":material/play_arrow:")


def kpi_table_rows(result: state.RunResult) -> list[dict[str, str]]:
    """The KPI table as people read it: one row per strategy and KPI."""
    sc = result.experiment.scenario
    rows = []
    for r in kpi_rows(result.summary):
        k = r["kpi"]
        rows.append({
            _("strategy"): charts.strategy_label(sc, r["strategy"]),
            _("KPI"): values.label(k),
            _("mean"): values.mean_text(k, r, sc.start),
            _("95% CI"): values.interval(k, r["ci95_low"], r["ci95_high"], sc.start),
            "p10": values.value(k, r["p10"], sc.start),
            "p50": values.value(k, r["p50"], sc.start),
            "p90": values.value(k, r["p90"], sc.start),
            _("reached"): values.percent_text(r["reached"]),
        })
    return rows


def kpi_table(result: state.RunResult) -> None:
    st.dataframe(kpi_table_rows(result), hide_index=True, width="stretch")


def main() -> None:
    st.title(_("Results"))
    result = state.last_run()
    if result is None:
        no_run()
        return
    exp = result.experiment
    sc = exp.scenario
    st.caption(run_caption(result))
    if result.key[0] != state.current_scenario().digest:
        st.info(_("These results are for an earlier version of the scenario; run it again to update them."))
    st.markdown(view.page_text("results"))
    strategies = list(exp.runs)
    strategy = st.selectbox(
        _("Strategy shown in the recovery curve and the timeline"), strategies,
        format_func=view.strategy_names(sc).get, key="results_strategy",
    )
    kinds = charts.kinds_of(exp, "cancelled_planned")
    kind = st.segmented_control(
        _("Unit kinds in the cancelled-visits and backlog charts"), ["all", *kinds], default="all",
        format_func={"all": _("All kinds"), **{k: kind_label(k) for k in kinds}}.get,
        key="results_kind",
    )
    kind = None if kind in (None, "all") else kind
    view.chart(charts.cancelled_over_time(exp, kind), "results-cancelled")
    view.chart(charts.recovery_curve(exp, strategy), "results-recovery")
    view.chart(charts.recovery_time_distribution(exp), "results-recovery-time")
    view.chart(charts.backlog_burndown(exp, kind), "results-backlog")
    view.chart(charts.timeline_gantt(exp, strategy), "results-timeline")
    assumed.results_section(result, strategy, kind)
    st.subheader(_("Key figures"))
    kpi_table(result)
    if result.summary.get("partial"):
        st.warning(_("The run was stopped early: these results are partial."))


main()
