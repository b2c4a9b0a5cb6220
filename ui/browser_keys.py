"""The drills this browser created: their ids and facilitator keys, kept in a cookie of this
browser (the server keeps no keys), so that the Drill page can list them again after a reload or
a restart of the server. Nothing else lists drills to a visitor without the organiser password.

The cookie is written by a few lines of JavaScript in the page (SameSite=Strict, Secure over
https) and read from the request when a session starts (st.context.cookies).
"""

from __future__ import annotations

import streamlit as st

from sim.drill.access import valid_drill_id, valid_key

COOKIE = "outage_drill_keys"
MAX_REMEMBERED = 50
"""Most drills a browser remembers (the newest are kept; a cookie holds about 4 KB)."""
MAX_AGE_S = 180 * 24 * 3600
_SESSION = "browser_drill_keys"
_SEPARATOR, _PAIR = ".", ":"

_WRITE_JS = """
export default function(component) {
  const { data } = component;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = data.name + "=" + data.value + "; Path=/; Max-Age=" + data.max_age
    + "; SameSite=Strict" + secure;
}
"""
_writer = None


def _parse(text: str | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in (text or "").split(_SEPARATOR)[: MAX_REMEMBERED * 2]:
        drill_id, _, key = item.partition(_PAIR)
        if valid_drill_id(drill_id) and valid_key(key) and drill_id not in {d for d, _k in pairs}:
            pairs.append((drill_id, key))
    return pairs[:MAX_REMEMBERED]


def remembered() -> list[tuple[str, str]]:
    """(drill id, facilitator key) of the drills this browser created, newest first."""
    if _SESSION not in st.session_state:
        try:
            cookie = st.context.cookies.get(COOKIE)
        except Exception:  # no request behind the session (a test harness)
            cookie = None
        st.session_state[_SESSION] = _parse(cookie)
    return list(st.session_state[_SESSION])


def remember(drill_id: str, key: str) -> None:
    pairs = [(drill_id, key), *((d, k) for d, k in remembered() if d != drill_id)]
    st.session_state[_SESSION] = pairs[:MAX_REMEMBERED]


def forget(drill_id: str) -> None:
    st.session_state[_SESSION] = [(d, k) for d, k in remembered() if d != drill_id]


def write_cookie() -> None:
    """Put this session's list into the browser's cookie (call on every run of the page, so that
    a rerun right after a change cannot lose it)."""
    global _writer
    if _writer is None:
        _writer = st.components.v2.component("outage_drill_keys_cookie", js=_WRITE_JS)
    value = _SEPARATOR.join(f"{d}{_PAIR}{k}" for d, k in remembered())
    _writer(key="drill_keys_cookie", data={"name": COOKIE, "value": value, "max_age": MAX_AGE_S})
