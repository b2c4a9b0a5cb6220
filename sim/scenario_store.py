"""Scenarios edited in the app, kept server-side in SQLite with every saved version, per owner.

An owner is whoever holds an owner key: a random secret the app gives a browser (in a cookie) and
can show to be used on another computer. The store keeps only the key's SHA-256 digest, so the
database alone does not let anyone open another owner's scenarios, and a scenario is listed,
opened or deleted only with its owner's key.

Where: the file named by SIM_SCENARIO_DB, else `scenarios.sqlite` beside the drills in the user's
data folder, made 0700/0600 like the drill database. Limits: a name of at most MAX_NAME
characters, a note of at most MAX_NOTE, a text within the upload limit (the caller's), at most
MAX_SCENARIOS scenarios per owner and MAX_VERSIONS versions per scenario (saving one more than
that is refused with a message saying so: nothing is dropped silently). A saved text is kept as
it was typed, valid or not, so no work is lost; it is shown only through widgets that print text
as text.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .drill.store import StoreError, _prepare_file, data_dir
from .i18n import _, count

ENV_VAR = "SIM_SCENARIO_DB"
MAX_NAME = 120
MAX_NOTE = 500
MAX_SCENARIOS = 200
MAX_VERSIONS = 100
MAX_FILES = 20
KEY_BYTES = 24
BUSY_TIMEOUT_S = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS scenario_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS saved_scenarios (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (owner, name)
);
CREATE TABLE IF NOT EXISTS saved_versions (
    scenario_id TEXT NOT NULL REFERENCES saved_scenarios(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    files_json TEXT NOT NULL DEFAULT '{}',
    note TEXT NOT NULL DEFAULT '',
    valid INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (scenario_id, version)
)
"""


class SavedError(ValueError):
    """A save or an opening refused; the message says why in the user's words, without a path."""


@dataclass(frozen=True)
class SavedScenario:
    id: str
    name: str
    versions: int
    updated_at: str


@dataclass(frozen=True)
class SavedVersion:
    version: int
    note: str
    valid: bool
    saved_at: str
    size: int


@dataclass(frozen=True)
class Opened:
    name: str
    version: int
    text: str
    files: tuple[tuple[str, bytes], ...]


def new_owner_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def valid_owner_key(key: str | None) -> bool:
    return bool(key) and 20 <= len(key or "") <= 64 and all(c.isalnum() or c in "-_" for c in key or "")


def _owner(key: str) -> str:
    if not valid_owner_key(key):
        raise SavedError(_("This browser has no valid key for saved scenarios."))
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def clean_text(text: str, limit: int) -> str:
    """One line, without control characters, at most `limit` characters."""
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join(text.split())[:limit]


