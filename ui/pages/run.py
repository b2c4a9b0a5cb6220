"""Run page: replications, seed, strategies and executor; a progress bar; the run is kept in the
session under the scenario's content and the settings, so asking again shows it at once."""

from __future__ import annotations

import streamlit as st

from sim import charts, values
from sim.engine.engines import ENGINE_HELP, ENGINES
from sim.i18n import _, count, ngettext, number, pgettext
from sim.reports.escape import markdown_cell
from ui import runs, state, view
from ui.settings import LIMITS

SETTINGS = "run_settings"
SETTINGS_FOR = "run_settings_scenario"


def default_strategies(saved: state.RunSettings | None, options: list[str], choice: state.ScenarioChoice) -> list[str]:
    """The strategies chosen last time for this scenario; every strategy of a scenario that has
    not been run yet (a choice made for another scenario does not carry over by id)."""
    same = saved is not None and st.session_state.get(SETTINGS_FOR) == (choice.scenario.name if choice.scenario else None)
    if not same:
        return options
    return [s for s in saved.strategies if s in options] or ["baseline"]
HEADLINE_KPIS = ("cancelled_planned", "time_to_full_operation_h")


def headline(result: state.RunResult) -> None:
    exp = result.experiment
    s = result.summary
    st.subheader(_("Headline"))
    cols = st.columns(max(1, len(s["strategies"])))
    for col, (strategy, v) in zip(cols, s["strategies"].items(), strict=False):
        k = v["kpis"]
        col.markdown(f"**{charts.strategy_label(exp.scenario, strategy)}**")
        for name in HEADLINE_KPIS:
            col.metric(values.label(name), values.mean_text(name, k[name], exp.scenario.start))
    view.chart(charts.cancelled_over_time(exp), "run-cancelled")
    links = st.columns(3)
    links[0].page_link("ui/pages/results.py", label=_("All results"), icon=":material/monitoring:")
    links[1].page_link("ui/pages/compare.py", label=_("Compare strategies"), icon=":material/compare_arrows:")
    links[2].page_link("ui/pages/downloads.py", label=_("Downloads"), icon=":material/download:")


def main() -> None:
    st.title(_("Run"))
    choice = state.current_scenario()
    if not choice.ok:
        st.warning(_("The scenario has problems; fix them first."))
        st.page_link("ui/pages/scenario.py", label=_("Scenario"), icon=":material/description:")
        return
    sc = choice.scenario
    assert sc is not None  # a choice that is ok has its scenario
    st.markdown(view.page_text("run"))
    st.caption(markdown_cell(f"{sc.title} ({choice.name})"))
    if sc.assumptions:
        st.caption(ngettext(
            "This scenario writes {n} number as a range: each strategy also runs with it at its central value, "
            "on the same seeds, to show what the range adds to chance (twice the replications).",
            "This scenario writes {n} numbers as ranges: each strategy also runs with every one at its central "
            "value, on the same seeds, to show what the ranges add to chance (twice the replications).",
            len(sc.assumptions)).format(n=len(sc.assumptions)))

    options = ["baseline", *(s.id for s in sc.strategies)]
    saved: state.RunSettings | None = st.session_state.get(SETTINGS)
    executors = runs.available_executors()
    with st.form("run_form"):
        c1, c2 = st.columns(2)
        replications = c1.number_input(
            _("Replications per strategy"), min_value=1, max_value=LIMITS.max_replications,
            value=saved.replications if saved else LIMITS.default_replications, step=10,
            help=_("At most {limit} on this server.").format(limit=count(LIMITS.max_replications)),
        )
        seed = c2.number_input(_("Seed"), min_value=0, max_value=2**31 - 1, value=saved.seed if saved else 0,
                               help=_("The same seed gives the same numbers."))
        strategies = st.multiselect(
            _("Strategies"), options, default=default_strategies(saved, options, choice),
            format_func=view.strategy_names(sc).get, key=f"run_strategies_{sc.name}",
        )
        executor = st.selectbox(
            _("Executor"), executors,
            index=executors.index(saved.executor) if saved and saved.executor in executors else 0,
            format_func={e: f"{e}: {_(runs.EXECUTOR_HELP[e])}" for e in executors}.get,
        )
        engine = st.selectbox(
            _("Engine"), ENGINES,
            index=ENGINES.index(saved.engine) if saved and saved.engine in ENGINES else 0,
            format_func={e: f"{e}: {_(ENGINE_HELP[e])}" for e in ENGINES}.get, key="run_engine",
        )
        pressed = st.form_submit_button(pgettext("button", "Run"), type="primary", icon=":material/play_arrow:")

    if pressed:
        settings = state.RunSettings(int(replications), int(seed), tuple(strategies), executor, engine=engine)
        st.session_state[SETTINGS] = settings
        st.session_state[SETTINGS_FOR] = sc.name
        key = state.run_key(choice, settings)
        cached = state.cached_run(key)
        if cached is not None:
            state.keep_run(cached, LIMITS.results_kept)
            st.info(_("Same scenario and settings as an earlier run: its results are shown again."))
        else:
            bar = st.progress(0.0, text=_("Starting"))
            waiting = st.empty()

            def progress(done: int, total: int) -> None:
                waiting.empty()
                bar.progress(done / max(total, 1), text=_("{done} of {total} replications").format(
                    done=count(done), total=count(total)))

            def on_wait(n: int) -> None:
                waiting.info(_("{n} run(s) are going on on this server; yours starts when one ends.").format(n=n))

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
            if not result.experiment.partial:
                st.success(_("Done: {n} replications in {seconds} s ({engine} engine).").format(
                    n=count(settings.replications * len(settings.strategies)), seconds=number(result.wall_s, 1),
                    engine=settings.engine))

    last = state.last_run()
    if last is not None and last.key[0] == choice.digest:
        if last.experiment.partial and not pressed:
            st.warning(_(view.PARTIAL))
        headline(last)
    elif last is not None:
        st.info(_("The results on the other pages are from an earlier version of the scenario."))


main()
