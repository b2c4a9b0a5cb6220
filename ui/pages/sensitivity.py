"""Sweeps and sensitivity page: a tornado chart of the scenario's uncertain numbers (each at a low
and a high plausible value, the rest as in the file, on the same seeds), and a sweep of one field
over values people choose, one line per strategy. Both run under the server's run slots and time
budget, like the Run page."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import streamlit as st

from sim import values
from sim.experiments import StopRequest
from sim.experiments.sensitivity import SensitivityError, Span, default_spans, run_sensitivity
from sim.experiments.sensitivity import summary as sensitivity_summary
from sim.experiments.sweep import SweepError, parse_set, run_sweep, sweep_rows
from sim.i18n import N_, _, count, number
from sim.reports.escape import markdown_cell
from sim.sensitivity_charts import sweep_lines, tornado
from sim.vocabulary import KPI_NAMES
from ui import lang, runs, state, view
from ui.settings import LIMITS

TORNADO_KPIS = ("cancelled_planned", "time_to_full_operation_h", "time_to_normal_h", "calls_unanswered",
                "lost_capacity_h")
BASIS = {"range": N_("the file's range (p10-p90)"), "evidence": N_("evidence ranges"),
         "assumed": N_("25% either side (assumed)")}
SENS = "sensitivity_result"
SWEEP = "sweep_result"
DEFAULT_REPLICATIONS = 20
MAX_REPLICATIONS = 200


def guarded(work: Any, total_label: str) -> Any:
    """Run `work(progress, stop)` in a run slot within the server's time budget, with a progress
    bar; RunRefused says why it could not."""
    bar = st.progress(0.0, text=_("Starting"))
    waiting = st.empty()
    stop = StopRequest()
    deadline = time.monotonic() + LIMITS.run_budget_s

    def progress(done: int, total: int) -> None:
        waiting.empty()
        bar.progress(done / max(total, 1), text=total_label.format(done=count(done), total=count(total)))
        if time.monotonic() > deadline:
            stop.request()

    def on_wait(n: int) -> None:
        waiting.info(_("{n} run(s) are going on on this server; yours starts when one ends.").format(n=n))

    try:
        with runs.heavy_run_slot(on_wait):
            return work(progress, stop)
    finally:
        bar.empty()


def kept_run(choice: state.ScenarioChoice, slot: str, label: str, key: str, start: Callable[[], Any],
             refused: type[Exception]) -> Any | None:
    """A button that runs `start()` and keeps its result in `slot` for this scenario; the result
    kept for this scenario (None: none yet), with a warning when it is partial."""
    if st.button(label, type="primary", key=key):
        try:
            result = start()
        except (refused, runs.RunRefused) as exc:
            st.error(str(exc))
        else:
            st.session_state[slot] = (choice.digest, result)
    held = st.session_state.get(slot)
    if held is None or held[0] != choice.digest:
        return None
    if held[1].partial:
        st.warning(_(view.PARTIAL))
    return held[1]


def span_rows(spans: list[Span]) -> list[dict[str, Any]]:
    return [{"path": s.path, "value": s.value, "low": s.low, "high": s.high, "basis": _(BASIS[s.basis])}
            for s in spans]


def spans_from(rows: list[dict[str, Any]], defaults: dict[str, Span]) -> list[Span]:
    out = []
    for r in rows:
        path = str(r.get("path") or "").strip()
        if not path:
            continue
        d = defaults.get(path)
        try:
            low, high = float(r["low"]), float(r["high"])
        except (TypeError, ValueError, KeyError):
            raise SensitivityError(_("{path}: write a number as low and as high").format(path=path)) from None
        value = d.value if d else (low + high) / 2
        basis = d.basis if d and (d.low, d.high) == (low, high) else "assumed"
        out.append(Span(path, value, low, high, basis))
    return out


def sensitivity_tab(choice: state.ScenarioChoice) -> None:
    sc = choice.scenario
    assert sc is not None
    st.markdown(_("Each uncertain number is set to a low and then a high plausible value, the rest as in the "
                  "file, on the same seeds: a bar's length is that number's own effect. Edit the values or add "
                  "a field by its path (as a strategy names it)."))
    defaults = {s.path: s for s in default_spans(sc)}
    table = st.data_editor(
        span_rows(list(defaults.values())), num_rows="dynamic", hide_index=True, width="stretch",
        key=f"sensitivity_spans_{choice.digest[:12]}_{lang.current()}",
        column_config={
            "path": st.column_config.TextColumn(_("field"), required=True, max_chars=200),
            "value": st.column_config.NumberColumn(_("in the file"), disabled=True),
            "low": st.column_config.NumberColumn(_("low"), required=True),
            "high": st.column_config.NumberColumn(_("high"), required=True),
            "basis": st.column_config.TextColumn(_("where low and high come from"), disabled=True),
        },
    )
    c1, c2, c3 = st.columns(3)
    strategy = c1.selectbox(_("Strategy"), list(view.strategy_names(sc)), format_func=view.strategy_names(sc).get,
                            key="sensitivity_strategy")
    reps = c2.number_input(_("Replications per value"), 1, MAX_REPLICATIONS, DEFAULT_REPLICATIONS,
                           key="sensitivity_replications")
    seed = c3.number_input(_("Seed"), 0, 2**31 - 1, 0, key="sensitivity_seed")

    def start() -> Any:
        spans = spans_from(list(table) if isinstance(table, list) else table.to_dict("records"), defaults)
        if not spans:
            raise SensitivityError(_("Add at least one number to vary."))
        return guarded(lambda progress, stop: run_sensitivity(
            sc, spans, strategy, int(reps), int(seed), progress=progress, stop=stop),
            _("{done} of {total} replications"))

    result = kept_run(choice, SENS, _("Run the sensitivity"), "sensitivity_run", start, SensitivityError)
    if result is None:
        return
    st.caption(_("{n} numbers, {reps} replications at each value, seed {seed}, in {seconds} s").format(
        n=len(result.spans), reps=count(result.replications), seed=result.seed, seconds=number(result.wall_s, 1)))
    kpi = st.selectbox(_("Key figure"), list(TORNADO_KPIS), format_func=values.label, key="sensitivity_kpi")
    view.chart(tornado(result, kpi), f"sensitivity-tornado-{kpi}")
    st.download_button(_("Sensitivity (JSON)"), json.dumps(sensitivity_summary(result, KPI_NAMES), indent=2,
                                                           allow_nan=True), file_name=f"{sc.name}-sensitivity.json",
                       mime="application/json", key="sensitivity_download")


def sweep_tab(choice: state.ScenarioChoice) -> None:
    sc = choice.scenario
    assert sc is not None
    st.markdown(_("Run the scenario at several values of one field, under the strategies you choose, on the "
                  "same seeds. Values are written as in the file, separated by commas: `0.3, 0.5, 0.7` or "
                  "`2h, 6h, 1d`."))
    suggestions = [s.path for s in default_spans(sc)]
    c1, c2 = st.columns([2, 3])
    path = c1.selectbox(_("Field"), suggestions, index=0 if suggestions else None, accept_new_options=True,
                        key="sweep_path", placeholder=_("a field's path, as a strategy names it"))
    text = c2.text_input(_("Values"), key="sweep_values", max_chars=500, placeholder="0.3, 0.5, 0.7")
    c3, c4, c5 = st.columns(3)
    names = view.strategy_names(sc)
    strategies = c3.multiselect(_("Strategies"), list(names), default=["baseline"], format_func=names.get,
                                key="sweep_strategies")
    reps = c4.number_input(_("Replications per value"), 1, MAX_REPLICATIONS, DEFAULT_REPLICATIONS,
                           key="sweep_replications")
    seed = c5.number_input(_("Seed"), 0, 2**31 - 1, 0, key="sweep_seed")

    def start() -> Any:
        if not path or not text.strip():
            raise SweepError(_("Choose a field and write its values."))
        if not strategies:
            raise SweepError(_("Choose at least one strategy."))
        parameter = parse_set(f"{path}={text}")
        return guarded(lambda progress, stop: run_sweep(
            sc, [parameter], strategies, int(reps), int(seed), progress=progress, stop=stop),
            _("{done} of {total} replications"))

    result = kept_run(choice, SWEEP, _("Run the sweep"), "sweep_run", start, SweepError)
    if result is None:
        return
    swept = result.parameters[0].path
    rows = sweep_rows(result)
    kpi = st.selectbox(_("Key figure"), list(KPI_NAMES), format_func=values.label, key="sweep_kpi")
    view.chart(sweep_lines(rows, swept, kpi, sc), f"sweep-{kpi}")
    st.dataframe([
        {swept: r[swept], _("strategy"): names.get(r["strategy"], r["strategy"]),
         _("mean"): values.mean_text(kpi, {"mean": r[f"{kpi}_mean"], "reached": r.get(f"{kpi}_reached")}, sc.start),
         _("95% CI"): values.interval(kpi, r[f"{kpi}_ci95_lo"], r[f"{kpi}_ci95_hi"], sc.start)}
        for r in rows
    ], hide_index=True, width="stretch")


def main() -> None:
    st.title(_("Sweeps and sensitivity"))
    choice = state.current_scenario()
    if not choice.ok:
        st.warning(_("The scenario has problems; fix them first."))
        st.page_link("ui/pages/scenario.py", label=_("Scenario"), icon=":material/description:")
        return
    st.caption(markdown_cell(f"{choice.scenario.title} ({choice.name})" if choice.scenario else choice.name))
    tabs = st.tabs([_("Sensitivity (tornado)"), _("Sweep")], key=f"sensitivity_tabs_{lang.current()}",
                   on_change="rerun")
    with tabs[0]:
        sensitivity_tab(choice)
    with tabs[1]:
        sweep_tab(choice)


main()
