"""The assumed numbers in the app: on the Scenario page, each one with its range and whether it is
evidence-based; on the Results page, the bands with and without assumption uncertainty and which
assumptions drive the spread."""

from __future__ import annotations

from typing import Any

import streamlit as st

from sim import values
from sim.i18n import _
from sim.scenario.against_evidence import AssumedNumber, assumed_numbers
from sim.scenario.explain_assumed import flag_text, range_text, verdict_text
from sim.scenario.model import Scenario
from sim.vocabulary import TABLE_KPIS
from ui import view


def where(n: AssumedNumber, scenario_file: str) -> str:
    if n.line is None:
        return ""
    if n.file == scenario_file:
        return _("line {line}").format(line=n.line)
    return _("{file} line {line}").format(file=n.file, line=n.line)


def assumed_rows(scenario: Scenario) -> list[dict[str, str]]:
    """One row per assumed number: field, line, value or range, evidence, check."""
    main = scenario.field_line("")[0]
    rows = []
    for n in assumed_numbers(scenario):
        written = range_text(n.range) if n.range is not None else f"{n.value:.3g}"
        rows.append({
            _("field"): n.path,
            _("where"): where(n, main),
            _("value or range"): written,
            _("evidence-based"): n.evidence if n.evidence else _("no, assumed"),
            _("check"): flag_text(n) if n.flagged else _("in line with the evidence") if n.verdicts else "",
            _("drawn each replication"): _("yes") if n.range is not None else _("no, one value"),
            _("evidence ranges"): "; ".join(verdict_text(v) for v in n.verdicts),
        })
    return rows


def scenario_tab(scenario: Scenario) -> None:
    """The Scenario page's tab "Assumed numbers"."""
    rows = assumed_rows(scenario)
    if not rows:
        st.info(_("No number of this scenario is written as a range, and none is one the reference "
                  "ranges are meant for."))
        return
    flagged = [r for r in rows if r[_("check")] and r[_("check")] != _("in line with the evidence")]
    st.markdown(_("Numbers written as a range are drawn once per replication, so the results carry "
                  "their uncertainty. Each is checked against the reference ranges (docs/reference-ranges.md) "
                  "meant for its field."))
    if flagged:
        st.warning(_("{n} of {total} numbers lie outside the evidence range: say where they come from, "
                     "or cite the evidence with `{{evidence: NAME}}`.").format(n=len(flagged), total=len(rows)))
    st.dataframe(rows, hide_index=True, width="stretch")


def spread_rows(result: Any, strategy: str) -> list[dict[str, str]]:
    """p10-p90 of each KPI with and without assumption uncertainty (the same seeds)."""
    summary = result.summary
    sc = result.experiment.scenario
    fixed = (summary.get("without_assumption_uncertainty") or {}).get(strategy)
    with_ranges = summary["strategies"][strategy]["kpis"]
    if fixed is None:
        return []
    rows = []
    for k in TABLE_KPIS:
        stats, alone = with_ranges.get(k), fixed["kpis"].get(k)
        if stats is None or alone is None or stats.get("p10") is None:
            continue
        if stats["p10"] == stats["p90"] and alone["p10"] == alone["p90"]:
            continue  # a KPI that does not vary in this run
        rows.append({
            _("KPI"): values.label(k),
            _("p10 to p90 with the ranges"): values.interval(k, stats["p10"], stats["p90"], sc.start),
            _("p10 to p90 by chance alone"): values.interval(k, alone["p10"], alone["p90"], sc.start),
        })
    return rows


def results_section(result: Any, strategy: str, kind: str | None) -> None:
    """The Results page's section on assumption uncertainty (nothing when the run had none)."""
    from sim import assumption_charts

    exp = result.experiment
    summary = result.summary["strategies"].get(strategy, {})
    shares = summary.get("assumption_shares")
    if strategy not in exp.fixed_runs and not shares:
        return
    st.subheader(_("Assumptions and chance"))
    st.markdown(view.page_text("assumptions"))
    if strategy in exp.fixed_runs:
        view.chart(assumption_charts.bands_with_and_without(exp, strategy, "cancelled_planned", kind),
                   "results-assumption-bands")
        st.dataframe(spread_rows(result, strategy), hide_index=True, width="stretch")
    if shares:
        kpis = list(shares)
        kpi = st.selectbox(_("KPI whose spread is split by assumption"), kpis, format_func=values.label,
                           key="results_shares_kpi")
        view.chart(assumption_charts.variance_shares(shares[kpi], kpi), "results-assumption-shares")
    else:
        st.caption(_("Too few replications, or no KPI that varies, to say which assumptions drive the spread."))
