"""Figures for a date range, each computed from the recorded events."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from kb.state.database import Database, today


@dataclasses.dataclass(frozen=True)
class DateRange:
    start: str  # ISO days, both included
    end: str

    @classmethod
    def last(cls, days: int) -> DateRange:
        end = dt.date.fromisoformat(today())
        return cls((end - dt.timedelta(days=days - 1)).isoformat(), end.isoformat())

    def days(self) -> list[str]:
        first, last = dt.date.fromisoformat(self.start), dt.date.fromisoformat(self.end)
        return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


class Analytics:
    """Figures for a date range, each from the recorded events."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def _rows(self, sql: str, *params: Any) -> Sequence[sa.Row]:
        with self.database.connect() as connection:
            return connection.execute(sql, params).fetchall()

    def searches_per_day(self, period: DateRange) -> list[dict]:
        counts = dict(
            self._rows(
                "SELECT day, COUNT(*) FROM search_log WHERE day BETWEEN ? AND ? GROUP BY day",
                period.start,
                period.end,
            )
        )
        return [{"day": day, "searches": counts.get(day, 0)} for day in period.days()]

    def _queries(self, period: DateRange, having: str, limit: int) -> list[dict]:
        # Searches without a visitor cookie count as searches, never as visitors: a script
        # sending no cookie is not one more person.
        visitors = "COUNT(DISTINCT CASE WHEN s.visitor != '' THEN s.visitor END)"
        rows = self._rows(
            f"SELECT s.query, COUNT(*), {visitors},"
            " SUM(CASE WHEN c.clicks > 0 THEN 1 ELSE 0 END)"
            " FROM search_log s LEFT JOIN (SELECT search_id, COUNT(*) AS clicks FROM click_log"
            " GROUP BY search_id) c ON c.search_id = s.id"
            " WHERE s.day BETWEEN ? AND ? AND s.query != ''"
            f" GROUP BY s.query {having} ORDER BY {visitors} DESC, COUNT(*) DESC,"
            " s.query LIMIT ?",
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

    def top_queries(self, period: DateRange, limit: int = 20) -> list[dict]:
        return self._queries(period, "", limit)

    def no_result_queries(self, period: DateRange, limit: int = 20) -> list[dict]:
        return self._queries(period, "HAVING MAX(s.results) = 0", limit)

    def no_click_queries(self, period: DateRange, limit: int = 20) -> list[dict]:
        having = "HAVING MIN(s.results) > 0 AND SUM(CASE WHEN c.clicks > 0 THEN 1 ELSE 0 END) = 0"
        return self._queries(period, having, limit)

    def clicks(self, period: DateRange) -> dict:
        searches, with_click = self._rows(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM click_log c"
            " WHERE c.search_id = s.id) THEN 1 ELSE 0 END), 0) FROM search_log s"
            " WHERE s.day BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0]
        clicks, mean_rank = self._rows(
            "SELECT COUNT(*), AVG(rank) FROM click_log WHERE day BETWEEN ? AND ?",
            period.start,
            period.end,
        )[0]
        return {
            "searches": searches,
            "searches_with_click": with_click,
            "click_through_rate": round(with_click / searches, 3) if searches else 0.0,
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
            "deflection_rate": round(deflected / attempts, 3) if attempts else 0.0,
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
        return {
            "from": period.start,
            "to": period.end,
            **self.clicks(period),
            "no_result_searches": self._rows(
                "SELECT COUNT(*) FROM search_log WHERE results = 0 AND day BETWEEN ? AND ?",
                period.start,
                period.end,
            )[0][0],
            "article_views": self._rows(
                "SELECT COALESCE(SUM(views), 0) FROM article_views WHERE day BETWEEN ? AND ?",
                period.start,
                period.end,
            )[0][0],
            **self.deflection(period),
        }
