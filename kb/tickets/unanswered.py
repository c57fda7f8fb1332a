"""Groups of resolved tickets no agent gave an answer to, as the last draft generation found
them: gaps that need an answer before anyone can write the article."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable

from kb.errors import NotFound
from kb.state.database import Database, now
from kb.tickets.drafts import UnansweredGroup


@dataclasses.dataclass(frozen=True)
class StoredGroup:
    id: str
    title: str
    brand: str | None
    ticket_ids: list[str]
    found_at: str


def group_id(ticket_ids: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ticket_ids)).encode()).hexdigest()[:12]


class UnansweredGroups:
    def __init__(self, database: Database) -> None:
        self.database = database

    def replace(self, groups: Iterable[UnansweredGroup]) -> None:
        """The groups a generation found, instead of those the last one found."""
        stamp = now()
        rows = [
            (group_id(g.ticket_ids), g.title, g.brand, json.dumps(sorted(g.ticket_ids)), stamp)
            for g in groups
        ]
        with self.database.connect() as connection:
            connection.execute("DELETE FROM unanswered_groups")
            connection.executemany(
                "INSERT INTO unanswered_groups (id, title, brand, ticket_ids, found_at)"
                " VALUES (?, ?, ?, ?, ?)",
                list({row[0]: row for row in rows}.values()),
            )

    def all(self) -> list[StoredGroup]:
        """Most tickets first."""
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT id, title, brand, ticket_ids, found_at FROM unanswered_groups"
            ).fetchall()
        groups = [StoredGroup(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]
        return sorted(groups, key=lambda g: (-len(g.ticket_ids), g.title))

    def get(self, group: str) -> StoredGroup:
        found = next((g for g in self.all() if g.id == group), None)
        if found is None:
            raise NotFound(f"no group of tickets '{group[:40]}' needs an answer")
        return found
