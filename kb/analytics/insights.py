"""Every figure by name, from one function: the dashboard's tiles, charts and tables, the CSV
exports, the JSON API and the weekly report all call `Insights.figure`, so they cannot
disagree."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kb.analytics import health
from kb.analytics.figures import Analytics
from kb.analytics.gaps import Gap, gap_queue
from kb.analytics.periods import DateRange
from kb.analytics.product import product_feedback
from kb.analytics.support import ALL_QUEUES, SupportTicket, load_tickets, support_figures
from kb.analytics.trends import trend
from kb.bot.figures import bot_figures
from kb.content.model import Article
from kb.errors import BadRequest
from kb.state.database import Database, today
from kb.tickets.draft_files import Draft, list_drafts
from kb.tickets.unanswered import UnansweredGroups

Compute = Callable[["Insights", DateRange, str], Any]


@dataclasses.dataclass(frozen=True)
class Figure:
    title: str
    compute: Compute


def _self_service(insights: Insights, period: DateRange, step: str) -> list[dict]:
    """Per week, self-service (deflection, the bot) beside what reached agents."""
    support = {
        row["week"]: row for row in insights.figure("support", period) if row["queue"] == ALL_QUEUES
    }
    rows = []
    for week in trend(insights.database, period, "week"):
        agents = support.get(week["week"], {})
        rows.append(
            {
                "week": week["week"],
                "deflected": week["deflected"],
                "tickets_created": week["tickets_created"],
                "deflection_rate": week["deflection_rate"],
                "automated_resolution_rate": week["automated_resolution_rate"],
                "tickets": agents.get("tickets", 0),
                "solved": agents.get("solved", 0),
                "first_contact_resolution_rate": agents.get("first_contact_resolution_rate"),
            }
        )
    return rows


class Insights:
    """The figures of one knowledge base: its database, its drafts and its articles."""

    def __init__(
        self,
        database: Database,
        content_dir: Path,
        articles: Mapping[str, Article],
        stale_after_days: int = 180,
        on_day: str | None = None,
    ) -> None:
        self.database = database
        self.analytics = Analytics(database)
        self.content_dir = content_dir
        self.articles = articles
        self.stale_after_days = stale_after_days
        self.today = on_day or today()  # what "not updated in N days" counts from
        self._tickets: dict[DateRange, list[SupportTicket]] = {}

    def figure(self, name: str, period: DateRange, step: str = "day") -> Any:
        """The named figure for the period (`step`, day or week, is the trends' step)."""
        if name not in FIGURES:
            raise BadRequest(
                f"unknown figure '{name}'; one of: {', '.join(FIGURES)}", field="figure"
            )
        return FIGURES[name].compute(self, period, step)

    @functools.cached_property
    def drafts(self) -> list[Draft]:
        """The drafts made from groups of tickets (the queue's ticket gaps)."""
        return [d for d in list_drafts(self.content_dir) if d.source_tickets]

    def gaps(self, period: DateRange) -> list[Gap]:
        unanswered = UnansweredGroups(self.database).all()
        return gap_queue(self.analytics, period, self.drafts, unanswered=unanswered)

    def tickets(self, period: DateRange) -> list[SupportTicket]:
        if period not in self._tickets:
            self._tickets[period] = load_tickets(self.database, period)
        return self._tickets[period]

    def title(self, slug: str) -> str:
        article = self.articles.get(slug)
        return article.title if article else slug


FIGURES: dict[str, Figure] = {
    "summary": Figure("Summary", lambda i, p, s: i.analytics.summary(p)),
    "trends": Figure("Trends", lambda i, p, s: trend(i.database, p, s)),
    "searches-per-day": Figure("Searches per day", lambda i, p, s: i.analytics.searches_per_day(p)),
    "top-queries": Figure("Top queries", lambda i, p, s: i.analytics.top_queries(p)),
    "no-results": Figure(
        "Searches that found nothing", lambda i, p, s: i.analytics.no_result_queries(p)
    ),
    "no-clicks": Figure(
        "Searches with no result opened", lambda i, p, s: i.analytics.no_click_queries(p)
    ),
    "article-views": Figure("Article views", lambda i, p, s: i.analytics.article_views(p)),
    "feedback": Figure("Was this helpful?", lambda i, p, s: i.analytics.feedback(p)),
    "deflection": Figure("Deflection", lambda i, p, s: i.analytics.deflection(p)),
    "agents": Figure(
        "Agents: suggestions, links and reuse", lambda i, p, s: i.analytics.agent_articles(p)
    ),
    "gaps": Figure("Gap queue", lambda i, p, s: [dataclasses.asdict(g) for g in i.gaps(p)]),
    "stale-articles": Figure(
        "Not updated lately",
        lambda i, p, s: health.stale_articles(i.articles, i.stale_after_days, i.today),
    ),
    "worst-rated": Figure("Least helpful", lambda i, p, s: health.worst_rated(i.database, p)),
    "unread-articles": Figure(
        "Never read", lambda i, p, s: health.unread_articles(i.database, i.articles, p)
    ),
    "broken-links": Figure("Broken links", lambda i, p, s: health.broken_links(i.articles)),
    "unclicked-top-results": Figure(
        "Top results nobody opens", lambda i, p, s: health.unclicked_top_results(i.database, p)
    ),
    "support": Figure("Support", lambda i, p, s: support_figures(i.tickets(p))),
    "self-service": Figure("Self-service and agents", _self_service),
    "answer-bot": Figure("The answer bot", lambda i, p, s: bot_figures(i.database, p)),
    "product-feedback": Figure(
        "Product feedback", lambda i, p, s: product_feedback(i.tickets(p), p)
    ),
}
