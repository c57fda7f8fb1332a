"""The answer bot's figures for the admin dashboard: conversations, how many the bot resolved
(the automated resolution rate help desks report), how many were handed over, satisfaction, and
the questions it could not answer (which also reach the gap queue, as no-result searches)."""

from __future__ import annotations

from typing import Any

from kb.analytics.figures import DateRange
from kb.state.database import Database


def bot_figures(database: Database, period: DateRange) -> dict[str, Any]:
    """Conversations started in `period` (UTC days, both included), by how they ended."""
    with database.connect() as connection:
        row = connection.execute(
            "SELECT COUNT(*),"
            " SUM(CASE WHEN status = 'resolved' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status = 'handed_over' THEN 1 ELSE 0 END),"
            " COUNT(rating), AVG(rating), SUM(unanswered)"
            " FROM conversations WHERE day >= ? AND day <= ?",
            (period.start, period.end),
        ).one()
    conversations, resolved, handed_over, ratings, mean_rating, unanswered = row
    return {
        "conversations": conversations,
        "resolved_by_bot": resolved or 0,
        "handed_over": handed_over or 0,
        "resolution_rate": round((resolved or 0) / conversations, 3) if conversations else None,
        "ratings": ratings,
        "satisfaction": round(float(mean_rating), 2) if mean_rating is not None else None,
        "unanswered_questions": unanswered or 0,
    }