def default_path() -> Path:
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else data_dir() / "scenarios.sqlite"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ScenarioStore:
    """Saved scenarios in one SQLite file; each call opens its own connection."""

    def __init__(self, path: str | os.PathLike[str] | None = None):
        self.path = Path(path) if path is not None else default_path()
        if self.path.is_dir():
            raise SavedError(_("{var} names a folder; it must name a file.").format(var=ENV_VAR))
        try:
            _prepare_file(self.path)
        except StoreError as exc:
            raise SavedError(_("The scenario database cannot be opened ({reason}).").format(
                reason=exc.public.split(":")[0])) from None
        with self._connect() as con:
            con.execute("PRAGMA journal_mode = WAL")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise SavedError(_("The scenario database cannot be opened ({reason}).").format(
                reason=type(exc).__name__)) from None
        try:
            con.execute("PRAGMA foreign_keys = ON")
            yield con
        except sqlite3.Error as exc:
            raise SavedError(_("The scenario database failed ({reason}); nothing was saved.").format(
                reason=type(exc).__name__)) from None
        finally:
            con.close()

    def save(self, owner_key: str, name: str, text: str, *, files: Mapping[str, bytes] | None = None,
             note: str = "", valid: bool, max_bytes: int) -> tuple[str, int]:
        """Save `text` as the next version of the owner's scenario `name` (a new scenario when the
        name is new); returns (id, version)."""
        owner = _owner(owner_key)
        name = clean_text(name, MAX_NAME)
        if not name:
            raise SavedError(_("Give the scenario a name to save it under."))
        note = clean_text(note, MAX_NOTE)
        size = len(text.encode("utf-8"))
        files = dict(files or {})
        if size > max_bytes:
            raise SavedError(_("The text is over {limit} bytes, the limit on this server.").format(limit=count(max_bytes)))
        if len(files) > MAX_FILES or sum(len(v) for v in files.values()) > 4 * max_bytes:
            raise SavedError(_("Too many or too large region files to save with it."))
        files_json = json.dumps({k: v.decode("utf-8", errors="replace") for k, v in files.items()}, ensure_ascii=False)
        now = _now()
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                row = con.execute("SELECT id FROM saved_scenarios WHERE owner = ? AND name = ?", (owner, name)).fetchone()
                if row is None:
                    (n,) = con.execute("SELECT COUNT(*) FROM saved_scenarios WHERE owner = ?", (owner,)).fetchone()
                    if n >= MAX_SCENARIOS:
                        raise SavedError(_("You have {n} saved scenarios, the most this server keeps; delete one "
                                           "first.").format(n=count(n)))
                    sid = secrets.token_hex(8)
                    con.execute("INSERT INTO saved_scenarios VALUES (?, ?, ?, ?, ?)", (sid, owner, name, now, now))
                    version = 1
                else:
                    sid = row[0]
                    (last,) = con.execute("SELECT COALESCE(MAX(version), 0) FROM saved_versions WHERE scenario_id = ?",
                                          (sid,)).fetchone()
                    if last >= MAX_VERSIONS:
                        raise SavedError(_("{name} has {n} versions, the most this server keeps; save under a new "
                                           "name.").format(name=name, n=count(last)))
                    version = last + 1
                    con.execute("UPDATE saved_scenarios SET updated_at = ? WHERE id = ?", (now, sid))
                con.execute("INSERT INTO saved_versions VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (sid, version, text, files_json, note, int(valid), now))
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        return sid, version

    def list(self, owner_key: str) -> list[SavedScenario]:
        owner = _owner(owner_key)
        with self._connect() as con:
            rows = con.execute(
                "SELECT s.id, s.name, COUNT(v.version), s.updated_at FROM saved_scenarios s "
                "JOIN saved_versions v ON v.scenario_id = s.id WHERE s.owner = ? "
                "GROUP BY s.id ORDER BY s.updated_at DESC, s.name", (owner,)).fetchall()
        return [SavedScenario(*r) for r in rows]

    def versions(self, owner_key: str, scenario_id: str) -> builtins.list[SavedVersion]:
        owner = _owner(owner_key)
        with self._connect() as con:
            rows = con.execute(
                "SELECT v.version, v.note, v.valid, v.saved_at, LENGTH(CAST(v.text AS BLOB)) FROM saved_versions v "
                "JOIN saved_scenarios s ON s.id = v.scenario_id WHERE s.owner = ? AND s.id = ? "
                "ORDER BY v.version DESC", (owner, scenario_id)).fetchall()
        return [SavedVersion(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    def open(self, owner_key: str, scenario_id: str, version: int | None = None) -> Opened:
        owner = _owner(owner_key)
        with self._connect() as con:
            row = con.execute(
                "SELECT s.name, v.version, v.text, v.files_json FROM saved_versions v "
                "JOIN saved_scenarios s ON s.id = v.scenario_id WHERE s.owner = ? AND s.id = ? "
                + ("AND v.version = ? " if version is not None else "")
                + "ORDER BY v.version DESC LIMIT 1",
                (owner, scenario_id, *((version,) if version is not None else ()))).fetchone()
        if row is None:
            raise SavedError(_("No such saved scenario or version for this browser."))
        files = tuple(sorted((k, v.encode("utf-8")) for k, v in json.loads(row[3]).items()))
        return Opened(row[0], row[1], row[2], files)

    def delete(self, owner_key: str, scenario_id: str) -> None:
        owner = _owner(owner_key)
        with self._connect() as con:
            con.execute("DELETE FROM saved_scenarios WHERE owner = ? AND id = ?", (owner, scenario_id))
