"""Results page: cancelled visits over time, the recovery curve, how long recovery takes, the
backlog burning down, a timeline of the incident, and the KPI table with confidence intervals."""

from __future__ import annotations

import streamlit as st

from sim import charts
from sim.reports import kpi_rows
from ui import state, view


def run_caption(result: state.RunResult) -> str:
    s = result.settings
    return (f"{result.scenario_name}: {s.replications:,} replications per strategy, seed {s.seed}, "
            f"{len(s.strategies)} strateg{'y' if len(s.strategies) == 1 else 'ies'}, "
            f"ran in {result.wall_s:.1f} s ({s.executor})")


def no_run() -> None:
    st.info("No results yet: run the scenario first.")
    st.page_link("ui/pages/run.py", label="Run", icon=":material/play_arrow:")


def kpi_table(result: state.RunResult) -> None:
    sc = result.experiment.scenario
    rows = []
    for r in kpi_rows(result.summary):
        rows.append({
            "strategy": charts.strategy_label(sc, r["strategy"]),
            "KPI": r["label"],
            "mean": r["mean"],
            "95% CI low": r["ci95_low"],
            "95% CI high": r["ci95_high"],
            "p10": r["p10"],
            "p50": r["p50"],
            "p90": r["p90"],
            "reached": r["reached"],
        })
    st.dataframe(
        rows, hide_index=True, width="stretch",
        column_config={k: st.column_config.NumberColumn(format="%.1f") for k in
                       ("mean", "95% CI low", "95% CI high", "p10", "p50", "p90")}
        | {"reached": st.column_config.NumberColumn(format="percent")},
    )


def main() -> None:
    st.title("Results")
    result = state.last_run()
    if result is None:
        no_run()
        return
    exp = result.experiment
    sc = exp.scenario
    st.caption(run_caption(result))
    if result.key[0] != state.current_scenario().digest:
        st.info("These results are for an earlier version of the scenario; run it again to update them.")
    st.markdown(view.page_text("results"))
    strategies = list(exp.runs)
    strategy = st.selectbox(
        "Strategy shown in the recovery curve and the timeline", strategies,
        format_func=lambda s: charts.strategy_label(sc, s), key="results_strategy",
    )
    kinds = charts.kinds_of(exp, "cancelled_planned")
    kind = st.segmented_control(
        "Unit kinds in the cancelled-visits and backlog charts", ["all", *kinds], default="all",
        format_func=lambda k: "All kinds" if k == "all" else charts.KIND_LABELS.get(k, k),
        key="results_kind",
    )
    kind = None if kind in (None, "all") else kind
    view.chart(charts.cancelled_over_time(exp, kind), "results-cancelled")
    view.chart(charts.recovery_curve(exp, strategy), "results-recovery")
    view.chart(charts.recovery_time_distribution(exp), "results-recovery-time")
    view.chart(charts.backlog_burndown(exp, kind), "results-backlog")
    view.chart(charts.timeline_gantt(exp, strategy), "results-timeline")
    st.subheader("Key figures")
    kpi_table(result)
    if result.summary.get("partial"):
        st.warning("The run was stopped early: these results are partial.")


main()
