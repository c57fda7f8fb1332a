"""What admins switch on and off from the admin pages (today: two-step verification required
for everyone), kept in the database so every worker and node sees the same."""

from __future__ import annotations

from kb.state.database import Database, now

SWITCHES = {"require_two_step": "Require two-step verification for every staff sign-in"}


class Switches:
    """Reads and sets the admin pages' switches; each is off until turned on."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def is_on(self, name: str) -> bool:
        with self.database.connect() as connection:
            value = connection.execute(
                "SELECT value FROM site_switches WHERE name = ?", (name,)
            ).scalar_one_or_none()
        return value == "on"

    def set(self, name: str, on: bool, changed_by: str) -> bool:
        """Set a switch; returns whether that changed it."""
        if name not in SWITCHES:
            raise ValueError(f"unknown switch {name!r}")
        if self.is_on(name) == on:
            return False
        with self.database.connect() as connection:
            connection.execute(
                "INSERT INTO site_switches (name, value, changed_at, changed_by)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value,"
                " changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                (name, "on" if on else "off", now(), changed_by),
            )
        return True
