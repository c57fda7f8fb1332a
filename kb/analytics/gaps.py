"""One gap queue: failed searches, unhelpful articles and ticket groups, the ones affecting the
most customers first."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from kb.analytics.figures import Analytics, DateRange


@dataclasses.dataclass(frozen=True)
class Gap:
    kind: str  # no_results, no_clicks, unhelpful, tickets, needs_answer
    title: str
    affected: int  # visitors, voters or tickets
    detail: str
    target: str  # what to open: a query, an article slug, a draft id or a ticket group's id


def gap_queue(
    analytics: Analytics,
    period: DateRange,
    drafts: Iterable[Any] = (),
    limit: int = 50,
    unanswered: Iterable[Any] = (),
) -> list[Gap]:
    """Every kind of gap in one list, the ones affecting the most customers first."""
    gaps = [
        Gap("no_results", q["query"], q["visitors"], f"{q['searches']} searches, nothing found",
            q["query"])
        for q in analytics.no_result_queries(period, limit)
    ] + [
        Gap("no_clicks", q["query"], q["visitors"], f"{q['searches']} searches, no result opened",
            q["query"])
        for q in analytics.no_click_queries(period, limit)
    ] + [
        Gap("unhelpful", f["slug"], f["not_helpful"],
            f"{f['not_helpful']} not helpful, {f['helpful']} helpful", f["slug"])
        for f in analytics.feedback(period)
        if f["not_helpful"] > f["helpful"]
    ] + [
        Gap("tickets", str(d.meta.get("title", d.id)), len(d.source_tickets),
            f"{len(d.source_tickets)} resolved tickets no article answered", d.id)
        for d in drafts
    ] + [
        Gap("needs_answer", g.title, len(g.ticket_ids),
            f"{len(g.ticket_ids)} resolved tickets no agent answered", g.id)
        for g in unanswered
    ]  # fmt: skip
    order = {"tickets": 0, "needs_answer": 1, "no_results": 2, "unhelpful": 3, "no_clicks": 4}
    return sorted(gaps, key=lambda g: (-g.affected, order[g.kind], g.title))[:limit]
