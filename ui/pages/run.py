"""Run page: replications, seed, strategies and executor; a progress bar; the run is kept in the
session under the scenario's content and the settings, so asking again shows it at once."""

from __future__ import annotations

import streamlit as st

from sim import charts
from sim.experiments.report import fmt
from sim.vocabulary import kpi_label
from ui import runs, state, view
from ui.settings import LIMITS

SETTINGS = "run_settings"
HEADLINE_KPIS = ("cancelled_planned", "time_to_full_operation_h")


def headline(result: state.RunResult) -> None:
    exp = result.experiment
    s = result.summary
    st.subheader("Headline")
    cols = st.columns(max(1, len(s["strategies"])))
    for col, (strategy, v) in zip(cols, s["strategies"].items(), strict=False):
        k = v["kpis"]
        col.markdown(f"**{charts.strategy_label(exp.scenario, strategy)}**")
        for name in HEADLINE_KPIS:
            col.metric(kpi_label(name), fmt(k[name]["mean"]))
    view.chart(charts.cancelled_over_time(exp), "run-cancelled")
    links = st.columns(3)
    links[0].page_link("ui/pages/results.py", label="All results", icon=":material/monitoring:")
    links[1].page_link("ui/pages/compare.py", label="Compare strategies", icon=":material/compare_arrows:")
    links[2].page_link("ui/pages/downloads.py", label="Downloads", icon=":material/download:")


def main() -> None:
    st.title("Run")
    choice = state.current_scenario()
    if not choice.ok:
        st.warning("The scenario has problems; fix them first.")
        st.page_link("ui/pages/scenario.py", label="Scenario", icon=":material/description:")
        return
    sc = choice.scenario
    st.markdown(view.page_text("run"))
    st.caption(f"{sc.title} ({choice.name})")

    options = ["baseline", *(s.id for s in sc.strategies)]
    saved: state.RunSettings | None = st.session_state.get(SETTINGS)
    executors = runs.available_executors()
    with st.form("run_form"):
        c1, c2 = st.columns(2)
        replications = c1.number_input(
            "Replications per strategy", min_value=1, max_value=LIMITS.max_replications,
            value=saved.replications if saved else LIMITS.default_replications, step=10,
            help=f"At most {LIMITS.max_replications:,} on this server.",
        )
        seed = c2.number_input("Seed", min_value=0, max_value=2**31 - 1, value=saved.seed if saved else 0,
                               help="The same seed gives the same numbers.")
        default = [s for s in (saved.strategies if saved else options) if s in options] or ["baseline"]
        strategies = st.multiselect(
            "Strategies", options, default=default,
            format_func=lambda s: charts.strategy_label(sc, s),
        )
        executor = st.selectbox(
            "Executor", executors,
            index=executors.index(saved.executor) if saved and saved.executor in executors else 0,
            format_func=lambda e: f"{e}: {runs.EXECUTOR_HELP[e]}",
        )
        pressed = st.form_submit_button("Run", type="primary", icon=":material/play_arrow:")

    if pressed:
        settings = state.RunSettings(int(replications), int(seed), tuple(strategies), executor)
        st.session_state[SETTINGS] = settings
        key = state.run_key(choice, settings)
        cached = state.cached_run(key)
        if cached is not None:
            state.keep_run(cached, LIMITS.results_kept)
            st.info("Same scenario and settings as an earlier run: its results are shown again.")
        else:
            bar = st.progress(0.0, text="Starting")
            waiting = st.empty()

            def progress(done: int, total: int) -> None:
                waiting.empty()
                bar.progress(done / max(total, 1), text=f"{done:,} of {total:,} replications")

            def on_wait(n: int) -> None:
                waiting.info(f"{n} run(s) are going on on this server; yours starts when one ends.")

            try:
                result = runs.execute(choice, settings, progress=progress, on_wait=on_wait)
            except runs.RunRefused as exc:
                bar.empty()
                st.error(str(exc))
                return
            bar.empty()
            state.keep_run(result, LIMITS.results_kept)
            for note in result.notes:
                st.warning(note)
            st.success(f"Done: {settings.replications * len(settings.strategies):,} replications "
                       f"in {result.wall_s:.1f} s.")

    result = state.last_run()
    if result is not None and result.key[0] == choice.digest:
        headline(result)
    elif result is not None:
        st.info("The results on the other pages are from an earlier version of the scenario.")


main()
