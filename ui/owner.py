"""Who owns the scenarios saved from this browser: a random owner key kept in a cookie of this
browser (SameSite=Strict, Secure over https), made on the first save. The server keeps only its
digest (sim/scenario_store.py). The key can be shown, and typed in on another computer, to open the
same saved scenarios there."""

from __future__ import annotations

import streamlit as st

from sim.scenario_store import new_owner_key, valid_owner_key

COOKIE = "outage_scenario_owner"
MAX_AGE_S = 365 * 24 * 3600
_SESSION = "scenario_owner_key"

_WRITE_JS = """
export default function(component) {
  const { data } = component;
  if (!data || !data.value) { return; }
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = data.name + "=" + data.value + "; Path=/; Max-Age=" + data.max_age
    + "; SameSite=Strict" + secure;
}
"""
_writer = None


def current() -> str | None:
    """This browser's owner key, or None before its first save."""
    if _SESSION not in st.session_state:
        try:
            cookie = st.context.cookies.get(COOKIE)
        except Exception:  # no request behind the session (a test harness)
            cookie = None
        st.session_state[_SESSION] = cookie if valid_owner_key(cookie) else None
    return st.session_state[_SESSION]


def ensure() -> str:
    """The owner key, made now if this browser has none."""
    key = current()
    if key is None:
        key = new_owner_key()
        st.session_state[_SESSION] = key
    return key


def use(key: str) -> bool:
    """Take a key typed in from another computer; False when it is not one."""
    key = key.strip()
    if not valid_owner_key(key):
        return False
    st.session_state[_SESSION] = key
    return True


def write_cookie() -> None:
    """Put the key into the browser's cookie (every run of the page, so no rerun loses it)."""
    global _writer
    key = current()
    if key is None:
        return
    if _writer is None:
        _writer = st.components.v2.component("outage_scenario_owner_cookie", js=_WRITE_JS)
    _writer(key="scenario_owner_cookie", data={"name": COOKIE, "value": key, "max_age": MAX_AGE_S})
