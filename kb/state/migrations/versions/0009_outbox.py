"""The outbox: one row per ticket and destination (a queue's webhook or e-mail address) it is
delivered to, written with the ticket, sent by `kb outbox deliver` with retries until the
receiver accepts it (delivered) or it is too old to keep trying (failed). Rows are never
deleted: they are the record of what went where.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0004"


def upgrade() -> None:
    text, integer = sa.Text(), sa.Integer()
    op.create_table(
        "outbox",
        sa.Column("id", integer, primary_key=True),
        sa.Column("ticket_id", text, nullable=False),
        sa.Column("destination", text, nullable=False),  # "<queue>:<webhook|email>"
        sa.Column("queue", text, nullable=False),
        sa.Column("payload", text, nullable=False),  # JSON
        sa.Column("status", text, nullable=False, server_default="pending"),
        sa.Column("attempts", integer, nullable=False, server_default="0"),
        sa.Column("created_at", text, nullable=False),
        # When it is due; a deliverer that claims a row moves it past its lease.
        sa.Column("next_attempt_at", text, nullable=False),
        sa.Column("claimed_by", text),
        sa.Column("last_error", text),
        sa.Column("delivered_at", text),
        # Enqueueing the same ticket for the same destination again changes nothing.
        sa.UniqueConstraint("ticket_id", "destination", name="outbox_ticket_destination"),
    )
    op.create_index("outbox_due", "outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("outbox_due", "outbox")
    op.drop_table("outbox")
