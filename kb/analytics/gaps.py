"""One gap queue: failed searches, unhelpful articles, ticket groups and the answer bot's
unanswered questions, the ones affecting the most customers first; whole (never cut, so no kind
falls off the end), paged and filtered by kind for reading."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from kb.analytics.figures import Analytics, DateRange
from kb.errors import BadRequest

ALL = "all"
# The filters, each with the kinds of gap it shows, in the order the page offers them.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "searches": ("Failed searches", ("no_results", "no_clicks")),
    "articles": ("Unhelpful articles", ("unhelpful",)),
    "tickets": ("Ticket groups", ("tickets", "needs_answer")),
    "bot": ("Bot questions", ("bot",)),
}
PER_PAGE = 25
EVERY_QUERY = 1_000_000  # no cut: a long tail of failed searches must not hide the other kinds
_ORDER = {
    "tickets": 0,
    "needs_answer": 1,
    "no_results": 2,
    "bot": 3,
    "unhelpful": 4,
    "no_clicks": 5,
}


@dataclasses.dataclass(frozen=True)
class Gap:
    kind: str  # no_results, no_clicks, unhelpful, tickets, needs_answer, bot
    title: str
    affected: int  # visitors, voters or tickets
    detail: str
    target: str  # what to open: a query, an article slug, a draft id or a ticket group's id

    @property
    def group(self) -> str:
        return next(name for name, (_, kinds) in GROUPS.items() if self.kind in kinds)


@dataclasses.dataclass(frozen=True)
class GapPage:
    """One page of the queue, filtered by group, with how many gaps each group holds."""

    gaps: list[Gap]
    group: str
    page: int
    pages: int
    total: int  # gaps in the chosen group
    counts: dict[str, int]  # gaps per group, and ALL


def gap_queue(
    analytics: Analytics,
    period: DateRange,
    drafts: Iterable[Any] = (),
    unanswered: Iterable[Any] = (),
) -> list[Gap]:
    """Every gap of every kind, the ones affecting the most customers first. `unanswered`: groups
    of resolved tickets no agent answered (kb.tickets.unanswered)."""
    gaps = [
        Gap("no_results", q["query"], q["visitors"],
            f"{_count(q['searches'], 'search')}, nothing found", q["query"])
        for q in analytics.no_result_queries(period, EVERY_QUERY)
    ] + [
        Gap("no_clicks", q["query"], q["visitors"],
            f"{_count(q['searches'], 'search')}, no result opened", q["query"])
        for q in analytics.no_click_queries(period, EVERY_QUERY)
    ] + [
        Gap("unhelpful", f["slug"], f["not_helpful"],
            f"{f['not_helpful']} not helpful, {f['helpful']} helpful", f["slug"])
        for f in analytics.feedback(period)
        if f["not_helpful"] > f["helpful"]
    ] + [
        Gap("tickets", str(d.meta.get("title", d.id)), len(d.source_tickets),
            f"{_count(len(d.source_tickets), 'resolved ticket')} no article answered", d.id)
        for d in drafts
    ] + [
        Gap("needs_answer", g.title, len(g.ticket_ids),
            f"{_count(len(g.ticket_ids), 'resolved ticket')} no agent answered", g.id)
        for g in unanswered
    ] + [
        Gap("bot", q["query"], q["visitors"],
            f"asked the answer bot {_count(q['searches'], 'time')}, nothing answered", q["query"])
        for q in analytics.bot_questions(period, EVERY_QUERY)
    ]  # fmt: skip
    return sorted(gaps, key=lambda g: (-g.affected, _ORDER[g.kind], g.title))


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 'es' if thing.endswith('h') else 's'}"


def page_of(gaps: list[Gap], group: str = ALL, page: int = 1, per_page: int = PER_PAGE) -> GapPage:
    """Page `page` (from 1; past the end, the last page) of the gaps in `group`."""
    if group != ALL and group not in GROUPS:
        raise BadRequest(f"kind must be one of {ALL}, {', '.join(GROUPS)}", field="kind")
    if page < 1:
        raise BadRequest("page must be a whole number from 1", field="page")
    counts = {name: sum(g.group == name for g in gaps) for name in GROUPS}
    counts[ALL] = len(gaps)
    chosen = gaps if group == ALL else [g for g in gaps if g.group == group]
    pages = max(1, -(-len(chosen) // per_page))
    page = min(page, pages)
    return GapPage(
        chosen[(page - 1) * per_page : page * per_page], group, page, pages, len(chosen), counts
    )
