"""An unexpected error in the app: a short message with a reference, no server path, no
traceback on the page; the traceback in the server's log under the same reference."""

from __future__ import annotations

import logging
from pathlib import Path

from streamlit.testing.v1 import AppTest

import sim.charts

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SECRET_PATH = "/srv/region/private/drills.sqlite3"


def test_an_unexpected_error_is_short_and_logged(monkeypatch, caplog):
    monkeypatch.delenv("SIM_DEBUG")

    def broken(*_args, **_kwargs):
        raise RuntimeError(f"cannot open {SECRET_PATH}")

    monkeypatch.setattr(sim.charts, "dependency_graph", broken)
    with caplog.at_level(logging.ERROR, logger="outage_drill_sim.app"):
        at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "Something went wrong on the server (RuntimeError)" in shown
    assert SECRET_PATH not in shown and "Traceback" not in shown
    reference = shown.split("logged as ")[1].split(":")[0]
    record = next(r for r in caplog.records if reference in r.getMessage())
    assert record.exc_info and SECRET_PATH in str(record.exc_info[1])


def test_with_sim_debug_the_error_is_raised(monkeypatch):
    monkeypatch.setattr(sim.charts, "dependency_graph", lambda *a, **k: 1 / 0)
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert at.exception  # raised to Streamlit, whose own details are off (.streamlit/config.toml)
    assert not any("Something went wrong" in e.value for e in at.error)
