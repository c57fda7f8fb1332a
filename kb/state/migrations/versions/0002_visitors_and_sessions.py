"""Popular searches that cannot be planted, and staff sessions that end at sign-out.

search_log gains a salted hash of the client address and whether scrubbing changed the query;
address_salts holds each UTC day's secret salt (deleted after two days); blocked_queries the
suggestions admins blocked; staff_sessions the signed-in sessions (only a hash of each id).
Searches logged before this revision have no address hash, so they no longer make suggestions.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    text, integer = sa.Text(), sa.Integer()
    op.add_column("search_log", sa.Column("address", text, nullable=False, server_default=""))
    op.add_column("search_log", sa.Column("scrubbed", integer, nullable=False, server_default="0"))
    op.create_table(
        "address_salts",
        sa.Column("day", text, primary_key=True),
        sa.Column("salt", text, nullable=False),
    )
    op.create_table(
        "blocked_queries",
        sa.Column("query", text, primary_key=True),
        sa.Column("blocked_at", text, nullable=False),
        sa.Column("blocked_by", text, nullable=False),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id_hash", text, primary_key=True),
        sa.Column("key_hash", text, nullable=False),
        sa.Column("created_at", text, nullable=False),
        sa.Column("last_seen", text, nullable=False),
    )
    op.create_index("staff_sessions_last_seen", "staff_sessions", ["last_seen"])


def downgrade() -> None:
    op.drop_table("staff_sessions")
    op.drop_table("blocked_queries")
    op.drop_table("address_salts")
    with op.batch_alter_table("search_log") as batch:
        batch.drop_column("scrubbed")
        batch.drop_column("address")
