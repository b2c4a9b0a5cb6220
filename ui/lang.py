"""The app's language: from the browser's Accept-Language on a session's first page, switchable
in the sidebar, and kept in the session. `activate()` sets it for sim's texts and formats; the
app calls it at the top of every script run and in every callback (a callback runs before the
script, in a thread of its own)."""

from __future__ import annotations

import streamlit as st

from sim.i18n import DEFAULT, LANGUAGES, from_accept_language, set_language

CHOSEN = "ui_language"
"""Session state: the language of this browser session."""
SWITCH = "ui_language_switch"
SWITCH_LABEL = "Språk · Language"  # in both languages: the one place a person finds either


def browser_language() -> str:
    """The language the browser asks for (Accept-Language, then the browser's locale)."""
    try:
        header = st.context.headers.get("Accept-Language")
    except Exception:  # no request behind the session (AppTest)
        header = None
    try:
        locale = st.context.locale
    except Exception:
        locale = None
    return from_accept_language(header) or from_accept_language(locale) or DEFAULT


def current() -> str:
    if CHOSEN not in st.session_state:
        st.session_state[CHOSEN] = browser_language()
    return st.session_state[CHOSEN]


def activate() -> str:
    """Set this session's language for the texts and formats of this script run or callback."""
    return set_language(current())


def _switched() -> None:
    choice = st.session_state.get(SWITCH)
    if choice in LANGUAGES:
        st.session_state[CHOSEN] = choice
    activate()


def switch() -> None:
    """The language switch in the sidebar."""
    lang = current()
    st.session_state[SWITCH] = lang  # the widget follows the session's choice on every page
    st.sidebar.segmented_control(
        SWITCH_LABEL, list(LANGUAGES), format_func=LANGUAGES.get, key=SWITCH, on_change=_switched,
    )
