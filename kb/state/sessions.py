"""Signed-in staff sessions (agent console, writer pages, dashboard), kept on the server so that
signing out, going idle or staying signed in too long ends them: a copy of the cookie is then
worthless. The cookie carries a random session id; only its SHA-256 is stored, beside the person
who signed in (and how), or the hash of the key that did (so revoking the key, or disabling the
person, ends their sessions too)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

from kb.state.database import Database

# A visit writes last_seen at most this often: no database write per request.
TOUCH_EVERY = dt.timedelta(minutes=1)


def utc_now() -> dt.datetime:
    """The sessions' clock (tests move it)."""
    return dt.datetime.now(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    # One fixed format, so stamps also compare correctly as text (pruning does, in SQL).
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class StaffSession:
    """Who a live session belongs to: a person (`user_id`, signed in by `method`: password or
    sso) or a key (`key_hash`, method key)."""

    key_hash: str | None
    user_id: int | None
    method: str


@dataclasses.dataclass
class SessionStore:
    """Starts, checks and ends sessions; expired ones are deleted when seen and at sign-in."""

    database: Database
    idle_minutes: int = 60
    max_hours: int = 12

    def start(
        self, key_hash: str | None = None, *, user_id: int | None = None, method: str = "key"
    ) -> str:
        """A new session for a key (by its hash) or a person; returns the id for the cookie,
        shown once."""
        if (key_hash is None) == (user_id is None):
            raise ValueError("a session belongs to a key or to a person")
        self.prune()
        session_id = secrets.token_urlsafe(32)
        stamp = _stamp(utc_now())
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO staff_sessions (id_hash, key_hash, user_id, method, created_at,"
                " last_seen) VALUES (?, ?, ?, ?, ?, ?)",
                (_id_hash(session_id), key_hash, user_id, method, stamp, stamp),
            )
        return session_id

    def lookup(self, session_id: str) -> StaffSession | None:
        """Whose the session is while it lives; None once it ended or expired."""
        moment = utc_now()
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT key_hash, user_id, method, created_at, last_seen FROM staff_sessions"
                " WHERE id_hash = ?",
                (_id_hash(session_id),),
            ).fetchone()
            if row is None:
                return None
            key_hash, user_id, method, created_at, last_seen = row
            created, seen = (
                dt.datetime.fromisoformat(created_at),
                dt.datetime.fromisoformat(last_seen),
            )
            if created <= moment - self.max_age or seen <= moment - self.idle_time:
                connection.execute(
                    "DELETE FROM staff_sessions WHERE id_hash = ?", (_id_hash(session_id),)
                )
                return None
            if moment - seen >= TOUCH_EVERY:
                connection.execute(
                    "UPDATE staff_sessions SET last_seen = ? WHERE id_hash = ?",
                    (_stamp(moment), _id_hash(session_id)),
                )
        return StaffSession(key_hash, user_id, method)

    def end(self, session_id: str) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "DELETE FROM staff_sessions WHERE id_hash = ?", (_id_hash(session_id),)
            )

    def prune(self) -> int:
        """Delete every expired session; returns how many went."""
        moment = utc_now()
        with self.database.connect() as connection:
            return connection.execute(
                "DELETE FROM staff_sessions WHERE created_at <= ? OR last_seen <= ?",
                (_stamp(moment - self.max_age), _stamp(moment - self.idle_time)),
            ).rowcount

    @property
    def idle_time(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.idle_minutes)

    @property
    def max_age(self) -> dt.timedelta:
        return dt.timedelta(hours=self.max_hours)
