"""The outbox: when a person put a failed delivery back (`kb outbox retry`). A retried row gets
another three days of retries from then, while `created_at` stays when the ticket was handed
over (receivers get it, and `kb outbox status` shows it)."""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"


def upgrade() -> None:
    op.add_column("outbox", sa.Column("retried_at", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as table:  # SQLite rebuilds the table to drop a column
        table.drop_column("retried_at")
