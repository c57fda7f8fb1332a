"""The answer bot's figures for the admin dashboard: conversations, how many the bot resolved
(the automated resolution rate help desks report), how many were handed over, satisfaction (the
mean rating, how many rated, and how many gave each score), and the questions it could not
answer (which also reach the gap queue, as the "Bot questions"). Every conversation counts on the
day it started (kb.analytics.trends says why), so these are the trend rows added up."""

from __future__ import annotations

from typing import Any

from kb.analytics.figures import BOT_SUMMARY, DateRange
from kb.analytics.trends import daily_counts, totals
from kb.state.database import Database

SCORES = range(1, 6)


def bot_figures(database: Database, period: DateRange) -> dict[str, Any]:
    """Conversations started in `period` (UTC days, both included), by how they ended, with the
    ratings given to them (`rated_1` to `rated_5`: how many gave each score)."""
    counted = totals(daily_counts(database, period))
    with database.connect() as connection:
        given = dict(
            connection.execute(
                "SELECT rating, COUNT(*) FROM conversations WHERE day BETWEEN ? AND ?"
                " AND rating IS NOT NULL GROUP BY rating",
                (period.start, period.end),
            ).fetchall()
        )
    return {
        "from": period.start,
        "to": period.end,
        **{key: counted[key] for key in BOT_SUMMARY},
        **{f"rated_{score}": int(given.get(score, 0)) for score in SCORES},
    }
