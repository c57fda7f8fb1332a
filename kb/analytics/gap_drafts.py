""" "Start a draft" from a gap: open the draft already written on the same topic when there is
one, else write one filled in from what is behind the gap (the searches, or readers' votes).

A failed search's draft is the one that came from the same query, or the draft (a ticket group's
included) whose title or issue lines the query is close to: a cosine of at least DRAFT_MATCH
with all-MiniLM-L6-v2. Measured on the browser tests' two seed drafts: queries on their topic
scored 0.55 to 0.92 ("where do my scans go" 0.55, "camera upload stuck waiting for wi-fi" 0.90),
unrelated ones at most 0.45 ("camera upload" against the scanned-documents draft, whose issue
says the scans land in Camera Uploads). An article's gap (unhelpful, stale, a broken link) opens
the draft that updates it (`update_of`), or starts one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb.analytics.insights import Insights
from kb.analytics.periods import DateRange
from kb.analytics.trends import CLICKED
from kb.content.model import Article
from kb.state.database import Database
from kb.tickets.draft_files import (
    DRAFTS,
    Draft,
    body_hash,
    free_draft_path,
    list_drafts,
    read_draft,
    write_draft_file,
)
from kb.tickets.scrub import scrub_personal_data

DRAFT_MATCH = 0.55
TO_FILL = "_To be completed by the writer._"
Embed = Callable[[Sequence[str]], np.ndarray]  # unit-length vectors, one row per text


@dataclasses.dataclass(frozen=True)
class Searches:
    """The searches behind a failed query in a period."""

    query: str
    searches: int
    visitors: int
    found_nothing: int
    opened: int
    first_day: str
    last_day: str
    shown: tuple[str, ...]  # the articles search showed most often, most first


def searches_behind(database: Database, query: str, period: DateRange) -> Searches:
    """What the recorded searches of `query` in the period say."""
    with database.connect() as connection:
        rows = connection.execute(
            f"SELECT s.day, s.visitor, s.results, s.slugs, CASE WHEN {CLICKED} THEN 1 ELSE 0 END"
            " FROM search_log s WHERE s.query = ? AND s.day BETWEEN ? AND ? ORDER BY s.day",
            (query, period.start, period.end),
        ).fetchall()
    shown: Counter[str] = Counter()
    for row in rows:
        shown.update(json.loads(row[3])[:3])
    return Searches(
        query=query,
        searches=len(rows),
        visitors=len({row[1] for row in rows if row[1]}),
        found_nothing=sum(row[2] == 0 for row in rows),
        opened=sum(int(row[4]) for row in rows),
        first_day=rows[0][0] if rows else period.start,
        last_day=rows[-1][0] if rows else period.end,
        shown=tuple(slug for slug, _ in shown.most_common(3)),
    )


def _issue_lines(draft: Draft) -> list[str]:
    lines, inside = [], False
    for line in draft.body.splitlines():
        if line.startswith("## "):
            inside = line.strip() == "## Issue"
        elif inside and line.startswith("- "):
            lines.append(line[2:].strip())
    return lines[:5]


def matching_drafts(
    queries: Sequence[str], drafts: Sequence[Draft], embed: Embed | None
) -> dict[str, Draft | None]:
    """For each query, the draft written from it, or the one whose title or issue lines it is
    closest to (at least DRAFT_MATCH); None when no draft is on its topic."""
    found: dict[str, Draft | None] = {}
    for query in queries:
        found[query] = next(
            (d for d in drafts if query in [str(q) for q in d.meta.get("source_queries") or []]),
            None,
        )
    open_queries = [q for q in queries if found[q] is None]
    if embed is None or not drafts or not open_queries:
        return found
    texts = [[str(d.meta.get("title") or d.id), *_issue_lines(d)] for d in drafts]
    flat = [text for draft_texts in texts for text in draft_texts]
    vectors = embed([*open_queries, *flat])
    similarity = vectors[: len(open_queries)] @ vectors[len(open_queries) :].T
    scores = np.zeros((len(open_queries), len(drafts)), dtype=np.float32)
    start = 0
    for column, draft_texts in enumerate(texts):
        scores[:, column] = similarity[:, start : start + len(draft_texts)].max(axis=1)
        start += len(draft_texts)
    for row, query in enumerate(open_queries):
        best = int(np.argmax(scores[row]))
        found[query] = drafts[best] if scores[row, best] >= DRAFT_MATCH else None
    return found


def close_queries(query: str, others: Iterable[str], embed: Embed | None) -> list[str]:
    """The other queries on the same topic as `query` (as close as a draft must be)."""
    others = [q for q in dict.fromkeys(others) if q != query]
    if embed is None or not others:
        return []
    vectors = embed([query, *others])
    scores = vectors[1:] @ vectors[0]
    return [q for q, score in zip(others, scores, strict=True) if score >= DRAFT_MATCH]


def start_query_draft(
    content_dir: Path,
    behind: Searches,
    articles: Mapping[str, Article],
    embed: Embed | None = None,
    related_queries: Iterable[str] = (),
    today: dt.date | None = None,
) -> tuple[Draft, bool]:
    """The draft on this failed search's topic, or a new one filled in from its searches;
    with whether it is new."""
    existing = matching_drafts([behind.query], list_drafts(content_dir), embed)[behind.query]
    if existing is not None:
        return existing, False
    shown = [articles[slug] for slug in behind.shown if slug in articles]
    outcome = (
        "found nothing"
        if behind.found_nothing == behind.searches
        else f"opened {'none' if not behind.opened else behind.opened} of the results"
    )
    issue = [behind.query, *[q for q in related_queries if q != behind.query][:4]]
    lines = [
        f"Customers searched for “{behind.query}” {behind.searches} times ({behind.visitors} "
        f"visitors, {behind.first_day} to {behind.last_day}) and {outcome}.",
        "",
        "## Issue",
        "",
        *[f"- {scrub_personal_data(q)}" for q in issue],
        "",
        "## Environment",
        "",
        "- (not stated)",
        "",
        "## Resolution",
        "",
        "1. (not stated)",
        "",
        "## Cause",
        "",
        TO_FILL,
        "",
        "## Related articles",
        "",
        *([f"- [{a.title}]({a.slug}.md)" for a in shown] or ["- (none)"]),
    ]
    categories = Counter(a.category for a in shown)
    kinds = Counter(a.kind for a in shown if a.kind)
    meta: dict[str, Any] = {
        "title": behind.query[:1].upper() + behind.query[1:],
        "status": "draft",
        "audience": "public",
        "type": "troubleshooting",
        "category": categories.most_common(1)[0][0] if categories else "general",
        "kind": kinds.most_common(1)[0][0] if kinds else "support",
        "source_queries": issue,
    }
    return _write(content_dir, meta, "\n".join(lines) + "\n", today), True


def start_update_draft(
    content_dir: Path, article: Article, reasons: Sequence[str], today: dt.date | None = None
) -> tuple[Draft, bool]:
    """The draft that updates `article`, or a new one listing what to fix (`reasons`, scrubbed
    of personal data: readers' comments are among them); with whether it is new."""
    existing = update_drafts(list_drafts(content_dir)).get(article.slug)
    if existing is not None:
        return existing, False
    # Under a heading of its own: the writer's update page lists a draft's lines by section,
    # beside the article (kb.tickets.studio.proposed_additions).
    body = "\n".join(
        [
            "## What to fix",
            "",
            f"In [{article.title}]({article.slug}.md):",
            "",
            *[f"- {scrub_personal_data(reason)}" for reason in reasons],
            "",
            "## Changes",
            "",
            TO_FILL,
        ]
    )
    meta: dict[str, Any] = {
        "title": f"Update: {article.title}",
        "status": "draft",
        "audience": article.audience,
        "type": article.type or "troubleshooting",
        "category": article.category,
        "kind": article.kind or "support",
        "update_of": article.slug,
    }
    return _write(content_dir, meta, body + "\n", today), True


def update_drafts(drafts: Iterable[Draft]) -> dict[str, Draft]:
    """The drafts that update an article, by the article's slug."""
    return {str(d.meta["update_of"]): d for d in drafts if d.meta.get("update_of")}


def _write(content_dir: Path, meta: dict[str, Any], body: str, today: dt.date | None) -> Draft:
    meta["generated"] = (today or dt.date.today()).isoformat()
    meta["generated_hash"] = body_hash(body)
    path = free_draft_path(content_dir / DRAFTS, str(meta["title"]))
    write_draft_file(path, meta, body)
    return read_draft(path)


def what_to_fix(insights: Insights, article: Article, period: DateRange) -> list[str]:
    """Why the insights send a writer to this article: its votes and readers' comments, its
    age, its broken links, and the searches that show it first and never open it."""
    reasons = []
    votes = next(
        (f for f in insights.analytics.feedback(period) if f["slug"] == article.slug), None
    )
    if votes and votes["not_helpful"]:
        reasons.append(
            f"{votes['not_helpful']} not helpful and {votes['helpful']} helpful votes from "
            f"{period.start} to {period.end}."
        )
        reasons += [f"A reader: “{c['comment']}”" for c in votes["comments"] if not c["helpful"]]
    stale = [r for r in insights.figure("stale-articles", period) if r["slug"] == article.slug]
    if stale:
        reasons.append(f"Not updated since {stale[0]['updated'] or 'it was written (no date)'}.")
    reasons += [
        f"Broken link to {r['link']}: {r['problem']}."
        for r in insights.figure("broken-links", period)
        if r["slug"] == article.slug
    ]
    reasons += [
        f"Shown first for “{r['query']}” {r['searches']} times and never opened."
        for r in insights.figure("unclicked-top-results", period)
        if r["slug"] == article.slug
    ]
    reasons += [
        f"{r['views']} views and {r['search_clicks']} opened from search from {period.start} "
        f"to {period.end}."
        for r in insights.figure("unread-articles", period)
        if r["slug"] == article.slug
    ]
    return reasons or ["(Say what to change.)"]
