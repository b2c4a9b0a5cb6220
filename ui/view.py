"""Small helpers the pages share: page text from markdown files, charts, and scenario tables, in
the session's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from sim.i18n import N_, _, count, language, moment, number, percent
from sim.reports.escape import safe_figure
from sim.scenario.model import Scenario
from sim.vocabulary import kind_description

TEXT_DIR = Path(__file__).resolve().parent / "text"
PARTIAL = N_("The run was stopped early: these results are partial.")
CHART_CONFIG = {"displaylogo": False}


def page_text(name: str) -> str:
    """The markdown of ui/text/LANG/NAME.md, or ui/text/NAME.md in English (text for people
    lives in text files)."""
    translated = TEXT_DIR / language() / f"{name}.md"
    path = translated if translated.exists() else TEXT_DIR / f"{name}.md"
    return path.read_text(encoding="utf-8")


class Flash:
    """A message a change leaves for the rerun it causes, shown once: `flash("success", text)`
    before the rerun, `flash.show()` on the page after it."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, kind: str, message: str) -> None:
        st.session_state[self.key] = (kind, message)

    def show(self) -> None:
        kind, message = st.session_state.pop(self.key, (None, None))
        if kind is not None:
            getattr(st, kind)(message)


def to_the_run_page(message: str) -> None:
    """Why there is nothing to show yet, and a link to the Run page."""
    st.info(message)
    st.page_link("ui/pages/run.py", label=_("Run"), icon=":material/play_arrow:")


def last_results(none_yet: str) -> Any | None:
    """The last run's results (a warning above them when they are partial), or None after
    `none_yet` and a link to the Run page."""
    from ui import state

    result = state.last_run()
    if result is None:
        to_the_run_page(none_yet)
    elif result.experiment.partial:
        st.warning(_(PARTIAL))
    return result


def chart(fig: Any, key: str) -> None:
    # theme=None: the same look as in the HTML report
    st.plotly_chart(safe_figure(fig), key=key, config=CHART_CONFIG, width="stretch", theme=None)


def strategy_names(scenario: Scenario) -> dict[str, str]:
    """Each strategy's name in the session's language, for a widget's format_func (named now,
    not when the widget asks)."""
    from sim.charts import strategy_label

    ids = ["baseline", *(s.id for s in scenario.strategies)]
    return {s: strategy_label(scenario, s) for s in ids}


def units_table(scenario: Scenario) -> list[dict[str, Any]]:
    rows = []
    for u in scenario.region.units:
        needs = [d.system if d.effect == "stop" else _("{system} ({share} without)").format(
            system=d.system, share=percent(d.remaining)) for d in u.depends_on]
        rows.append({
            _("unit"): u.name,
            _("kind"): kind_description(u.kind),
            _("units"): u.count,
            _("planned visits/day (each)"): number(u.planned.visits_per_day if u.planned else 0, 1),
            _("acute arrivals/day (each)"): number(u.acute.arrivals_per_day if u.acute else 0, 1),
            _("beds (each)"): u.beds.beds if u.beds else 0,
            _("needs"): ", ".join(needs),
        })
    return rows


def phone_table(scenario: Scenario) -> list[dict[str, Any]]:
    return [
        {_("line"): p.name, _("lines"): p.count, _("calls/day (each)"): count(p.calls_per_day),
         _("answering"): p.agents, _("hours"): str(p.opening_hours), _("needs"): ", ".join(d.system for d in p.depends_on)}
        for p in scenario.region.phone_lines
    ]


def strategies_table(scenario: Scenario) -> list[dict[str, Any]]:
    return [
        {"id": s.id, _("name"): s.name, _("what it means"): s.description,
         _("changes"): "; ".join(f"{k} = {v}" for k, v in s.set.items())}
        for s in scenario.strategies
    ]


def timeline_table(scenario: Scenario) -> list[dict[str, Any]]:
    from sim.scenario.explain import expected_timeline

    return [
        {_("expected at"): moment(scenario.start, e.hours, weekday=True), _("what"): e.label, _("how"): e.how}
        for e in expected_timeline(scenario)
    ]


def totals(scenario: Scenario) -> dict[str, float]:
    r = scenario.region
    return {
        _("units"): sum(u.count for u in r.units),
        _("planned visits/day"): sum(u.count * u.planned.visits_per_day for u in r.units if u.planned),
        _("acute arrivals/day"): sum(u.count * u.acute.arrivals_per_day for u in r.units if u.acute),
        _("calls/day"): sum(p.count * p.calls_per_day for p in r.phone_lines),
    }
