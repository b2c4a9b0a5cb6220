"""Languages: every text has a Swedish translation with the same placeholders, the compiled
catalogues match their sources, Swedish formats apply in Swedish, and the command line follows
--lang and LANG."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from sim import i18n, messages
from sim.i18n import using

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{([a-z_0-9]*)[!:}]")


@pytest.fixture(scope="module")
def template():
    return messages.template()


def test_every_text_has_a_swedish_translation(template):
    missing = messages.missing("sv", template)
    assert not missing, (
        f"{len(missing)} text(s) without a Swedish translation (run `make messages`, then translate "
        f"them in {messages.po_path('sv').relative_to(ROOT)}): " + "; ".join(repr(m) for m in missing[:20])
    )


def test_translations_keep_their_placeholders(template):
    po = messages.read_po("sv")
    wrong = []
    for m in template:
        if not m.id:
            continue
        t = po.get(m.id, context=m.context)
        if t is None or not t.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = t.string if isinstance(t.string, tuple) else (t.string,)
        want = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != want:
                wrong.append(f"{ids[0]!r} -> {s!r}")
    assert not wrong, "placeholders differ: " + "; ".join(wrong[:10])


def test_compiled_catalogues_are_up_to_date():
    assert not messages.stale(), "a .mo file is older than its .po: run `make messages` and commit both"


def test_a_missing_translation_is_found(template, tmp_path, monkeypatch):
    """The check itself fails when a text is added without a translation."""
    from babel.messages.catalog import Catalog

    extra = Catalog()
    for m in template:
        extra.add(m.id, context=m.context)
    extra.add("A text nobody translated")
    assert messages.missing("sv", extra) == ["A text nobody translated"]


def test_registry_labels_are_in_the_catalogue(template):
    from sim.labels import registry_msgids

    for label in registry_msgids():
        assert label in template, label


UI_CALLS = {
    "title", "header", "subheader", "caption", "button", "form_submit_button", "download_button",
    "selectbox", "radio", "multiselect", "number_input", "text_input", "text_area", "checkbox",
    "info", "warning", "error", "success", "metric", "page_link", "expander", "toast", "spinner",
    "segmented_control", "time_input", "file_uploader", "tabs", "toggle", "slider", "select_slider",
}


def _bare_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals given straight to a Streamlit element as its label or text."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if name not in UI_CALLS:
            continue
        receiver = node.func.value
        if isinstance(receiver, ast.Name) and receiver.id in ("LOG", "logger", "logging"):
            continue  # the server's log is read by its administrator, in English
        args = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in ("label", "help", "placeholder")]
        for a in args:
            if (isinstance(a, ast.Constant) and isinstance(a.value, str) and re.search(r"[A-Za-z]{3}", a.value)
                    and not a.value.endswith(".py")):
                found.append((a.lineno, a.value))
            if isinstance(a, ast.JoinedStr):
                words = "".join(v.value for v in a.values if isinstance(v, ast.Constant))
                if re.search(r"[A-Za-z]{3}", words):  # not just user text put together
                    found.append((a.lineno, ast.unparse(a)))
            if isinstance(a, ast.List | ast.Tuple):
                found += [(e.lineno, e.value) for e in a.elts
                          if isinstance(e, ast.Constant) and isinstance(e.value, str) and re.search(r"[A-Za-z]{3}", e.value)]
    return found


TRANSLATED: tuple[str, ...] = (
    "app.py", "ui/lang.py", "ui/view.py", "ui/runs.py", "ui/export.py", "ui/pages/scenario.py",
    "ui/pages/run.py", "ui/pages/results.py", "ui/pages/compare.py", "ui/pages/downloads.py",
    "ui/pages/drill.py", "ui/pages/drill_view.py", "ui/pages/participant.py",
)
"""The app's files whose texts all go through the catalogue."""


def test_app_texts_go_through_the_catalogue():
    """A label or message handed to Streamlit as a bare English literal is never translated."""
    bare = []
    for path in [ROOT / p for p in TRANSLATED]:
        for line, text in _bare_literals(ast.parse(path.read_text(encoding="utf-8"))):
            bare.append(f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}")
    assert not bare, "wrap these in _(): " + "; ".join(bare)


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", ("2\u00a0273", "6 dec 06:54", "6,5 dygn", "7,5 h", "23\u00a0%", "+12", "45 min")),
        ("en", ("2,273", "6 Dec 06:54", "6.5 days", "7.5 h", "23%", "+12", "45 min")),
    ],
)
def test_formats(lang, expected):
    with using(lang):
        got = (
            i18n.count(2272.9),
            i18n.clock(datetime(2022, 12, 6, 6, 54)),
            i18n.duration(157),
            i18n.duration(7.5),
            i18n.percent(0.23),
            i18n.number(12.0, signed=True),
            i18n.duration(0.75),
        )
    assert got == expected


def test_missing_values_and_moments():
    start = datetime(2022, 12, 6)
    with using("sv"):
        assert i18n.moment(start, 6.9) == "6 dec 06:54"
        assert i18n.moment(start, float("nan")) == "aldrig"
        assert i18n.moment(start, 30.5, weekday=True) == "ons 7 dec 06:30"
        assert i18n.count(None) == "–"
        assert i18n.number(-0.001, 1) == "0,0"
    with using("en"):
        assert i18n.moment(start, None) == "never"


def test_language_from_the_browser_and_the_environment():
    assert i18n.from_accept_language("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7") == "sv"
    assert i18n.from_accept_language("en-GB,en;q=0.9,sv;q=0.8") == "en"
    assert i18n.from_accept_language("de-DE,sv;q=0.5") == "sv"
    assert i18n.from_accept_language("sv;q=0.2,en;q=0.9") == "en"
    assert i18n.from_accept_language("de-DE,fr") is None
    assert i18n.from_accept_language("") is None
    assert i18n.from_environment({"LANG": "sv_SE.UTF-8"}) == "sv"
    assert i18n.from_environment({"LANG": "C.UTF-8"}) is None
    assert i18n.from_environment({"LANGUAGE": "sv:en", "LANG": "en_US.UTF-8"}) == "sv"
    assert i18n.from_environment({"SIM_LANG": "en", "LANG": "sv_SE.UTF-8"}) == "en"
    assert i18n.from_environment({}) is None


def test_the_language_is_per_context():
    with using("sv"):
        assert i18n._("mean") == "medel"
        with using("en"):
            assert i18n._("mean") == "mean"
        assert i18n.language() == "sv"
    assert i18n._("Cancelled planned visits") in ("Cancelled planned visits", "Inställda planerade besök")


# --------------------------------------------------------------------------- the command line


def _sim(*args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("SIM_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    environ.update(env)
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_cli_follows_lang_and_the_option():
    scenario = "scenarios/vgr-login-2022.yaml"
    sv = _sim("run", scenario, "-n", "3", "--executor", "serial", LANG="sv_SE.UTF-8")
    assert sv.returncode == 0, sv.stderr
    assert "Inställda planerade besök" in sv.stdout and "95 % KI" in sv.stdout
    en = _sim("--lang", "en", "run", scenario, "-n", "3", "--executor", "serial", LANG="sv_SE.UTF-8")
    assert "Cancelled planned visits" in en.stdout and "Inställda" not in en.stdout
    sv2 = _sim("--lang", "sv", "validate", scenario, LANG="C.UTF-8")
    assert sv2.stdout.strip() == f"{scenario}: ok"
    bad = _sim("--lang", "xx", "validate", scenario, LANG="C.UTF-8")
    assert bad.returncode == 2 and "--lang must be one of en, sv" in bad.stderr
