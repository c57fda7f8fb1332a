"""The writer studio: background jobs with their progress, and ticket groups that need an answer.

jobs holds one row per background job the studio starts (`kb drafts generate` in a process of
its own): its stage and progress, written by that process and read by the page that polls it; at
most one job of a kind runs at a time (a partial unique index). unanswered_groups holds the groups
of resolved tickets no agent gave an answer to, as the last generation found them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0009"


def upgrade() -> None:
    text, integer = sa.Text(), sa.Integer()
    op.create_table(
        "jobs",
        sa.Column("id", text, primary_key=True),
        sa.Column("kind", text, nullable=False),
        sa.Column("state", text, nullable=False),  # running, done, failed
        sa.Column("stage", text, nullable=False, server_default=""),
        sa.Column("done", integer, nullable=False, server_default="0"),
        sa.Column("total", integer, nullable=False, server_default="0"),
        sa.Column("message", text, nullable=False, server_default=""),
        sa.Column("started_by", text, nullable=False),
        sa.Column("started_at", text, nullable=False),
        sa.Column("updated_at", text, nullable=False),
        sa.Column("finished_at", text),
        sa.Column("host", text, nullable=False, server_default=""),
        sa.Column("pid", integer, nullable=False, server_default="0"),
    )
    running = sa.text("state = 'running'")
    op.create_index(
        "jobs_one_running", "jobs", ["kind"], unique=True,
        sqlite_where=running, postgresql_where=running,
    )  # fmt: skip
    op.create_index("jobs_kind_started", "jobs", ["kind", "started_at"])
    op.create_table(
        "unanswered_groups",
        sa.Column("id", text, primary_key=True),
        sa.Column("title", text, nullable=False),
        sa.Column("brand", text),
        sa.Column("ticket_ids", text, nullable=False),  # a JSON list
        sa.Column("found_at", text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("unanswered_groups")
    op.drop_index("jobs_kind_started", "jobs")
    op.drop_index("jobs_one_running", "jobs")
    op.drop_table("jobs")
