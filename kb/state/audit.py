"""The audit log: who did what, when, and from which address (a salted hash, as analytics keeps
it): every sign-in and failed sign-in, key created or revoked, person invited, disabled or given
roles, draft published, rejected or edited, and setting changed from the admin pages.

Entries are only ever added: this module has no way to change or delete one, and the database
refuses to (a trigger on UPDATE and DELETE, see migration 0004)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from kb.state.auth import Principal
from kb.state.database import Database, now

ACTIONS = (
    "sign_in",
    "sign_in_failed",
    "sign_out",
    "key_created",
    "key_revoked",
    "user_created",
    "user_invited",
    "user_disabled",
    "user_enabled",
    "roles_changed",
    "password_reset_sent",
    "password_changed",
    "two_step_on",
    "two_step_off",
    "recovery_code_used",
    "draft_published",
    "draft_rejected",
    "draft_updated",
    "article_updated",
    "setting_changed",
)
MAX_TEXT = 500  # a target or detail is a short description, never a document
PAGE = 100


@dataclasses.dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    actor_email: str
    address: str
    action: str
    target: str
    detail: str


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    """Which entries to list: by action, by who did it (name or e-mail contains), by UTC day."""

    action: str = ""
    actor: str = ""
    since: str = ""  # YYYY-MM-DD, included
    until: str = ""  # YYYY-MM-DD, included

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.action:
            clauses.append("action = ?")
            params.append(self.action)
        if self.actor:
            clauses.append("(LOWER(actor) LIKE ? OR LOWER(actor_email) LIKE ?)")
            pattern = "%" + self.actor.lower().replace("%", "").replace("_", "") + "%"
            params += [pattern, pattern]
        if self.since:
            clauses.append("at >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("at < ?")
            params.append(self.until + "T99")  # every time of that day sorts before it
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


class AuditLog:
    """Appends entries and reads them back, newest first."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def record(
        self,
        action: str,
        actor: Principal | None,
        *,
        target: str = "",
        detail: str = "",
        address: str = "",
        actor_name: str = "",
    ) -> None:
        """Add one entry. `actor` is who did it (None: nobody signed in, e.g. a failed sign-in,
        or `actor_name`, e.g. "command line")."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        name = actor.name if actor is not None else actor_name
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO audit_log (at, actor, actor_email, actor_id, address, action,"
                " target, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    now(),
                    name[:MAX_TEXT],
                    actor.email if actor is not None else "",
                    actor.user_id if actor is not None else None,
                    address,
                    action,
                    target[:MAX_TEXT],
                    detail[:MAX_TEXT],
                ),
            )

    def entries(
        self, chosen: AuditFilter = AuditFilter(), limit: int = PAGE, before: int = 0
    ) -> list[AuditEntry]:
        """Up to `limit` entries, newest first, older than entry `before` if given."""
        where, params = chosen.where()
        if before:
            where += (" AND" if where else " WHERE") + " id < ?"
            params.append(before)
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT id, at, actor, actor_email, address, action, target, detail"
                f" FROM audit_log{where} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [AuditEntry(*row) for row in rows]

    def every_entry(self, chosen: AuditFilter = AuditFilter()) -> Iterator[AuditEntry]:
        """Every matching entry, newest first, read a page at a time (for an export)."""
        before = 0
        while page := self.entries(chosen, limit=1000, before=before):
            yield from page
            before = page[-1].id
