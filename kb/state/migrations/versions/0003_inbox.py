"""The agents' inbox: each ticket's queue and category from its triage (or an agent), when it
arrived (for the newest-first order and how long it has waited), when it was solved and what
closing the loop found; and the ticket a suggestion request was made for, so solving a ticket
knows which articles agents linked.

`received_at` is `created_at` read as a UTC time (help desks write it several ways), or the
time the ticket was stored when it has none that can be read.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0007"


def upgrade() -> None:
    text = sa.Text()
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("received_at", text))
        batch.add_column(sa.Column("queue", text))
        batch.add_column(sa.Column("queue_set_by", text))
        batch.add_column(sa.Column("category", text))
        batch.add_column(sa.Column("triage_confidence", sa.Float()))
        batch.add_column(sa.Column("solved_at", text))
        batch.add_column(sa.Column("covered_by", text))
        batch.add_column(sa.Column("checked_at", text))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, created_at, imported_at FROM tickets"))
    for ticket_id, created_at, imported_at in rows.fetchall():
        connection.execute(
            sa.text("UPDATE tickets SET received_at = :received WHERE id = :id"),
            {"received": utc_time(created_at) or imported_at, "id": ticket_id},
        )
    op.create_index("tickets_received", "tickets", ["received_at"])
    op.create_index("tickets_queue", "tickets", ["queue"])
    with op.batch_alter_table("suggest_requests") as batch:
        batch.add_column(sa.Column("ticket_id", text))
    op.create_index("suggest_requests_ticket", "suggest_requests", ["ticket_id"])


def utc_time(value: str | None) -> str | None:
    """The same reading as kb.tickets.inbox.received_time, frozen here with this revision."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def downgrade() -> None:
    op.drop_index("suggest_requests_ticket", "suggest_requests")
    with op.batch_alter_table("suggest_requests") as batch:
        batch.drop_column("ticket_id")
    op.drop_index("tickets_queue", "tickets")
    op.drop_index("tickets_received", "tickets")
    with op.batch_alter_table("tickets") as batch:
        for column in (
            "checked_at", "covered_by", "solved_at", "triage_confidence", "category",
            "queue_set_by", "queue", "received_at",
        ):  # fmt: skip
            batch.drop_column(column)
