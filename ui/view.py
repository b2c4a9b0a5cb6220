"""Small helpers the pages share: page text from markdown files, charts, and scenario tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from sim.scenario.model import Scenario
from sim.vocabulary import UNIT_KIND_NAMES

TEXT_DIR = Path(__file__).resolve().parent / "text"
CHART_CONFIG = {"displaylogo": False}


def page_text(name: str) -> str:
    """The markdown of ui/text/NAME.md (text for people lives in text files)."""
    return (TEXT_DIR / f"{name}.md").read_text(encoding="utf-8")


def chart(fig: Any, key: str) -> None:
    # theme=None: the same look as in the HTML report
    st.plotly_chart(fig, key=key, config=CHART_CONFIG, width="stretch", theme=None)


def units_table(scenario: Scenario) -> list[dict[str, Any]]:
    rows = []
    for u in scenario.region.units:
        rows.append({
            "unit": u.name,
            "kind": UNIT_KIND_NAMES[u.kind],
            "units": u.count,
            "planned visits/day (each)": u.planned.visits_per_day if u.planned else 0,
            "acute arrivals/day (each)": u.acute.arrivals_per_day if u.acute else 0,
            "beds (each)": u.beds.beds if u.beds else 0,
            "needs": ", ".join(
                d.system + ("" if d.effect == "stop" else f" ({d.remaining:.0%} without)") for d in u.depends_on
            ),
        })
    return rows


def phone_table(scenario: Scenario) -> list[dict[str, Any]]:
    return [
        {"line": p.name, "lines": p.count, "calls/day (each)": p.calls_per_day, "answering": p.agents,
         "hours": str(p.opening_hours), "needs": ", ".join(d.system for d in p.depends_on)}
        for p in scenario.region.phone_lines
    ]


def strategies_table(scenario: Scenario) -> list[dict[str, Any]]:
    return [
        {"id": s.id, "name": s.name, "what it means": s.description,
         "changes": "; ".join(f"{k} = {v}" for k, v in s.set.items())}
        for s in scenario.strategies
    ]


def timeline_table(scenario: Scenario) -> list[dict[str, Any]]:
    from sim.scenario.explain import expected_timeline, fmt_time

    return [
        {"expected at": fmt_time(scenario, e.hours), "what": e.label, "how": e.how}
        for e in expected_timeline(scenario)
    ]


def totals(scenario: Scenario) -> dict[str, float]:
    r = scenario.region
    return {
        "units": sum(u.count for u in r.units),
        "planned visits/day": sum(u.count * u.planned.visits_per_day for u in r.units if u.planned),
        "acute arrivals/day": sum(u.count * u.acute.arrivals_per_day for u in r.units if u.acute),
        "calls/day": sum(p.count * p.calls_per_day for p in r.phone_lines),
    }
