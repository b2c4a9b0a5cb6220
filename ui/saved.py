"""The Scenario page's saved scenarios: save what is in the editor as a new version under a name,
list this browser's scenarios and their versions, open or delete one. Names and notes are shown
only through widgets that print text as text (selectbox, dataframe), never as markdown."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from sim.i18n import _, count
from sim.scenario_store import MAX_NAME, MAX_NOTE, SavedError, ScenarioStore
from ui import owner, state
from ui.settings import LIMITS

CONFIRM_DELETE = "saved_confirm_delete"


def store() -> ScenarioStore:
    return ScenarioStore()


def default_name(choice: state.ScenarioChoice) -> str:
    if choice.scenario is not None:
        return choice.scenario.name
    return choice.name.rsplit("/", 1)[-1].removesuffix(" (edited)").removesuffix(".yaml")


def save_form(choice: state.ScenarioChoice, text: str) -> None:
    with st.form("saved_save", clear_on_submit=False, border=False):
        c1, c2 = st.columns([2, 3])
        name = c1.text_input(_("Save under the name"), value=default_name(choice), max_chars=MAX_NAME,
                             key="saved_name")
        note = c2.text_input(_("What changed (optional)"), max_chars=MAX_NOTE, key="saved_note")
        pressed = st.form_submit_button(_("Save this version"), icon=":material/save:")
    if not pressed:
        return
    valid = choice.ok if text == choice.text else state.validate(text, choice.name, "edit", choice.files).ok
    try:
        sid, version = store().save(owner.ensure(), name, text, files=dict(choice.files), note=note, valid=valid,
                                    max_bytes=LIMITS.max_upload_bytes)
    except SavedError as exc:
        st.error(str(exc))
        return
    st.session_state["saved_pick"] = sid
    st.success(_("Saved as version {version}.").format(version=version)
               + ("" if valid else " " + _("It has problems; they are saved with it, to fix later.")))


def version_label(v) -> str:
    status = _("valid") if v.valid else _("has problems")
    parts = [_("version {n}").format(n=v.version), v.saved_at.replace("T", " ").removesuffix("Z") + " UTC", status]
    if v.note:
        parts.append(v.note)
    return " · ".join(parts)


def open_form(on_open: Callable[[state.ScenarioChoice], None]) -> None:
    key = owner.current()
    if key is None:
        st.caption(_("Nothing saved from this browser yet."))
        return
    try:
        mine = store().list(key)
    except SavedError as exc:
        st.error(str(exc))
        return
    if not mine:
        st.caption(_("Nothing saved from this browser yet."))
        return
    by_id = {s.id: s for s in mine}
    if st.session_state.get("saved_pick") not in by_id:
        st.session_state["saved_pick"] = mine[0].id
    c1, c2 = st.columns(2)
    sid = c1.selectbox(_("Saved scenario"), list(by_id), key="saved_pick", format_func=lambda i: _(
        "{name} ({n} versions)").format(name=by_id[i].name, n=count(by_id[i].versions)))
    versions = {v.version: v for v in store().versions(key, sid)}
    version = c2.selectbox(_("Version"), list(versions), format_func=lambda n: version_label(versions[n]),
                           key=f"saved_version_{sid}")
    b1, b2 = st.columns(2)
    if b1.button(_("Open this version"), key="saved_open", icon=":material/file_open:"):
        try:
            opened = store().open(key, sid, version)
        except SavedError as exc:
            st.error(str(exc))
            return
        name = f"{opened.name} v{opened.version}.yaml"
        on_open(state.validate(opened.text, name, "saved", opened.files))
        st.rerun()
    if b2.button(_("Delete this scenario and all its versions"), key="saved_delete", icon=":material/delete:"):
        st.session_state[CONFIRM_DELETE] = sid
    if st.session_state.get(CONFIRM_DELETE) == sid:
        st.warning(_("Delete {name} and its {n} versions? This cannot be undone.").format(
            name=by_id[sid].name, n=count(by_id[sid].versions)))
        y, n = st.columns(2)
        if y.button(_("Yes, delete it"), key="saved_delete_yes", type="primary"):
            store().delete(key, sid)
            st.session_state.pop(CONFIRM_DELETE, None)
            st.rerun()
        if n.button(_("No, keep it"), key="saved_delete_no"):
            st.session_state.pop(CONFIRM_DELETE, None)
            st.rerun()


def key_form() -> None:
    key = owner.current()
    st.caption(_("Your saved scenarios belong to this browser's key. To open them on another computer, "
                 "type the key in there. Keep it to yourself: it opens your scenarios."))
    if key is not None:
        st.code(key, language=None)
    with st.form("saved_key", clear_on_submit=True, border=False):
        typed = st.text_input(_("A key from another computer"), type="password", max_chars=64, key="saved_key_in")
        if st.form_submit_button(_("Use this key")):
            if owner.use(typed):
                st.rerun()
            st.error(_("That is not a key for saved scenarios."))


def section(choice: state.ScenarioChoice, text: str, on_open: Callable[[state.ScenarioChoice], None]) -> None:
    """Saved scenarios, under the editor."""
    with st.expander(_("Saved scenarios"), icon=":material/history:"):
        save_form(choice, text)
        st.divider()
        open_form(on_open)
        with st.popover(_("Use on another computer")):
            key_form()
    owner.write_cookie()
