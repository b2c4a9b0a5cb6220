"""Who may open a drill. Drills are confidential until they are played: the injects still to come
are the point of the exercise. So every drill has two keys, and a link opens a drill only with
the right one:

- the **facilitator key** opens the facilitator page (the clock, the decisions, what is to come);
- the **participant key** opens only the participant view. It is derived from the facilitator
  key (an HMAC), so the facilitator page can always show the participant link, and a team can
  have a participant key of its own (`participant_key(facilitator, team)`).

Keys are 192 random bits (`secrets.token_urlsafe`); the database keeps only their SHA-256
digests, and a key is compared with a digest in constant time. A wrong key, a missing key, a key
for the other page and an id that does not exist all get the same answer (NoSuchDrill), which
says nothing about whether the id exists.

The organiser password (SIM_APP_ORGANIZER_PASSWORD) unlocks the list of every drill and
archiving; it is read once, kept only as a salted scrypt hash, and removed from the environment
so that worker processes never see it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal

from .session import Drill
from .store import (
    DrillInfo,
    DrillNotFound,
    DrillStore,
    ExerciseInfo,
    KeyDigests,
    NewTeam,
    StoredDrill,
)

Role = Literal["facilitator", "participant"]
ROLES: tuple[Role, ...] = ("facilitator", "participant")
KEY_BYTES = 24
"""Random bytes in a facilitator key (192 bits; 32 characters in a link)."""
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")
DRILL_ID_PATTERN = re.compile(r"[0-9a-f]{8,32}")
"""Drill ids: 16 hex digits (8 in drills made by earlier versions)."""
TEAM_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
PASSWORD_ENV = "SIM_APP_ORGANIZER_PASSWORD"
MIN_PASSWORD_CHARS = 12
WRONG_PASSWORD_DELAY_S = 1.0
"""Each wrong organiser password costs this long, one attempt at a time on the whole server."""

NO_SUCH_DRILL = "No such drill. Check that the link is complete: it carries the drill's key."


class NoSuchDrill(LookupError):
    """The id and key do not open a drill (for whatever reason; deliberately not said)."""

    def __init__(self) -> None:
        super().__init__(NO_SUCH_DRILL)


@dataclass(frozen=True)
class DrillKeys:
    """The keys of one drill: what goes into its two links. Shown once, never stored."""

    facilitator: str

    @property
    def participant(self) -> str:
        return participant_key(self.facilitator)

    def participant_for(self, info: DrillInfo) -> str:
        """The participant key of a drill: its team's own in an exercise."""
        return participant_key(self.facilitator, info.team_id if info.in_exercise else "")

    def digests(self, teams: tuple[str, ...] = ()) -> KeyDigests:
        """What the store keeps: the digest of each key, by (role, team)."""
        out = {("facilitator", ""): key_digest(self.facilitator), ("participant", ""): key_digest(self.participant)}
        for team in teams:
            out[("participant", team)] = key_digest(participant_key(self.facilitator, team))
        return out


def new_keys() -> DrillKeys:
    return DrillKeys(secrets.token_urlsafe(KEY_BYTES))


