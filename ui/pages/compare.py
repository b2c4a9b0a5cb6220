"""Compare page: strategies side by side with confidence intervals, and each strategy's paired
difference from a chosen baseline."""

from __future__ import annotations

import streamlit as st

from sim import charts
from sim.experiments import paired_difference
from sim.experiments.report import KPI_LABELS, fmt
from sim.reports.html import COMPARED_KPIS
from ui import state, view


def side_by_side(result: state.RunResult, kpis: list[str]) -> list[dict[str, str]]:
    sc = result.experiment.scenario
    rows = []
    for kpi in kpis:
        row = {"KPI": KPI_LABELS.get(kpi, kpi)}
        for strategy, s in result.summary["strategies"].items():
            v = s["kpis"][kpi]
            lo, hi = v["ci95"]
            reached = v.get("reached")
            if v["mean"] is None:
                text = "never within the horizon"
            else:
                text = f"{fmt(v['mean'])} ({fmt(lo)} to {fmt(hi)})"
                if reached is not None and reached < 1:
                    text += f", reached in {reached:.0%}"
            row[charts.strategy_label(sc, strategy)] = text
        rows.append(row)
    return rows


def main() -> None:
    st.title("Compare strategies")
    result = state.last_run()
    if result is None:
        st.info("No results yet: run the scenario with two or more strategies first.")
        st.page_link("ui/pages/run.py", label="Run", icon=":material/play_arrow:")
        return
    exp = result.experiment
    sc = exp.scenario
    strategies = list(exp.runs)
    st.markdown(view.page_text("compare"))
    if len(strategies) < 2:
        st.info("The last run had one strategy; choose two or more on the Run page to compare them.")
        st.page_link("ui/pages/run.py", label="Run", icon=":material/play_arrow:")
        return
    c1, c2 = st.columns([1, 2])
    baseline = c1.selectbox(
        "Baseline", strategies, index=strategies.index("baseline") if "baseline" in strategies else 0,
        format_func=lambda s: charts.strategy_label(sc, s), key="compare_baseline",
    )
    kpis = c2.multiselect(
        "Key figures", list(KPI_LABELS), default=list(COMPARED_KPIS),
        format_func=lambda k: KPI_LABELS[k], key="compare_kpis",
    ) or list(COMPARED_KPIS)
    view.chart(charts.kpi_comparison(result.summary, kpis, sc), "compare-side-by-side")
    st.dataframe(side_by_side(result, kpis), hide_index=True, width="stretch")

    st.subheader(f"Paired difference from {charts.strategy_label(sc, baseline)}")
    others = [s for s in strategies if s != baseline]
    rows = []
    for kpi in kpis:
        diffs = {s: paired_difference(exp, kpi, s, baseline) for s in others}
        view.chart(charts.paired_difference_chart(diffs, kpi, baseline, sc), f"compare-diff-{kpi}")
        for s, d in diffs.items():
            lo, hi = d["ci95"]
            rows.append({"KPI": KPI_LABELS.get(kpi, kpi), "strategy": charts.strategy_label(sc, s),
                         "mean difference": d["mean"], "95% CI low": lo, "95% CI high": hi,
                         "p10": d["p10"], "p50": d["p50"], "p90": d["p90"]})
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={k: st.column_config.NumberColumn(format="%+.1f") for k in
                                ("mean difference", "95% CI low", "95% CI high", "p10", "p50", "p90")})


main()
