"""Invitation and password-reset links: a random token in a link sent by e-mail (and shown once
to the admin who made it), of which only the SHA-256 is stored; each works once, until it
expires, and a new one of the same kind replaces any earlier one for that person."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from kb.errors import BadRequest
from kb.state.database import Database, now

PURPOSES = ("invitation", "reset")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


class AccountLinks:
    """Issues and redeems the one-time links of one database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def issue(self, user_id: int, purpose: str, lifetime: dt.timedelta) -> str:
        """A new token for the person's link; earlier unused links of this kind stop working."""
        if purpose not in PURPOSES:
            raise ValueError(f"purpose must be one of {PURPOSES}")
        token = secrets.token_urlsafe(32)
        moment = dt.datetime.now(dt.UTC)
        with self.database.connect() as connection:
            connection.execute(
                "DELETE FROM account_links WHERE user_id = ? AND purpose = ? AND used_at IS NULL",
                (user_id, purpose),
            )
            connection.execute(
                "INSERT INTO account_links (token_hash, user_id, purpose, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (_hash(token), user_id, purpose, _stamp(moment), _stamp(moment + lifetime)),
            )
        return token

    def peek(self, token: str, purpose: str) -> int | None:
        """Whose link this is while it still works (unused, not expired); None otherwise."""
        with self.database.connect() as connection:
            return connection.execute(
                "SELECT user_id FROM account_links WHERE token_hash = ? AND purpose = ?"
                " AND used_at IS NULL AND expires_at > ?",
                (_hash(token), purpose, now()),
            ).scalar_one_or_none()

    def redeem(self, token: str, purpose: str) -> int:
        """Use the link up and return whose it is; BadRequest when it is used, expired or
        unknown (two requests racing with one link: only one wins)."""
        with self.database.connect() as connection:
            user_id = connection.execute(
                "UPDATE account_links SET used_at = ? WHERE token_hash = ? AND purpose = ?"
                " AND used_at IS NULL AND expires_at > ? RETURNING user_id",
                (now(), _hash(token), purpose, now()),
            ).scalar_one_or_none()
        if user_id is None:
            raise BadRequest(_expired(purpose), field="token")
        return user_id

    def pending_invitation(self, user_id: int) -> bool:
        """Whether the person has an invitation they have not used yet (expired or not)."""
        with self.database.connect() as connection:
            return (
                connection.execute(
                    "SELECT 1 FROM account_links WHERE user_id = ? AND purpose = 'invitation'"
                    " AND used_at IS NULL",
                    (user_id,),
                ).first()
                is not None
            )


def _expired(purpose: str) -> str:
    what = "invitation" if purpose == "invitation" else "password reset link"
    return f"this {what} has been used or has expired; ask for a new one"
