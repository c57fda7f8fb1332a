"""Figures for a date range, each computed from the recorded events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from kb.analytics.periods import DateRange as DateRange
from kb.analytics.trends import CLICKED, COUNTED_SEARCH, daily_counts, ratio, totals
from kb.state.database import Database

# The answer bot's figures in the summary (kb.analytics.trends defines them).
BOT_SUMMARY = ("conversations", "resolved_by_bot", "automated_resolution_rate", "handed_over",
               "handover_rate", "ratings", "satisfaction", "unanswered_questions")  # fmt: skip
NOT_BOT = "s.mode != 'bot'"  # searches the help widget's answer bot made (web/widget_api.py)


class Analytics:
    """Figures for a date range, each from the recorded events."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def _rows(self, sql: str, *params: Any) -> Sequence[sa.Row]:
        with self.database.connect() as connection:
            return connection.execute(sql, params).fetchall()

    def searches_per_day(self, period: DateRange) -> list[dict]:
        return [
            {"day": row["day"], "searches": row["searches"]}
            for row in daily_counts(self.database, period)
        ]

    def _queries(
        self, period: DateRange, limit: int, where: str = "", having: str = ""
    ) -> list[dict]:
        """Per query: its searches (those `where` keeps), the visitors who sent them, and how
        many had a result opened; the queries affecting the most visitors first."""
        # Searches without a visitor cookie count as searches, never as visitors: a script
        # sending no cookie is not one more person.
        visitors = "COUNT(DISTINCT CASE WHEN s.visitor != '' THEN s.visitor END)"
        clicked = f"SUM(CASE WHEN {CLICKED} THEN 1 ELSE 0 END)"
        rows = self._rows(
            f"SELECT s.query, COUNT(*), {visitors}, {clicked} FROM search_log s"
            f" WHERE s.day BETWEEN ? AND ? AND {COUNTED_SEARCH} {where}"
            f" GROUP BY s.query {having} ORDER BY {visitors} DESC, COUNT(*) DESC, s.query LIMIT ?",
            period.start,
            period.end,
            limit,
        )
        return [
            {
                "query": query,
                "searches": searches,
                "visitors": visitors,
                "searches_with_click": clicked or 0,
                "click_through_rate": round((clicked or 0) / searches, 3),
            }
            for query, searches, visitors, clicked in rows
        ]

    def top_queries(self, period: DateRange, limit: int = 25) -> list[dict]:
        return self._queries(period, limit)

    def no_result_queries(self, period: DateRange, limit: int = 25) -> list[dict]:
        """The searches that found nothing, per query (a query that found something another
        time is listed too, with only the searches that found nothing); the answer bot's are
        its own list (`bot_questions`)."""
        return self._queries(period, limit, where=f"AND s.results = 0 AND {NOT_BOT}")

    def bot_questions(self, period: DateRange, limit: int = 25) -> list[dict]:
        """What customers asked the help widget's answer bot that nothing answered, per query."""
        return self._queries(period, limit, where="AND s.results = 0 AND s.mode = 'bot'")

    def no_click_queries(self, period: DateRange, limit: int = 25) -> list[dict]:
        """Queries whose searches found something and never had a result opened (the answer
        bot's are left out: it shows its answer in the conversation, not as a link to open)."""
        return self._queries(
            period,
            limit,
            where=f"AND s.results > 0 AND {NOT_BOT}",
            having=f"HAVING SUM(CASE WHEN {CLICKED} THEN 1 ELSE 0 END) = 0",
        )

    def clicks(self, period: DateRange) -> dict:
        """Searches, those with a result opened, click-through, clicks and their mean rank."""
        return self._clicks(period, totals(daily_counts(self.database, period)))

    def _clicks(self, period: DateRange, counted: dict) -> dict:
        clicks, mean_rank = self._rows(
            "SELECT COUNT(*), AVG(rank) FROM click_log WHERE day BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0]
        return {
            "searches": counted["searches"],
            "searches_with_click": counted["searches_with_click"],
            "click_through_rate": counted["click_through_rate"],
            "clicks": clicks,
            "mean_click_rank": round(float(mean_rank), 2) if mean_rank is not None else None,
        }

    def article_views(self, period: DateRange, limit: int = 50) -> list[dict]:
        rows = self._rows(
            "SELECT slug, SUM(views) FROM article_views WHERE day BETWEEN ? AND ?"
            " GROUP BY slug ORDER BY SUM(views) DESC, slug LIMIT ?",
            period.start,
            period.end,
            limit,
        )
        return [{"slug": slug, "views": views} for slug, views in rows]

    def feedback(self, period: DateRange) -> list[dict]:
        """Helpful and not helpful votes per article, least helpful first, with comments."""
        rows = self._rows(
            "SELECT slug, helpful, comment FROM article_feedback"
            " WHERE substr(created_at, 1, 10) BETWEEN ? AND ? ORDER BY id",
            period.start,
            period.end,
        )
        articles: dict[str, dict] = {}
        for slug, helpful, comment in rows:
            entry = articles.setdefault(
                slug, {"slug": slug, "helpful": 0, "not_helpful": 0, "comments": []}
            )
            entry["helpful" if helpful else "not_helpful"] += 1
            if comment:
                entry["comments"].append({"helpful": bool(helpful), "comment": comment})
        return sorted(articles.values(), key=lambda e: (-e["not_helpful"], e["helpful"], e["slug"]))

    def deflection(self, period: DateRange) -> dict:
        solved, opened = self._rows(
            "SELECT COALESCE(SUM(CASE WHEN how = 'solved' THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN how = 'opened' AND cancelled = 0 THEN 1 ELSE 0 END), 0)"
            " FROM deflections WHERE day BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0]
        created = self._rows(
            "SELECT COUNT(*) FROM tickets WHERE channel = 'web-form'"
            " AND substr(created_at, 1, 10) BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0][0]
        deflected = solved + opened
        attempts = deflected + created
        return {
            "deflected": deflected,
            "solved_by_article": solved,
            "left_after_reading": opened,
            "tickets_created": created,
            "deflection_rate": ratio(deflected, attempts),
        }

    def agent_articles(self, period: DateRange, limit: int = 50) -> list[dict]:
        """Per article: how often suggested to agents, linked (reused) and voted by them."""
        rows = self._rows(
            "SELECT r.slug, COUNT(DISTINCT r.request_id),"
            " COUNT(DISTINCT CASE WHEN f.action = 'linked' THEN f.request_id END),"
            " COUNT(DISTINCT CASE WHEN f.action = 'helpful' THEN f.request_id END),"
            " COUNT(DISTINCT CASE WHEN f.action = 'not_helpful' THEN f.request_id END)"
            " FROM suggest_results r JOIN suggest_requests q ON q.id = r.request_id"
            " LEFT JOIN suggest_feedback f ON f.request_id = r.request_id AND f.slug = r.slug"
            " WHERE substr(q.created_at, 1, 10) BETWEEN ? AND ?"
            " GROUP BY r.slug ORDER BY 3 DESC, 2 DESC, r.slug LIMIT ?",
            period.start,
            period.end,
            limit,
        )
        return [
            {
                "slug": slug,
                "suggested": suggested,
                "linked": linked,
                "link_rate": round(linked / suggested, 3) if suggested else 0.0,
                "helpful": helpful,
                "not_helpful": unhelpful,
            }
            for slug, suggested, linked, helpful, unhelpful in rows
        ]

    def summary(self, period: DateRange) -> dict:
        """The period's totals: its trend rows added up, with clicks, views and deflections."""
        counted = totals(daily_counts(self.database, period))
        return {
            "from": period.start,
            "to": period.end,
            **self._clicks(period, counted),
            "no_result_searches": counted["no_result_searches"],
            "no_result_rate": counted["no_result_rate"],
            "article_views": self._rows(
                "SELECT COALESCE(SUM(views), 0) FROM article_views WHERE day BETWEEN ? AND ?",
                period.start,
                period.end,
            )[0][0],
            **self.deflection(period),
            **{key: counted[key] for key in BOT_SUMMARY},
        }
