"""Drills kept in SQLite (the standard library's sqlite3), so that a drill survives a browser
refresh and a restart of the app, and can be listed, resumed and archived.

Where: the file named by the environment variable SIM_DRILL_DB, else `drills.sqlite` in the
user's data folder (`~/.local/share/outage-drill-sim/` on Linux, `~/Library/Application Support/
outage-drill-sim/` on macOS, `%LOCALAPPDATA%\\outage-drill-sim\\` on Windows). A folder made for
it is made readable by its owner only (0700), and the file is created 0600 (on systems with
POSIX permissions): drills are confidential until they are played.

Access: the keys that open a drill are never stored, only their SHA-256 digests (see access.py,
which decides who may open what). Error messages keep the file's path apart (`StoreError.public`
has none), so that a web page never shows where the database lives.

Exercises: several teams play one scenario side by side. Each team is a drill of its own (its
log, clock, notes, delivered injects, revision and participant key); the `exercises` table holds
them together (title, whether the clock is shared, status, its own revision) with the digest of
the one facilitator key that opens every team. A team may be branched from a moment of another
drill (`branched_from`, `branched_at_h`).

Concurrency: every drill has a revision number. A change names the revision it was made on; if
another browser saved first, the change is refused with DrillChanged and the caller reloads (see
ops.py). The log, the notes and the delivered injects are only ever appended to, and a save that
would drop an entry is refused, so no decision is lost. WAL mode and a busy timeout let several
browsers read while one writes.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import re
import secrets
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..scenario.model import Action, Scenario
from .session import Drill, Entry, Improvement, Note

SCHEMA_VERSION = 3
ENV_VAR = "SIM_DRILL_DB"
APP_DIR = "outage-drill-sim"
BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another writer before it gives up with StoreBusy."""
STATUSES = ("active", "archived")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS drills (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    scenario_name TEXT NOT NULL,
    scenario_title TEXT NOT NULL,
    scenario_source TEXT NOT NULL DEFAULT '',
    scenario_json TEXT NOT NULL,
    seed INTEGER NOT NULL,
    start_h REAL NOT NULL,
    clock_h REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    exercise_id TEXT REFERENCES exercises(id) ON DELETE CASCADE,
    team_id TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,
    branched_from TEXT,
    branched_at_h REAL
);
CREATE TABLE IF NOT EXISTS exercises (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    scenario_name TEXT NOT NULL,
    scenario_title TEXT NOT NULL,
    shared_clock INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    revision INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS exercise_keys (
    exercise_id TEXT NOT NULL REFERENCES exercises(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('facilitator')),
    digest TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (exercise_id, role)
);
CREATE INDEX IF NOT EXISTS drills_by_exercise ON drills (exercise_id, position);
CREATE TABLE IF NOT EXISTS log_entries (
    drill_id TEXT NOT NULL REFERENCES drills(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t_h REAL NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('option', 'skip', 'action')),
    decision TEXT,
    option TEXT,
    action_json TEXT,
    by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (drill_id, seq)
);
CREATE TABLE IF NOT EXISTS notes (
    drill_id TEXT NOT NULL REFERENCES drills(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t_h REAL NOT NULL,
    text TEXT NOT NULL,
    by TEXT NOT NULL DEFAULT '',
    hot_wash INTEGER NOT NULL DEFAULT 0,
    recorded_at TEXT NOT NULL,
    struck_by TEXT NOT NULL DEFAULT '',
    struck_at_h REAL,
    struck_recorded_at TEXT,
    PRIMARY KEY (drill_id, seq)
);
CREATE TABLE IF NOT EXISTS delivered_injects (
    drill_id TEXT NOT NULL REFERENCES drills(id) ON DELETE CASCADE,
    inject_id TEXT NOT NULL,
    t_h REAL NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (drill_id, inject_id)
);
CREATE TABLE IF NOT EXISTS improvements (
    drill_id TEXT NOT NULL REFERENCES drills(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    finding TEXT NOT NULL,
    action TEXT NOT NULL,
    owner TEXT NOT NULL,
    due TEXT NOT NULL,
    PRIMARY KEY (drill_id, seq)
);
CREATE TABLE IF NOT EXISTS drill_keys (
    drill_id TEXT NOT NULL REFERENCES drills(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('facilitator', 'participant')),
    team TEXT NOT NULL DEFAULT '',
    digest TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (drill_id, role, team)
);
"""
TABLES = {"meta", "drills", "log_entries", "notes", "delivered_injects", "improvements", "drill_keys", "exercises",
          "exercise_keys"}
MIGRATIONS = {
    # version 1 -> 2: keys, and struck notes
    2: (
        "ALTER TABLE notes ADD COLUMN struck_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE notes ADD COLUMN struck_at_h REAL",
        "ALTER TABLE notes ADD COLUMN struck_recorded_at TEXT",
    ),
    # version 2 -> 3: exercises of several teams, branched drills
    3: (
        "CREATE TABLE IF NOT EXISTS exercises (id TEXT PRIMARY KEY, title TEXT NOT NULL, scenario_name TEXT NOT NULL, "
        "scenario_title TEXT NOT NULL, shared_clock INTEGER NOT NULL DEFAULT 1, status TEXT NOT NULL DEFAULT "
        "'active' CHECK (status IN ('active', 'archived')), revision INTEGER NOT NULL, created_at TEXT NOT NULL, "
        "updated_at TEXT NOT NULL)",
        "ALTER TABLE drills ADD COLUMN exercise_id TEXT REFERENCES exercises(id) ON DELETE CASCADE",
        "ALTER TABLE drills ADD COLUMN team_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE drills ADD COLUMN position INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE drills ADD COLUMN branched_from TEXT",
        "ALTER TABLE drills ADD COLUMN branched_at_h REAL",
    ),
}
"""Statements that bring a database from the version before to this one (new tables come from
SCHEMA itself)."""
FILE_MODE = 0o600
FOLDER_MODE = 0o700
KeyDigests = dict[tuple[str, str], str]
"""(role, team) -> SHA-256 hex digest of the key."""


class StoreError(RuntimeError):
    """The drill database cannot be used; the message says what to do. `public` is the message
    without the file's path (for web pages); str() adds the path (for logs and the command line)."""

    def __init__(self, message: str, path: str | os.PathLike[str] | None = None):
        self.public = message
        self.path = None if path is None else str(path)
        super().__init__(message if path is None else f"{message} (file: {path})")


class StoreBusy(StoreError):
    """Another program or browser holds the database; nothing was saved, try again."""


class DrillNotFound(StoreError):
    """No drill with that id."""


class DrillChanged(StoreError):
    """Another browser saved the drill first; reload it and apply the change again."""

    def __init__(self, message: str, revision: int):
        super().__init__(message)
        self.revision = revision


def data_dir() -> Path:
    """The user's data folder for this program."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / APP_DIR


def default_path() -> Path:
    """SIM_DRILL_DB if set, else drills.sqlite in the user's data folder."""
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env).expanduser() if env else data_dir() / "drills.sqlite"


@dataclass(frozen=True)
class DrillInfo:
    """A drill as listed: what it is and where it stands."""

    id: str
    title: str
    team: str
    scenario_name: str
    scenario_title: str
    scenario_source: str
    seed: int
    start_h: float
    clock_h: float
    status: str
    revision: int
    created_at: str
    updated_at: str
    exercise_id: str | None = None
    team_id: str = ""
    position: int = 0
    branched_from: str | None = None
    branched_at_h: float | None = None

    @property
    def in_exercise(self) -> bool:
        return self.exercise_id is not None


@dataclass(frozen=True)
class ExerciseInfo:
    """An exercise: several teams playing one scenario side by side."""

    id: str
    title: str
    scenario_name: str
    scenario_title: str
    shared_clock: bool
    status: str
    revision: int
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class NewTeam:
    """A team to store: its id in the exercise, its name, its drill, the digest of its
    participant key, and where it was branched from."""

    team_id: str
    name: str
    drill: Drill
    participant_digest: str
    branched_from: str | None = None
    branched_at_h: float | None = None


@dataclass(frozen=True)
class StoredDrill:
    """A drill loaded from the store, with its revision and the injects recorded as delivered."""

    info: DrillInfo
    drill: Drill
    delivered: tuple[tuple[str, float], ...]

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def revision(self) -> int:
        return self.info.revision


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_SCENARIOS: dict[str, Scenario] = {}


def _scenario_from_json(text: str) -> Scenario:
    key = hashlib.sha256(text.encode()).hexdigest()
    sc = _SCENARIOS.get(key)
    if sc is None:
        sc = Scenario.model_validate(json.loads(text))
        if len(_SCENARIOS) > 32:
            _SCENARIOS.clear()
        _SCENARIOS[key] = sc
    return sc


def _delivered(drill: Drill) -> list[tuple[str, float]]:
    return [(inject.id, t) for t, inject in drill.delivered()]


def _action_json(action: Action | None) -> str | None:
    return None if action is None else json.dumps(action.model_dump(mode="json"))


class DrillStore:
    """The drills in one SQLite file. Each call opens its own connection, so one store can be
    shared by the threads of a web server."""

    def __init__(self, path: str | os.PathLike[str] | None = None, busy_timeout_s: float = BUSY_TIMEOUT_S):
        self.path = Path(path) if path is not None else default_path()
        self.busy_timeout_s = busy_timeout_s
        self._init()

    # ------------------------------------------------------------------ connections
    def _describe(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        low = text.lower()
        if "locked" in low or "busy" in low:
            return StoreBusy(
                f"the drill database is in use by another program or browser "
                f"(waited {self.busy_timeout_s:g} s); nothing was saved, try again",
                self.path,
            )
        if "not a database" in low or "malformed" in low or "corrupt" in low or "disk image" in low:
            return StoreError(
                f"the drill database is not readable ({text}); it may be damaged. "
                f"Move the file aside to start a new one, or set {ENV_VAR} to another file",
                self.path,
            )
        if "unable to open" in low or "readonly" in low or "read-only" in low:
            return StoreError(
                f"cannot open the drill database ({text}); check that its folder exists and can be "
                f"written, or set {ENV_VAR} to another file",
                self.path,
            )
        return StoreError(f"the drill database failed: {text}", self.path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._describe(exc) from None
        try:
            con.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            con.execute("PRAGMA foreign_keys = ON")
            yield con
        except sqlite3.Error as exc:
            raise self._describe(exc) from None
        finally:
            con.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once so that two writers queue instead of deadlocking."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _init(self) -> None:
        if self.path.is_dir():
            raise StoreError(f"{ENV_VAR} names a folder; it must name a file", self.path)
        _prepare_file(self.path)
        with self._connect() as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "meta" not in tables:
                raise StoreError(
                    "the file is an SQLite database but not a drill database (it has other tables); "
                    f"set {ENV_VAR} to another file",
                    self.path,
                )
            if "meta" in tables:
                self._check_version(con, tables)
                return
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            con.execute("COMMIT")

    def _check_version(self, con: sqlite3.Connection, tables: set[str]) -> None:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row[0]) if row and str(row[0]).isdigit() else None
        if version is None:
            raise StoreError("the file is not a drill database (no schema version)", self.path)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the drill database was written by a newer version of the program (drill database "
                f"version {version}, this program knows {SCHEMA_VERSION}); update the program",
                self.path,
            )
        if version < SCHEMA_VERSION:
            self._migrate(con, version)
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not TABLES.issubset(tables):
            raise StoreError("the drill database is missing tables; it may be damaged", self.path)

    def _migrate(self, con: sqlite3.Connection, version: int) -> None:
        """Bring an older database up to this version, in one transaction."""
        con.execute("BEGIN IMMEDIATE")
        try:
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS.get(target, ()):
                    con.execute(statement)
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    # ------------------------------------------------------------------ reading
    def list(self, status: str | None = None, *, teams: bool = True) -> list[DrillInfo]:
        """Drills, most recently changed first; `status` 'active' or 'archived' filters, and
        `teams=False` leaves out the teams of exercises."""
        query = f"SELECT {_INFO_COLUMNS} FROM drills WHERE 1 = 1"
        args: tuple[Any, ...] = ()
        if status is not None:
            query += " AND status = ?"
            args = (status,)
        if not teams:
            query += " AND exercise_id IS NULL"
        with self._connect() as con:
            return [DrillInfo(*row) for row in con.execute(query + " ORDER BY updated_at DESC, id", args)]

    def list_exercises(self, status: str | None = None) -> builtins.list[ExerciseInfo]:
        """Exercises, most recently changed first."""
        query = f"SELECT {_EXERCISE_COLUMNS} FROM exercises"
        args: tuple[Any, ...] = ()
        if status is not None:
            query += " WHERE status = ?"
            args = (status,)
        with self._connect() as con:
            return [_exercise(row) for row in con.execute(query + " ORDER BY updated_at DESC, id", args)]

    def exercise(self, exercise_id: str) -> ExerciseInfo | None:
        """What an exercise is; None for no such exercise."""
        with self._connect() as con:
            row = con.execute(f"SELECT {_EXERCISE_COLUMNS} FROM exercises WHERE id = ?", (exercise_id,)).fetchone()
        return None if row is None else _exercise(row)

    def teams(self, exercise_id: str) -> builtins.list[StoredDrill]:
        """The teams of an exercise, in the order they were added."""
        with self._connect() as con:
            ids = [r[0] for r in con.execute(
                "SELECT id FROM drills WHERE exercise_id = ? ORDER BY position, created_at, id", (exercise_id,))]
            return [self._load(con, drill_id) for drill_id in ids]

    def exercise_key_digest(self, exercise_id: str) -> str | None:
        with self._connect() as con:
            row = con.execute(
                "SELECT digest FROM exercise_keys WHERE exercise_id = ? AND role = 'facilitator'", (exercise_id,)
            ).fetchone()
        return None if row is None else row[0]

    def info(self, drill_id: str) -> DrillInfo | None:
        """What a drill is, without loading it; None for no such drill."""
        with self._connect() as con:
            row = con.execute(f"SELECT {_INFO_COLUMNS} FROM drills WHERE id = ?", (drill_id,)).fetchone()
        return None if row is None else DrillInfo(*row)

    def load(self, drill_id: str) -> StoredDrill:
        with self._connect() as con:
            return self._load(con, drill_id)

    def _load(self, con: sqlite3.Connection, drill_id: str) -> StoredDrill:
        row = con.execute(f"SELECT {_INFO_COLUMNS}, scenario_json FROM drills WHERE id = ?", (drill_id,)).fetchone()
        if row is None:
            raise DrillNotFound(f"no drill {drill_id!r}", self.path)
        info = DrillInfo(*row[:-1])
        try:
            scenario = _scenario_from_json(row[-1])
        except ValueError as exc:
            raise StoreError(f"drill {drill_id!r} holds a scenario that no longer validates: {exc}", self.path) from None
        entries = []
        for t_h, kind, decision, option, action_json, by, note in con.execute(
            "SELECT t_h, kind, decision, option, action_json, by, note FROM log_entries "
            "WHERE drill_id = ? ORDER BY seq",
            (drill_id,),
        ):
            action = Action.model_validate(json.loads(action_json)) if action_json else None
            entries.append(Entry(t_h, kind, decision, option, action, by, note))
        notes = tuple(
            Note(t_h, text, by, bool(hot), struck_by, struck_at_h)
            for t_h, text, by, hot, struck_by, struck_at_h in con.execute(
                "SELECT t_h, text, by, hot_wash, struck_by, struck_at_h FROM notes WHERE drill_id = ? "
                "ORDER BY seq",
                (drill_id,),
            )
        )
        improvements = tuple(
            Improvement(*r)
            for r in con.execute(
                "SELECT finding, action, owner, due FROM improvements WHERE drill_id = ? ORDER BY seq",
                (drill_id,),
            )
        )
        delivered = tuple(
            (i, t)
            for i, t in con.execute(
                "SELECT inject_id, t_h FROM delivered_injects WHERE drill_id = ? ORDER BY t_h, inject_id",
                (drill_id,),
            )
        )
        drill = Drill(scenario, info.seed, info.start_h, info.clock_h, tuple(entries), notes, improvements)
        return StoredDrill(info, drill, delivered)

    # ------------------------------------------------------------------ writing
    def create(
        self, drill: Drill, title: str, team: str = "", source: str = "", key_digests: KeyDigests | None = None,
        *, branched_from: str | None = None, branched_at_h: float | None = None,
    ) -> StoredDrill:
        """Store a new drill, with the digests of the keys that open it (see access.py); returns
        it with its id and revision 1."""
        title, team = _title_and_team(title, team, drill.scenario.title)
        delivered = _delivered(drill)
        for _attempt in range(5):
            drill_id = secrets.token_hex(ID_BYTES)
            try:
                with self._write() as con:
                    self._insert_drill(con, drill_id, drill, title, team, source, delivered,
                                       branched=(branched_from, branched_at_h))
                    self._write_keys(con, drill_id, key_digests or {}, _now())
                return self.load(drill_id)
            except StoreError as exc:
                if "UNIQUE" not in str(exc):
                    raise
        raise StoreError("could not find a free drill id", self.path)

    @staticmethod
    def scenario_json(scenario: Scenario) -> str:
        """How a drill's scenario is kept: its data as JSON."""
        from ..scenario.changes import scenario_data

        return json.dumps(scenario_data(scenario), ensure_ascii=False, sort_keys=True)

    def _insert_drill(
        self, con: sqlite3.Connection, drill_id: str, drill: Drill, title: str, team: str, source: str,
        delivered: builtins.list[tuple[str, float]], *, exercise: tuple[str | None, str, int] = (None, "", 0),
        branched: tuple[str | None, float | None] = (None, None),
    ) -> None:
        now = _now()
        scenario_json = self.scenario_json(drill.scenario)
        # The clock starts at the drill's start; _write_drill moves it to the drill's clock, and
        # writes the log of a branched drill as revision 1.
        con.execute(
            "INSERT INTO drills (id, title, team, scenario_name, scenario_title, scenario_source, "
            "scenario_json, seed, start_h, clock_h, status, revision, created_at, updated_at, exercise_id, team_id, "
            "position, branched_from, branched_at_h) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?, ?, ?, ?, ?, ?)",
            (drill_id, title, team, drill.scenario.name, drill.scenario.title, source, scenario_json, drill.seed,
             drill.start_h, drill.start_h, now, now, *exercise, *branched),
        )
        self._write_drill(con, drill_id, 0, drill, delivered, now)

    def create_exercise(
        self, title: str, teams: builtins.list[NewTeam], *, shared_clock: bool, source: str, facilitator_digest: str,
    ) -> ExerciseInfo:
        """Store a new exercise and its teams in one transaction; every team opens with the
        facilitator key, and each with its own participant key."""
        from .session import MAX_TEAMS

        if not 1 <= len(teams) <= MAX_TEAMS:
            raise StoreError(f"an exercise has 1 to {MAX_TEAMS} teams, not {len(teams)}; nothing was saved")
        scenario = teams[0].drill.scenario
        title, _team = _title_and_team(title, "", scenario.title)
        delivered = [_delivered(t.drill) for t in teams]
        for _attempt in range(5):
            exercise_id = secrets.token_hex(ID_BYTES)
            now = _now()
            try:
                with self._write() as con:
                    con.execute(
                        "INSERT INTO exercises (id, title, scenario_name, scenario_title, shared_clock, status, "
                        "revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', 1, ?, ?)",
                        (exercise_id, title, scenario.name, scenario.title, int(shared_clock), now, now),
                    )
                    con.execute(
                        "INSERT INTO exercise_keys (exercise_id, role, digest, created_at) "
                        "VALUES (?, 'facilitator', ?, ?)",
                        (exercise_id, facilitator_digest, now),
                    )
                    for position, (team, done) in enumerate(zip(teams, delivered, strict=True)):
                        self._insert_team(con, exercise_id, position, team, title, source, facilitator_digest, done)
                info = self.exercise(exercise_id)
                assert info is not None
                return info
            except StoreError as exc:
                if "UNIQUE" not in str(exc):
                    raise
        raise StoreError("could not find a free exercise id", self.path)

    def add_team(self, exercise_id: str, team: NewTeam, source: str = "") -> StoredDrill:
        """Add a team to an exercise (a new one, or one branched from a moment of another drill)."""
        from .session import MAX_TEAMS

        delivered = _delivered(team.drill)
        with self._write() as con:
            row = con.execute("SELECT title FROM exercises WHERE id = ?", (exercise_id,)).fetchone()
            if row is None:
                raise DrillNotFound(f"no exercise {exercise_id!r}", self.path)
            taken = [r[0] for r in con.execute("SELECT team_id FROM drills WHERE exercise_id = ?", (exercise_id,))]
            if team.team_id in taken:
                raise StoreError(f"the exercise already has a team {team.team_id!r}; nothing was saved")
            if len(taken) >= MAX_TEAMS:
                raise StoreError(f"an exercise has at most {MAX_TEAMS} teams; nothing was saved")
            digest = con.execute(
                "SELECT digest FROM exercise_keys WHERE exercise_id = ? AND role = 'facilitator'", (exercise_id,)
            ).fetchone()
            drill_id = self._insert_team(con, exercise_id, len(taken), team, row[0], source,
                                         digest[0] if digest else "", delivered)
            con.execute("UPDATE exercises SET revision = revision + 1, updated_at = ? WHERE id = ?", (_now(), exercise_id))
        return self.load(drill_id)

    def _insert_team(
        self, con: sqlite3.Connection, exercise_id: str, position: int, team: NewTeam, title: str, source: str,
        facilitator_digest: str, delivered: builtins.list[tuple[str, float]],
    ) -> str:
        if not TEAM_ID_PATTERN.fullmatch(team.team_id):
            raise StoreError(f"a team id is lower-case letters, digits, - and _, not {team.team_id!r}; nothing was saved")
        _title, name = _title_and_team(title, team.name, title)
        drill_id = secrets.token_hex(ID_BYTES)
        self._insert_drill(con, drill_id, team.drill, title, name or team.team_id, source, delivered,
                           exercise=(exercise_id, team.team_id, position),
                           branched=(team.branched_from, team.branched_at_h))
        self._write_keys(con, drill_id, {("facilitator", ""): facilitator_digest,
                                         ("participant", ""): team.participant_digest}, _now())
        return drill_id

    def save_many(self, changes: builtins.list[tuple[str, int, Drill]]) -> builtins.list[StoredDrill]:
        """Save several drills in one transaction (a shared clock moved for every team): all or
        none; DrillChanged if any of them was saved by someone else first."""
        now = _now()
        delivered = [_delivered(drill) for _id, _rev, drill in changes]
        with self._write() as con:
            for (drill_id, revision, drill), done in zip(changes, delivered, strict=True):
                self._write_drill(con, drill_id, revision, drill, done, now)
        return [self.load(drill_id) for drill_id, _rev, _drill in changes]

    def set_exercise_status(self, exercise_id: str, revision: int, status: str) -> ExerciseInfo:
        """Archive an exercise (and its teams), or make it active again."""
        if status not in STATUSES:
            raise ValueError(f"status is one of {', '.join(STATUSES)}")
        with self._write() as con:
            row = con.execute("SELECT revision FROM exercises WHERE id = ?", (exercise_id,)).fetchone()
            if row is None:
                raise DrillNotFound(f"no exercise {exercise_id!r}", self.path)
            if row[0] != revision:
                raise DrillChanged(f"the exercise changed in another browser (revision {row[0]}, this one had {revision})", row[0])
            now = _now()
            con.execute("UPDATE exercises SET status = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
                        (status, now, exercise_id))
            con.execute("UPDATE drills SET status = ?, revision = revision + 1, updated_at = ? WHERE exercise_id = ?",
                        (status, now, exercise_id))
        info = self.exercise(exercise_id)
        assert info is not None
        return info

    def set_exercise_keys(self, exercise_id: str, facilitator_digest: str, participant_digests: dict[str, str]) -> None:
        """Replace the keys of an exercise and of every team in it (drill id -> participant
        digest); the old links stop working."""
        now = _now()
        with self._write() as con:
            if con.execute("SELECT 1 FROM exercises WHERE id = ?", (exercise_id,)).fetchone() is None:
                raise DrillNotFound(f"no exercise {exercise_id!r}", self.path)
            con.execute("DELETE FROM exercise_keys WHERE exercise_id = ?", (exercise_id,))
            con.execute("INSERT INTO exercise_keys (exercise_id, role, digest, created_at) VALUES (?, 'facilitator', ?, ?)",
                        (exercise_id, facilitator_digest, now))
            for drill_id, digest in participant_digests.items():
                con.execute("DELETE FROM drill_keys WHERE drill_id = ?", (drill_id,))
                self._write_keys(con, drill_id, {("facilitator", ""): facilitator_digest, ("participant", ""): digest}, now)

    def save(self, drill_id: str, revision: int, drill: Drill) -> StoredDrill:
        """Save `drill` over revision `revision`. Raises DrillChanged if another browser saved
        first, and StoreError if the save would drop a logged decision or note."""
        now = _now()
        delivered = _delivered(drill)  # simulated before the write lock is taken
        with self._write() as con:
            self._write_drill(con, drill_id, revision, drill, delivered, now)
        return self.load(drill_id)

    def set_status(self, drill_id: str, revision: int, status: str) -> StoredDrill:
        if status not in STATUSES:
            raise ValueError(f"status is one of {', '.join(STATUSES)}")
        with self._write() as con:
            self._check_revision(con, drill_id, revision)
            con.execute(
                "UPDATE drills SET status = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
                (status, _now(), drill_id),
            )
        return self.load(drill_id)

    def rename(self, drill_id: str, revision: int, title: str, team: str) -> StoredDrill:
        title, team = _title_and_team(title, team, "Drill")
        with self._write() as con:
            self._check_revision(con, drill_id, revision)
            con.execute(
                "UPDATE drills SET title = ?, team = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
                (title, team, _now(), drill_id),
            )
        return self.load(drill_id)

    def backup(self, target: str | os.PathLike[str]) -> Path:
        """Copy the whole database to `target` (a new file, owner-only like the database),
        consistently even while the app is writing to it (SQLite's online backup)."""
        target = Path(target)
        if target.exists():
            raise StoreError(f"{target} already exists; give the backup a new name")
        if not target.parent.is_dir():
            raise StoreError(f"the folder {target.parent} does not exist; make it first")
        _prepare_file(target)
        try:
            with self._connect() as con:
                out = sqlite3.connect(target)
                try:
                    con.backup(out)
                finally:
                    out.close()
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target

    # ------------------------------------------------------------------ keys
    def key_digests(self, drill_id: str) -> KeyDigests:
        """The digests of the keys that open a drill, by (role, team); empty for no such drill."""
        with self._connect() as con:
            rows = con.execute("SELECT role, team, digest FROM drill_keys WHERE drill_id = ?", (drill_id,))
            return {(role, team): digest for role, team, digest in rows}

    def set_key_digests(self, drill_id: str, digests: KeyDigests) -> None:
        """Replace every key of a drill (the old links stop working)."""
        with self._write() as con:
            if con.execute("SELECT 1 FROM drills WHERE id = ?", (drill_id,)).fetchone() is None:
                raise DrillNotFound(f"no drill {drill_id!r}", self.path)
            con.execute("DELETE FROM drill_keys WHERE drill_id = ?", (drill_id,))
            self._write_keys(con, drill_id, digests, _now())

    @staticmethod
    def _write_keys(con: sqlite3.Connection, drill_id: str, digests: KeyDigests, now: str) -> None:
        for (role, team), digest in digests.items():
            con.execute(
                "INSERT INTO drill_keys (drill_id, role, team, digest, created_at) VALUES (?, ?, ?, ?, ?)",
                (drill_id, role, team, digest, now),
            )

    def delete(self, drill_id: str) -> None:
        with self._write() as con:
            con.execute("DELETE FROM drills WHERE id = ?", (drill_id,))

    def _check_revision(self, con: sqlite3.Connection, drill_id: str, revision: int) -> int:
        row = con.execute("SELECT revision FROM drills WHERE id = ?", (drill_id,)).fetchone()
        if row is None:
            raise DrillNotFound(f"no drill {drill_id!r}", self.path)
        if row[0] != revision:
            raise DrillChanged(
                f"the drill changed in another browser (revision {row[0]}, this one had {revision})",
                row[0],
            )
        return row[0]

    def _write_drill(
        self, con: sqlite3.Connection, drill_id: str, revision: int, drill: Drill,
        delivered: builtins.list[tuple[str, float]], now: str,
    ) -> None:
        self._check_revision(con, drill_id, revision)
        stored = self._load(con, drill_id).drill
        if drill.entries[: len(stored.entries)] != stored.entries:
            raise StoreError(
                f"drill {drill_id!r}: this change would drop or alter logged decisions; nothing was saved"
            )
        kept = drill.notes[: len(stored.notes)]
        if len(kept) < len(stored.notes) or any(a.unstruck() != b.unstruck() for a, b in zip(kept, stored.notes, strict=True)):
            raise StoreError(f"drill {drill_id!r}: this change would drop or alter notes; nothing was saved")
        if any(b.struck and a != b for a, b in zip(kept, stored.notes, strict=True)):
            raise StoreError(f"drill {drill_id!r}: a struck note stays struck; nothing was saved")
        if drill.clock_h < stored.clock_h - 1e-9:
            raise StoreError(f"drill {drill_id!r}: the clock cannot go back; nothing was saved")
        for seq, (a, b) in enumerate(zip(kept, stored.notes, strict=True)):
            if a.struck and not b.struck:
                con.execute(
                    "UPDATE notes SET struck_by = ?, struck_at_h = ?, struck_recorded_at = ? "
                    "WHERE drill_id = ? AND seq = ?",
                    (a.struck_by, a.struck_at_h, now, drill_id, seq),
                )
        for seq, e in enumerate(drill.entries[len(stored.entries):], start=len(stored.entries)):
            con.execute(
                "INSERT INTO log_entries (drill_id, seq, t_h, kind, decision, option, action_json, by, note, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (drill_id, seq, e.t_h, e.kind, e.decision, e.option, _action_json(e.action), e.by, e.note, now),
            )
        for seq, n in enumerate(drill.notes[len(stored.notes):], start=len(stored.notes)):
            con.execute(
                "INSERT INTO notes (drill_id, seq, t_h, text, by, hot_wash, recorded_at, struck_by, struck_at_h, "
                "struck_recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (drill_id, seq, n.t_h, n.text, n.by, int(n.hot_wash), now, n.struck_by, n.struck_at_h,
                 now if n.struck else None),
            )
        if drill.improvements != stored.improvements:
            con.execute("DELETE FROM improvements WHERE drill_id = ?", (drill_id,))
            for seq, r in enumerate(drill.improvements):
                con.execute(
                    "INSERT INTO improvements (drill_id, seq, finding, action, owner, due) VALUES (?, ?, ?, ?, ?, ?)",
                    (drill_id, seq, r.finding, r.action, r.owner, r.due),
                )
        for inject_id, t in delivered:
            con.execute(
                "INSERT OR IGNORE INTO delivered_injects (drill_id, inject_id, t_h, recorded_at) VALUES (?, ?, ?, ?)",
                (drill_id, inject_id, t, now),
            )
        con.execute(
            "UPDATE drills SET clock_h = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
            (drill.clock_h, now, drill_id),
        )


ID_BYTES = 8
"""A drill's id: 16 hex digits. The id names a drill; only a key opens it."""


def _title_and_team(title: str, team: str, default_title: str) -> tuple[str, str]:
    from .session import MAX_NAME_CHARS, MAX_TITLE_CHARS, DrillError, check_length

    title, team = title.strip() or default_title, team.strip()
    try:
        return check_length(title, "a title", MAX_TITLE_CHARS), check_length(team, "a team name", MAX_NAME_CHARS)
    except DrillError as exc:
        raise StoreError(f"{exc}; nothing was saved") from None


def _prepare_file(path: Path) -> None:
    """Make the database's folder (owner only) and create the file with owner-only permissions
    before SQLite opens it; an existing file open to others is closed to them."""
    folder = path.parent
    if not folder.exists():
        try:
            folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
            os.chmod(folder, FOLDER_MODE)  # mkdir's mode is masked by the umask
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the drill database: {exc.strerror}", path) from None
    elif folder == data_dir() and os.name == "posix":
        _tighten(folder, FOLDER_MODE)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        if not path.is_file():
            raise StoreError(f"{ENV_VAR} names something that is not a regular file", path) from None
        if os.name == "posix":
            _tighten(path, FILE_MODE)
        return
    except OSError as exc:
        raise StoreError(f"cannot create the drill database: {exc.strerror}", path) from None
    os.close(fd)
    if os.name == "posix":
        os.chmod(path, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    """Take away what others may do with a file or folder this user owns."""
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            os.chmod(path, st.st_mode & mode & 0o777)
    except OSError:
        pass  # not ours, or gone: SQLite's own error says what is wrong when it opens


_INFO_COLUMNS = (
    "id, title, team, scenario_name, scenario_title, scenario_source, seed, start_h, clock_h, status, "
    "revision, created_at, updated_at, exercise_id, team_id, position, branched_from, branched_at_h"
)
_EXERCISE_COLUMNS = "id, title, scenario_name, scenario_title, shared_clock, status, revision, created_at, updated_at"
TEAM_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
"""A team's id in its exercise (and in its participant key's derivation, see access.py)."""


def _exercise(row: tuple[Any, ...]) -> ExerciseInfo:
    values = list(row)
    values[4] = bool(values[4])
    return ExerciseInfo(*values)