def participant_key(facilitator_key: str, team: str = "") -> str:
    """The participant key of a drill (or of one team in it), derived from its facilitator key."""
    if team and not TEAM_PATTERN.fullmatch(team):
        raise ValueError(f"a team id is lower-case letters, digits, - and _, not {team!r}")
    mac = hmac.new(facilitator_key.encode(), f"participant:{team}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:KEY_BYTES]).decode().rstrip("=")


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_NO_DIGEST = key_digest("no drill has this digest")
_NO_KEY = key_digest("no key was given")


def key_matches(key: object, digest: str | None) -> bool:
    """Whether `key` is the key whose digest is `digest`, compared in time that does not depend
    on where they differ (and as long when there is nothing to compare)."""
    ok_key, ok_digest = valid_key(key), isinstance(digest, str)
    given = key_digest(key) if ok_key else _NO_KEY  # type: ignore[arg-type]
    same = hmac.compare_digest(given, digest if isinstance(digest, str) else _NO_DIGEST)
    return same and ok_key and ok_digest


def valid_drill_id(value: object) -> bool:
    return isinstance(value, str) and DRILL_ID_PATTERN.fullmatch(value) is not None


def valid_key(value: object) -> bool:
    return isinstance(value, str) and KEY_PATTERN.fullmatch(value) is not None


# --------------------------------------------------------------------------- drills


def create_drill(store: DrillStore, drill: Drill, title: str, team: str = "", source: str = "") -> tuple[StoredDrill, DrillKeys]:
    """Store a new drill with fresh keys; the keys are returned once and kept nowhere else."""
    keys = new_keys()
    return store.create(drill, title, team, source, key_digests=keys.digests()), keys


def open_drill(store: DrillStore, drill_id: object, key: object, role: Role, team: str = "") -> StoredDrill:
    """The drill that `key` opens for `role`, or NoSuchDrill. StoreError (the database itself)
    propagates."""
    _check(store, drill_id, key, role, team)
    try:
        return store.load(drill_id)  # type: ignore[arg-type]
    except DrillNotFound:
        raise NoSuchDrill from None


def drill_info(store: DrillStore, drill_id: object, key: object, role: Role, team: str = "") -> DrillInfo:
    """What a drill is (title, clock, status) if `key` opens it for `role`, without loading it."""
    _check(store, drill_id, key, role, team)
    info = store.info(drill_id)  # type: ignore[arg-type]
    if info is None:
        raise NoSuchDrill
    return info


def _check(store: DrillStore, drill_id: object, key: object, role: Role, team: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role is one of {', '.join(ROLES)}")
    if not valid_drill_id(drill_id):
        key_matches(key, None)  # the same work as for an id that exists
        raise NoSuchDrill
    if not key_matches(key, store.key_digests(drill_id).get((role, team))):  # type: ignore[arg-type]
        raise NoSuchDrill


def reissue_keys(store: DrillStore, drill_id: str) -> DrillKeys:
    """New keys for a drill (the organiser's way in to a drill whose links are lost); the old
    links stop working. A team's drill gets its exercise's new keys."""
    info = store.info(drill_id)
    if info is not None and info.exercise_id is not None:
        return reissue_exercise_keys(store, info.exercise_id)
    keys = new_keys()
    store.set_key_digests(drill_id, keys.digests())
    return keys


# --------------------------------------------------------------------------- exercises of several teams


def create_exercise(
    store: DrillStore, teams: list[tuple[str, Drill]], title: str, *, shared_clock: bool = True, source: str = "",
) -> tuple[ExerciseInfo, list[StoredDrill], DrillKeys]:
    """Store a new exercise of (name, drill) teams with fresh keys: one facilitator key for the
    whole exercise, and a participant key per team. The keys are returned once."""
    from .teams import team_id

    keys = new_keys()
    taken: set[str] = set()
    new = []
    for name, drill in teams:
        tid = team_id(name, taken)
        taken.add(tid)
        new.append(NewTeam(tid, name, drill, key_digest(participant_key(keys.facilitator, tid))))
    info = store.create_exercise(title, new, shared_clock=shared_clock, source=source,
                                 facilitator_digest=key_digest(keys.facilitator))
    return info, store.teams(info.id), keys


def open_exercise(store: DrillStore, exercise_id: object, key: object) -> tuple[ExerciseInfo, list[StoredDrill]]:
    """The exercise and its teams that the facilitator `key` opens, or NoSuchDrill."""
    info = exercise_info(store, exercise_id, key)
    return info, store.teams(info.id)


def exercise_info(store: DrillStore, exercise_id: object, key: object) -> ExerciseInfo:
    """What an exercise is, if the facilitator `key` opens it; else NoSuchDrill."""
    if not valid_drill_id(exercise_id):
        key_matches(key, None)
        raise NoSuchDrill
    if not key_matches(key, store.exercise_key_digest(exercise_id)):  # type: ignore[arg-type]
        raise NoSuchDrill
    info = store.exercise(exercise_id)  # type: ignore[arg-type]
    if info is None:
        raise NoSuchDrill
    return info


def add_team(
    store: DrillStore, exercise_id: str, key: str, name: str, drill: Drill, *,
    branched_from: str | None = None, branched_at_h: float | None = None, source: str = "",
) -> StoredDrill:
    """Add a team to an exercise whose facilitator key is `key` (checked)."""
    from .teams import team_id

    exercise_info(store, exercise_id, key)
    taken = {t.info.team_id for t in store.teams(exercise_id)}
    tid = team_id(name, taken)
    team = NewTeam(tid, name, drill, key_digest(participant_key(key, tid)), branched_from, branched_at_h)
    return store.add_team(exercise_id, team, source)


def branch_drill(
    store: DrillStore, source: StoredDrill, drill: Drill, title: str, team: str = "",
) -> tuple[StoredDrill, DrillKeys]:
    """A new drill of its own (fresh keys) that starts from a moment of `source`."""
    keys = new_keys()
    stored = store.create(drill, title, team, source.info.scenario_source, key_digests=keys.digests(),
                          branched_from=source.id, branched_at_h=drill.clock_h)
    return stored, keys


def reissue_exercise_keys(store: DrillStore, exercise_id: str) -> DrillKeys:
    """New keys for an exercise and every team in it; the old links stop working."""
    keys = new_keys()
    teams = store.teams(exercise_id)
    store.set_exercise_keys(
        exercise_id, key_digest(keys.facilitator),
        {t.id: key_digest(participant_key(keys.facilitator, t.info.team_id)) for t in teams},
    )
    return keys


# --------------------------------------------------------------------------- the organiser


class OrganiserPassword:
    """The organiser password, held only as a salted scrypt hash."""

    _attempts = threading.Lock()  # one guess at a time on the whole server

    def __init__(self, password: str | None):
        self._salt = secrets.token_bytes(16)
        self._hash = self._derive(password) if password else None
        self.problem = ""
        """Why the password from the environment is not used (empty when it is, or none is set)."""

    @classmethod
    def from_environment(cls) -> OrganiserPassword:
        """Read SIM_APP_ORGANIZER_PASSWORD and remove it from the environment. A password shorter
        than MIN_PASSWORD_CHARS is not used (and the page says why)."""
        password = os.environ.pop(PASSWORD_ENV, "")
        if password and len(password) < MIN_PASSWORD_CHARS:
            refused = cls(None)
            refused.problem = (
                f"{PASSWORD_ENV} is set but shorter than {MIN_PASSWORD_CHARS} characters, so it is not used"
            )
            return refused
        return cls(password or None)

    @property
    def configured(self) -> bool:
        return self._hash is not None

    def _derive(self, password: str) -> bytes:
        return hashlib.scrypt(password.encode(), salt=self._salt, n=2**14, r=8, p=1, dklen=32)

    def check(self, attempt: str) -> bool:
        """Whether `attempt` is the password. A wrong one costs WRONG_PASSWORD_DELAY_S, and
        attempts from every browser wait for each other."""
        if self._hash is None or not isinstance(attempt, str) or not attempt or len(attempt) > 1024:
            return False
        with self._attempts:
            ok = hmac.compare_digest(self._derive(attempt), self._hash)
            if not ok:
                time.sleep(WRONG_PASSWORD_DELAY_S)
            return ok
