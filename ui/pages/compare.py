"""Compare page: strategies side by side with confidence intervals, and each strategy's paired
difference from a chosen baseline; a moment reached in few runs is marked, and a difference
resting on too few pairs reads "too few runs"."""

from __future__ import annotations

from typing import Any

import streamlit as st

from sim import charts, values
from sim.engine.windows import WINDOWED_KPIS
from sim.experiments import paired_difference
from sim.experiments.cuts import Cut, paired
from sim.experiments.report import KPI_LABELS
from sim.i18n import _
from sim.reports.html import COMPARED_KPIS
from ui import cut, state, view


def side_by_side(result: state.RunResult, kpis: list[str], summary: dict[str, Any] | None = None) -> list[dict[str, str]]:
    sc = result.experiment.scenario
    rows = []
    for kpi in kpis:
        row = {_("KPI"): values.label(kpi)}
        for strategy, s in (summary or result.summary)["strategies"].items():
            v = s["kpis"][kpi]
            lo, hi = v["ci95"]
            text = values.mean_text(kpi, v, sc.start)
            if v["mean"] is not None and lo is not None:
                text += " · " + _("95% CI") + " " + values.interval(kpi, lo, hi, sc.start)
            row[charts.strategy_label(sc, strategy)] = text
        rows.append(row)
    return rows


def difference_rows(kpi: str, diffs: dict[str, dict], sc) -> list[dict[str, str]]:
    rows = []
    for s, d in diffs.items():
        few = values.too_few_pairs(d)
        rows.append({
            _("KPI"): values.label(kpi), _("strategy"): charts.strategy_label(sc, s),
            _("mean difference (95% CI)"): values.difference_text(kpi, d),
            "p10": "–" if few else values.difference(kpi, d["p10"]),
            "p50": "–" if few else values.difference(kpi, d["p50"]),
            "p90": "–" if few else values.difference(kpi, d["p90"]),
            _("pairs"): str(d.get("pairs", "")),
        })
    return rows


def differences(result: state.RunResult, kpi: str, others: list[str], baseline: str,
                chosen: Cut | None) -> dict[str, dict[str, Any]]:
    """Each strategy's paired difference from the baseline on one KPI, within the cut for the
    counts and bed-days."""
    exp = result.experiment
    if chosen is not None and kpi in WINDOWED_KPIS:
        return {s: paired(exp.runs[s], exp.runs[baseline], kpi, chosen) for s in others}
    return {s: paired_difference(exp, kpi, s, baseline) for s in others}


def main() -> None:
    st.title(_("Compare strategies"))
    result = view.last_results(_("No results yet: run the scenario with two or more strategies first."))
    if result is None:
        return
    exp = result.experiment
    sc = exp.scenario
    strategies = list(exp.runs)
    st.markdown(view.page_text("compare"))
    if len(strategies) < 2:
        view.to_the_run_page(_("The last run had one strategy; choose two or more on the Run page to compare them."))
        return
    c1, c2 = st.columns([1, 2])
    baseline = c1.selectbox(
        _("Baseline"), strategies, index=strategies.index("baseline") if "baseline" in strategies else 0,
        format_func=view.strategy_names(sc).get, key="compare_baseline",
    )
    kpis = c2.multiselect(
        _("Key figures"), list(KPI_LABELS), default=list(COMPARED_KPIS),
        format_func={k: values.label(k) for k in KPI_LABELS}.get, key="compare_kpis",
    ) or list(COMPARED_KPIS)
    chosen = cut.choose(result, "compare")
    summary = cut.summary(result, chosen)
    st.caption(cut.caption(result, chosen))
    view.chart(charts.kpi_comparison(summary, kpis, sc), "compare-side-by-side")
    st.dataframe(side_by_side(result, kpis, summary), hide_index=True, width="stretch")
    cut.downloads(result, summary, "compare")

    st.subheader(_("Paired difference from {baseline}").format(baseline=charts.strategy_label(sc, baseline)))
    others = [s for s in strategies if s != baseline]
    rows = []
    for kpi in kpis:
        diffs = differences(result, kpi, others, baseline, chosen)
        view.chart(charts.paired_difference_chart(diffs, kpi, baseline, sc), f"compare-diff-{kpi}")
        rows += difference_rows(kpi, diffs, sc)
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(_("A difference resting on fewer than {n} pairs (runs in which both strategies reached the "
                 "moment), or on fewer than half of the runs, is shown as \"too few runs\".").format(n=values.MIN_PAIRS))


main()
