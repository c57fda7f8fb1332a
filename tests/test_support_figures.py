"""Support figures and product feedback from known tickets, as the tickets table holds them
(messages with and without times), before and after the inbox adds its `queue` column."""

from __future__ import annotations

import json

import pytest

from kb.analytics.periods import DateRange
from kb.analytics.product import product_feedback
from kb.analytics.support import load_tickets, support_figures

TWO_WEEKS = DateRange("2026-11-16", "2026-11-29")


def message(author: str, at: str | None = None, body: str = "text") -> dict:
    return {"author": author, "body": body, **({"created_at": at} if at else {})}


# id, status, created, messages, linked, product, tags, queue
TICKETS = [
    ("t1", "solved", "2026-11-16T09:00:00Z",
     [message("customer", "2026-11-16T09:00:00Z"), message("agent", "2026-11-16T11:00:00Z")],
     ["request-a-refund"], "Billing", ["billing"], "service"),
    ("t2", "solved", "2026-11-17T10:00:00Z",
     [message("customer", "2026-11-17T10:00:00Z", "DBX-301 then DBX-201"),
      message("agent", "2026-11-17T14:00:00Z"), message("customer", "2026-11-17T15:00:00Z"),
      message("agent", "2026-11-17T20:00:00Z")],
     [], "Desktop app", ["sync"], "support"),
    ("t3", "closed", "2026-11-18T08:00:00Z",  # imported: its messages carry no time
     [message("customer", body="DBX-301 again"), message("agent")],
     ["sync-error-codes"], "Desktop app", ["sync"], "support"),
    ("t4", "open", "2026-11-24T08:00:00+00:00",
     [message("customer", "2026-11-24T08:00:00+00:00", "DBX-301"),
      message("agent", "2026-11-24T09:00:00+00:00")],
     [], "Desktop app", ["sync"], "support"),
    ("t5", "new", "2026-11-19T12:00:00Z", [message("customer", "2026-11-19T12:00:00Z")],
     [], "Web app", [], None),
    ("t6", "solved", "2026-12-03T12:00:00Z", [message("agent", "2026-12-03T13:00:00Z")],
     [], "Web app", [], None),  # after the period
]  # fmt: skip


@pytest.fixture
def database(make_database):
    database = make_database()
    with database.connect() as connection:
        connection.executemany(
            "INSERT INTO tickets (id, subject, status, created_at, messages, linked_articles,"
            " brand, tags, channel, imported_at, updated_at) VALUES (?, 's', ?, ?, ?, ?, ?, ?,"
            " 'email', 'x', 'x')",
            [
                (t[0], t[1], t[2], json.dumps(t[3]), json.dumps(t[4]), t[5], json.dumps(t[6]))
                for t in TICKETS
            ],
        )
    return database


def add_queues(database) -> None:
    """What the ticket inbox's triage gives each ticket: a queue."""
    with database.connect() as connection:
        for ticket in TICKETS:
            connection.execute("UPDATE tickets SET queue = ? WHERE id = ?", (ticket[7], ticket[0]))


def test_support_figures_per_week_from_known_tickets(database) -> None:
    """Before the inbox gives tickets a queue they are all one: one row a week."""
    rows = support_figures(load_tickets(database, TWO_WEEKS))
    assert rows == [
        {
            "week": "2026-11-16", "queue": "all", "tickets": 4, "solved": 3,
            "median_hours_to_first_reply": 3.0, "first_reply_measured": 2,
            "median_hours_to_resolution": 6.0, "first_contact_resolution_rate": 0.667,
            "kcs_link_rate": 0.667,
        },
        {
            "week": "2026-11-23", "queue": "all", "tickets": 1, "solved": 0,
            "median_hours_to_first_reply": 1.0, "first_reply_measured": 1,
            "median_hours_to_resolution": None, "first_contact_resolution_rate": None,
            "kcs_link_rate": None,
        },
    ]  # fmt: skip


def test_support_figures_per_queue_once_tickets_have_one(database) -> None:
    add_queues(database)
    rows = {(r["week"], r["queue"]): r for r in support_figures(load_tickets(database, TWO_WEEKS))}
    assert sorted(rows) == [
        ("2026-11-16", "all"), ("2026-11-16", "service"), ("2026-11-16", "support"),
        ("2026-11-16", "unassigned"), ("2026-11-23", "all"),
    ]  # fmt: skip
    service, support = rows["2026-11-16", "service"], rows["2026-11-16", "support"]
    assert (service["tickets"], service["median_hours_to_first_reply"]) == (1, 2.0)
    assert service["first_contact_resolution_rate"] == service["kcs_link_rate"] == 1.0
    assert (support["tickets"], support["solved"], support["median_hours_to_resolution"]) == (
        2,
        2,
        10.0,
    )
    assert support["first_contact_resolution_rate"] == support["kcs_link_rate"] == 0.5


def test_product_feedback_groups_by_product_category_and_error_code(database) -> None:
    rows = product_feedback(load_tickets(database, TWO_WEEKS), TWO_WEEKS)
    assert [(r["product"], r["category"], r["error_code"], r["tickets"]) for r in rows] == [
        ("Desktop app", "sync", "DBX-301", 3),
        ("Billing", "billing", "", 1),
        ("Desktop app", "sync", "DBX-201", 1),
        ("Web app", "", "", 1),
    ]
    first = rows[0]
    assert (first["week_2026-11-16"], first["week_2026-11-23"], first["change"]) == (2, 1, -1)
    add_queues(database)  # with queues, only the support queue (and tickets without one) count
    rows = product_feedback(load_tickets(database, TWO_WEEKS), TWO_WEEKS)
    assert "Billing" not in [r["product"] for r in rows]


def test_product_feedback_has_no_change_without_two_full_weeks(database) -> None:
    partial = DateRange("2026-11-18", "2026-11-25")  # one full week at most: none here
    rows = product_feedback(load_tickets(database, partial), partial)
    assert rows and all(r["change"] is None for r in rows)
