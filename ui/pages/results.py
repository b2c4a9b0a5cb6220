"""Results page: cancelled visits over time, the recovery curve, how long recovery takes, the
backlog burning down, a timeline of the incident, and the KPI table: moments as clock times,
durations in hours or days, counts as whole numbers, and a moment reached in few runs marked."""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from sim import charts, values
from sim.engine.windows import WINDOWED_KPIS
from sim.experiments import risk
from sim.i18n import _, count, ngettext, number
from sim.reports import kpi_rows
from sim.reports.escape import markdown_cell
from sim.vocabulary import TIME_KPIS, kind_label
from ui import assumed, cut, state, view


def run_caption(result: state.RunResult) -> str:
    s = result.settings
    done = min(r.replications for r in result.experiment.runs.values())
    n = count(s.replications) if done >= s.replications else _("{done} of {requested} (partial)").format(
        done=count(done), requested=count(s.replications))
    return _("{scenario}: {n} replications per strategy, seed {seed}, {strategies}, ran in {seconds} s ({executor})").format(
        scenario=markdown_cell(result.scenario_name), n=n, seed=s.seed,
        strategies=ngettext("{n} strategy", "{n} strategies", len(s.strategies)).format(n=len(s.strategies)),
        seconds=number(result.wall_s, 1), executor=s.executor,
    )


def no_run() -> None:
    view.to_the_run_page(_("No results yet: run the scenario first."))


def thresholds() -> dict[str, float]:
    """The thresholds set on this page (hours for a time, a count otherwise); read from the
    widgets' state, so the table above them follows a change in the same run."""
    chosen = {}
    for kpi in risk.RISK_KPIS:
        x = st.session_state.get(f"risk_threshold_{kpi}")
        if x is not None:
            chosen[kpi] = float(x) * 24 if kpi in TIME_KPIS else float(x)
    return chosen


def risk_by_row(result: state.RunResult) -> dict[tuple[str, str], risk.Risk]:
    return {(r.strategy, r.kpi): r for r in risk.risks(result.experiment, thresholds())}


def kpi_table_rows(result: state.RunResult, summary: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """The KPI table as people read it: one row per strategy and KPI (of `summary`, a cut of the
    run's, or the run's own), with the chance of a bad outcome beside the mean where there is a
    risk statement (over the whole run: none for the counts of a cut)."""
    sc = result.experiment.scenario
    summary = summary if summary is not None else result.summary
    risks = risk_by_row(result)
    if "cut" in summary:
        risks = {key: r for key, r in risks.items() if key[1] not in WINDOWED_KPIS}
    rows = []
    for r in kpi_rows(summary):
        k = r["kpi"]
        found = risks.get((r["strategy"], k))
        rows.append({
            _("strategy"): charts.strategy_label(sc, r["strategy"]),
            _("KPI"): values.label(k),
            _("mean"): values.mean_text(k, r, sc.start),
            _("95% CI"): values.interval(k, r["ci95_low"], r["ci95_high"], sc.start),
            "p10": values.value(k, r["p10"], sc.start),
            "p50": values.value(k, r["p50"], sc.start),
            "p90": values.value(k, r["p90"], sc.start),
            _("reached"): values.percent_text(r["reached"]),
            _("risk"): risk.statement(found) if found else "",
        })
    return rows


def risk_rows(result: state.RunResult) -> list[dict[str, str]]:
    sc = result.experiment.scenario
    return [
        {_("strategy"): charts.strategy_label(sc, r.strategy), _("risk"): risk.statement(r),
         _("95% CI"): risk.interval_text(r), _("runs"): count(r.runs)}
        for r in risk.risks(result.experiment, thresholds())
    ]


def risk_section(result: state.RunResult) -> None:
    """Risk statements, counted from the replications, with thresholds people can set."""
    st.subheader(_("Risks"))
    st.caption(_("The share of replications in which a figure went past a threshold, with a 95% interval. "
                 "A moment never reached within the simulated period counts as past the threshold."))
    exp = result.experiment
    defaults = {r.kpi: r.threshold for r in risk.risks(exp)}
    limits = risk.judged_until(exp.scenario)
    with st.expander(_("Thresholds")):
        cols = st.columns(len(risk.RISK_KPIS))
        for col, kpi in zip(cols, risk.RISK_KPIS, strict=True):
            if kpi not in defaults:
                continue
            if kpi in TIME_KPIS:
                top = max(0.0, math.floor(limits[kpi] / 12 - 1e-9) / 2)
                if st.session_state.get(f"risk_threshold_{kpi}", 0) > top:  # from a longer scenario
                    del st.session_state[f"risk_threshold_{kpi}"]
                col.number_input(
                    _("{kpi}, days").format(kpi=values.label(kpi)), min_value=0.0, step=0.5, max_value=top,
                    value=defaults[kpi] / 24, key=f"risk_threshold_{kpi}",
                )
            else:
                col.number_input(values.label(kpi), min_value=0, max_value=10**9, step=1,
                                 value=int(defaults[kpi]), key=f"risk_threshold_{kpi}")
    st.dataframe(risk_rows(result), hide_index=True, width="stretch")


def kpi_table(result: state.RunResult, summary: dict[str, Any] | None = None) -> None:
    st.dataframe(kpi_table_rows(result, summary), hide_index=True, width="stretch")


def main() -> None:
    st.title(_("Results"))
    result = state.last_run()
    if result is None:
        no_run()
        return
    exp = result.experiment
    sc = exp.scenario
    st.caption(run_caption(result))
    if result.experiment.partial:
        st.warning(_(view.PARTIAL))
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
    chosen = cut.choose(result, "results")
    summary = cut.summary(result, chosen)
    st.caption(cut.caption(result, chosen))
    kpi_table(result, summary)
    cut.downloads(result, summary, "results")
    risk_section(result)


main()
