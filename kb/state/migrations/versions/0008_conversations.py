"""The answer bot's conversations: each by an unguessable id, tied to the visitor's widget cookie
(its SHA-256), with its messages scrubbed of personal data, its state between turns, how it
ended (resolved by the bot or handed over to a person, with the ticket and its queue) and the
customer's rating."""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0003"


def upgrade() -> None:
    text, integer = sa.Text(), sa.Integer()
    op.create_table(
        "conversations",
        sa.Column("id", text, primary_key=True),
        sa.Column("visitor_hash", text, nullable=False),
        sa.Column("page_url", text, nullable=False),
        sa.Column("status", text, nullable=False),  # open, resolved or handed_over
        sa.Column("messages", text, nullable=False),  # JSON: the transcript, scrubbed
        sa.Column("state", text, nullable=False),  # JSON: the bot's topic and counts
        sa.Column("unanswered", integer, nullable=False, server_default="0"),
        sa.Column("rating", integer),
        sa.Column("ticket_id", text),
        sa.Column("queue", text),
        sa.Column("created_at", text, nullable=False),
        sa.Column("updated_at", text, nullable=False),
        sa.Column("day", text, nullable=False),
    )
    op.create_index("conversations_day", "conversations", ["day"])


def downgrade() -> None:
    op.drop_index("conversations_day", "conversations")
    op.drop_table("conversations")
