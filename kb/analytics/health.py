"""Content health: what to fix in the published articles, each list from the content itself or
the recorded events, worst first.

- stale: not updated (front matter `updated`) in `stale_after_days`, or never dated;
- worst rated: the lowest share of helpful votes among articles with at least MIN_VOTES votes
  in the period (fewer votes say little);
- unread: public articles never viewed, or never opened from a search, in the period;
- broken links: links to an article file that is not there, or to a section it does not have;
- unclicked top results: queries searched at least MIN_SEARCHES times whose top result was
  never opened from them (customers read the title and snippet and went elsewhere).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kb.analytics.periods import DateRange
from kb.analytics.trends import COUNTED_SEARCH
from kb.content.loading import article_link_map, resolve_article_link
from kb.content.model import Article
from kb.state.database import Database

MIN_VOTES = 5
MIN_SEARCHES = 3
LIMIT = 50
_LINK = re.compile(r"\]\(([^)\s]*?\.md)?(?:#([^)\s]*))?\)")


def _published(articles: Mapping[str, Article]) -> list[Article]:
    return [a for a in articles.values() if a.is_searchable]


def stale_articles(
    articles: Mapping[str, Article], stale_after_days: int, today: str, limit: int = LIMIT
) -> list[dict]:
    """Published articles not updated in `stale_after_days` (or never dated), oldest first."""
    cutoff = dt.date.fromisoformat(today) - dt.timedelta(days=stale_after_days)
    rows = []
    for article in _published(articles):
        updated = _date(article.updated)
        if updated is None or updated < cutoff:
            age = (dt.date.fromisoformat(today) - updated).days if updated else None
            rows.append(
                {"slug": article.slug, "updated": article.updated or "", "days_since_update": age}
            )
    rows.sort(key=lambda r: (r["updated"] != "", r["updated"], r["slug"]))
    return rows[:limit]


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def worst_rated(
    database: Database, period: DateRange, min_votes: int = MIN_VOTES, limit: int = LIMIT
) -> list[dict]:
    """Articles with at least `min_votes` votes in the period, the least helpful share first."""
    with database.connect() as connection:
        rows = connection.execute(
            "SELECT slug, SUM(helpful), COUNT(*) FROM article_feedback"
            " WHERE substr(created_at, 1, 10) BETWEEN ? AND ? GROUP BY slug HAVING COUNT(*) >= ?",
            (period.start, period.end, min_votes),
        ).fetchall()
    rated = [
        {
            "slug": slug,
            "helpful": int(helpful),
            "not_helpful": int(votes) - int(helpful),
            "votes": int(votes),
            "helpful_ratio": round(int(helpful) / int(votes), 3),
        }
        for slug, helpful, votes in rows
    ]
    rated.sort(key=lambda r: (r["helpful_ratio"], -r["votes"], r["slug"]))
    return rated[:limit]


def unread_articles(
    database: Database, articles: Mapping[str, Article], period: DateRange, limit: int = LIMIT
) -> list[dict]:
    """Public articles never viewed, or never opened from a search, in the period."""
    with database.connect() as connection:
        views = dict(
            connection.execute(
                "SELECT slug, SUM(views) FROM article_views WHERE day BETWEEN ? AND ?"
                " GROUP BY slug",
                (period.start, period.end),
            ).fetchall()
        )
        clicks = dict(
            connection.execute(
                "SELECT slug, COUNT(*) FROM click_log WHERE day BETWEEN ? AND ? GROUP BY slug",
                (period.start, period.end),
            ).fetchall()
        )
    rows = [
        {
            "slug": a.slug,
            "views": int(views.get(a.slug, 0)),
            "search_clicks": int(clicks.get(a.slug, 0)),
        }
        for a in articles.values()
        if a.is_public and not (views.get(a.slug) and clicks.get(a.slug))
    ]
    rows.sort(key=lambda r: (r["views"], r["search_clicks"], r["slug"]))
    return rows[:limit]


def broken_links(articles: Mapping[str, Article], limit: int = LIMIT) -> list[dict]:
    """Links in published articles to an article file that is not there, or to a section
    (`#anchor`) the linked article does not have."""
    by_path = article_link_map(articles.values())
    rows = []
    for article in sorted(_published(articles), key=lambda a: a.path):
        for target, problem in _link_problems(article, articles, by_path):
            rows.append({"slug": article.slug, "link": target, "problem": problem})
    return rows[:limit]


def _link_problems(
    article: Article, articles: Mapping[str, Article], by_path: Mapping[str, str]
) -> Iterable[tuple[str, str]]:
    for match in _LINK.finditer(article.body):
        file, anchor = match.group(1), match.group(2)
        if file is None and anchor is None:
            continue  # a link to a web page or another kind of file
        target = f"{file or ''}{'#' + anchor if anchor is not None else ''}"
        if "://" in target:
            continue
        slug = resolve_article_link(file, article.path, by_path) if file else article.slug
        if slug is None:
            yield target, f"no article file '{file}'"
        elif anchor and anchor not in {s.anchor for s in articles[slug].sections}:
            yield target, f"no section '#{anchor}' in '{slug}'"


def unclicked_top_results(
    database: Database, period: DateRange, min_searches: int = MIN_SEARCHES, limit: int = LIMIT
) -> list[dict]:
    """Per query and top result: searches at least `min_searches`, the top result never opened
    from them; with how many of them opened another result."""
    with database.connect() as connection:
        rows = connection.execute(
            "SELECT s.query, s.slugs, COUNT(*),"
            " SUM(CASE WHEN EXISTS (SELECT 1 FROM click_log c WHERE c.search_id = s.id"
            " AND c.rank = 1) THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN EXISTS (SELECT 1 FROM click_log c WHERE c.search_id = s.id)"
            " THEN 1 ELSE 0 END)"
            f" FROM search_log s WHERE s.day BETWEEN ? AND ? AND {COUNTED_SEARCH}"
            " AND s.results > 0 GROUP BY s.query, s.slugs",
            (period.start, period.end),
        ).fetchall()
    totals: dict[tuple[str, str], list[int]] = {}
    for query, slugs, searches, top_opened, any_opened in rows:
        shown = json.loads(slugs)
        if not shown:
            continue
        counts = totals.setdefault((query, shown[0]), [0, 0, 0])
        for n, value in enumerate((searches, top_opened, any_opened)):
            counts[n] += int(value or 0)
    found: list[dict[str, Any]] = [
        {"query": query, "slug": slug, "searches": searches, "opened_another": other}
        for (query, slug), (searches, top, other) in totals.items()
        if searches >= min_searches and top == 0
    ]
    found.sort(key=lambda r: (-r["searches"], r["query"], r["slug"]))
    return found[:limit]
