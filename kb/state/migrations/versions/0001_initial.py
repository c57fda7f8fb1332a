"""Every table: feedback, views, API keys, suggestions, tickets, analytics.

The same schema as the pre-Alembic SQLite version 4 (kb/migrations/legacy.py), in portable types.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    text, integer = sa.Text(), sa.Integer()
    op.create_table(
        "article_feedback",
        sa.Column("id", integer, primary_key=True),
        sa.Column("slug", text, nullable=False),
        sa.Column("helpful", integer, nullable=False),
        sa.Column("comment", text),
        sa.Column("created_at", text, nullable=False),
    )
    op.create_index("article_feedback_slug", "article_feedback", ["slug"])
    op.create_table(
        "article_views",
        sa.Column("slug", text, primary_key=True),
        sa.Column("day", text, primary_key=True),
        sa.Column("views", integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", integer, primary_key=True),
        sa.Column("name", text, nullable=False),
        sa.Column("role", text, nullable=False),
        sa.Column("key_hash", text, nullable=False, unique=True),
        sa.Column("prefix", text, nullable=False),
        sa.Column("created_at", text, nullable=False),
        sa.Column("revoked_at", text),
    )
    op.create_table(
        "suggest_requests",
        sa.Column("id", text, primary_key=True),
        sa.Column("created_at", text, nullable=False),
        sa.Column("embedding", sa.LargeBinary()),
        sa.Column("triage_kind", text),
        sa.Column("triage_category", text),
    )
    op.create_table(
        "suggest_results",
        sa.Column("request_id", text, sa.ForeignKey("suggest_requests.id"), primary_key=True),
        sa.Column("slug", text, primary_key=True),
        sa.Column("rank", integer, nullable=False),
    )
    op.create_index("suggest_results_slug", "suggest_results", ["slug"])
    op.create_table(
        "suggest_feedback",
        sa.Column("id", integer, primary_key=True),
        sa.Column("request_id", text, sa.ForeignKey("suggest_requests.id"), nullable=False),
        sa.Column("slug", text, nullable=False),
        sa.Column("action", text, nullable=False),
        sa.Column("created_at", text, nullable=False),
    )
    op.create_index("suggest_feedback_slug", "suggest_feedback", ["slug"])
    op.create_table(
        "tickets",
        sa.Column("id", text, primary_key=True),
        sa.Column("subject", text, nullable=False),
        sa.Column("channel", text),
        sa.Column("brand", text),
        sa.Column("status", text, nullable=False),
        sa.Column("created_at", text),
        sa.Column("tags", text, nullable=False),
        sa.Column("messages", text, nullable=False),
        sa.Column("linked_articles", text, nullable=False),
        sa.Column("imported_at", text, nullable=False),
        sa.Column("updated_at", text, nullable=False),
        sa.Column("requester", text),
        sa.Column("shown_articles", text, nullable=False, server_default="[]"),
    )
    op.create_index("tickets_status", "tickets", ["status"])
    op.create_table(
        "search_log",
        sa.Column("id", text, primary_key=True),
        sa.Column("created_at", text, nullable=False),
        sa.Column("day", text, nullable=False),
        sa.Column("visitor", text, nullable=False),
        sa.Column("query", text, nullable=False),
        sa.Column("mode", text, nullable=False),
        sa.Column("results", integer, nullable=False),
        sa.Column("slugs", text, nullable=False),
        sa.Column("took_ms", sa.Float(), nullable=False),
    )
    op.create_index("search_log_day", "search_log", ["day"])
    op.create_table(
        "click_log",
        sa.Column("id", integer, primary_key=True),
        sa.Column("search_id", text, nullable=False),
        sa.Column("slug", text, nullable=False),
        sa.Column("rank", integer, nullable=False),
        sa.Column("created_at", text, nullable=False),
        sa.Column("day", text, nullable=False),
    )
    op.create_index("click_log_search", "click_log", ["search_id"])
    op.create_index("click_log_day", "click_log", ["day"])
    op.create_table(
        "deflections",
        sa.Column("id", integer, primary_key=True),
        sa.Column("visitor", text, nullable=False),
        sa.Column("slug", text),
        sa.Column("how", text, nullable=False),
        sa.Column("created_at", text, nullable=False),
        sa.Column("day", text, nullable=False),
        sa.Column("cancelled", integer, nullable=False, server_default="0"),
    )
    op.create_index("deflections_day", "deflections", ["day"])
