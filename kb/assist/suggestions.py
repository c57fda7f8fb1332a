"""Agent assist: the articles and sections that resolve a ticket, and its triage.

Confidence of a suggestion is its fused hybrid score mapped linearly from [LOW, HIGH] to [0, 1]
(clipped): the fused score is (1-w)·damped BM25 + w·cosine (see kb.search.fusion), so it is on a
fixed scale across tickets. LOW and HIGH were set on the labelled tickets in tests/data so that
the share of correct top suggestions rises with confidence (README, "Agent assist"), and re-set
when sections came to be embedded as passages (kb.index.passages), which raised top scores: on
those tickets they now run from 0.45 to 0.83, a tenth of them below 0.57 and a tenth above 0.75.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Sequence

from kb.assist.requests import disagreeing, label, merge_rankings, split_requests
from kb.assist.suggestion_log import SuggestionLog
from kb.assist.ticket_text import Ticket, TicketQuery, build_ticket_query
from kb.assist.triage import Triage, ticket_triage, triage_ticket
from kb.content.model import Article, Section
from kb.errors import BadRequest, PayloadTooLarge
from kb.index.keyword.analysis import query_terms
from kb.index.loaded import LoadedIndex
from kb.limits import MAX_TICKET_CHARS
from kb.search.engine import SearchEngine, roll_up
from kb.search.hits import Filters, Hit
from kb.search.snippets import make_snippet

CONFIDENCE_LOW, CONFIDENCE_HIGH = 0.40, 0.75
AGENT_FILTERS = Filters(include_internal=True)
TRIAGE_VOTERS = 5
REQUEST_SUGGESTIONS = 3  # shown under each request of a ticket that asks several things
# A request's opening words the vector side reads: the model's cost grows with them, and on
# the labelled tickets 48 found what 96 did.
REQUEST_WORDS = 48
__all__ = ["AgentAssist", "SuggestResult", "Suggestion", "Triage", "triage_ticket"]


@dataclasses.dataclass(frozen=True)
class Suggestion:
    article: Article
    section: Section
    score: float
    confidence: float
    snippet: str


@dataclasses.dataclass(frozen=True)
class RequestSuggestions:
    """One of the separate requests of a ticket that asks for more than one thing."""

    text: str
    label: str
    suggestions: list[Suggestion]
    triage: Triage


@dataclasses.dataclass(frozen=True)
class SuggestResult:
    request_id: str
    suggestions: list[Suggestion]
    triage: Triage
    took_ms: float
    requests: list[RequestSuggestions] = dataclasses.field(default_factory=list)


def confidence(score: float) -> float:
    return round(
        min(1.0, max(0.0, (score - CONFIDENCE_LOW) / (CONFIDENCE_HIGH - CONFIDENCE_LOW))), 3
    )


def check_ticket(ticket: Ticket) -> Ticket:
    if not (
        ticket.subject.strip()
        or ticket.body.strip()
        or any(m.body.strip() for m in ticket.messages)
    ):
        raise BadRequest("send at least one of subject, body or messages", field="body")
    size = len(ticket.subject) + len(ticket.body) + sum(len(m.body) for m in ticket.messages)
    if size > MAX_TICKET_CHARS:
        raise PayloadTooLarge(
            f"the ticket is {size:,} characters; the limit is {MAX_TICKET_CHARS:,}"
        )
    return ticket


class AgentAssist:
    def __init__(self, engine: SearchEngine, log: SuggestionLog | None) -> None:
        self.engine = engine
        self.log = log

    def suggest(
        self,
        ticket: Ticket,
        limit: int = 5,
        *,
        clean: bool = True,
        learn: bool = True,
        ticket_id: str | None = None,
    ) -> SuggestResult:
        """Rank articles for a ticket (internal included), triage it, and remember the request
        (for the stored ticket `ticket_id`, if it is one). A ticket that asks for several things
        also gets each request's suggestions and triage (kb.assist.requests), and its list and
        triage are made of theirs."""
        started = time.perf_counter()
        check_ticket(ticket)
        index = self.engine.current_index()
        query = build_ticket_query(ticket, index.speller.frequencies, clean=clean)
        changes = self.learned(query) if learn else {}
        ranked = self.ranked(index, query, changes)
        triage = triage_ticket(ticket, query, ranked[:TRIAGE_VOTERS])
        requests = self.separate_requests(index, ticket, changes) if clean else []
        if requests:
            ranked = merge_rankings(ranked, [r.ranked for r in requests])
            triage = ticket_triage(triage, requests)
        terms = set(query_terms(query.keyword_text))
        suggestions = [suggestion(item, terms) for item in ranked[:limit]]
        request_id = uuid.uuid4().hex
        if self.log is not None:
            self.log.record_request(
                request_id,
                self.engine.embedder.embed_query(query.vector_text),
                triage.kind,
                triage.category,
                [s.article.slug for s in suggestions],
                ticket_id,
            )
        took_ms = round((time.perf_counter() - started) * 1000, 2)
        shown = [r.shown(REQUEST_SUGGESTIONS) for r in requests]
        return SuggestResult(request_id, suggestions, triage, took_ms, shown)

    def triage(self, ticket: Ticket) -> Triage:
        """Service or support, and the category, as `suggest` gives them, recording nothing
        (a ticket routed to its queue is not an agent asking for suggestions)."""
        check_ticket(ticket)
        index = self.engine.current_index()
        query = build_ticket_query(ticket, index.speller.frequencies)
        ranked = self.ranked(index, query, {})
        return triage_ticket(ticket, query, ranked[:TRIAGE_VOTERS])

    def learned(self, query: TicketQuery) -> dict[str, float]:
        """Score changes from agents' feedback on tickets like this one (none without a log)."""
        if self.log is None:
            return {}
        return self.log.adjustments(self.engine.embedder.embed_query(query.vector_text))

    def ranked(
        self, index: LoadedIndex, query: TicketQuery, changes: dict[str, float]
    ) -> list[tuple[Article, Section, float]]:
        """Articles for a ticket query, best first, with what agents taught applied."""
        engine = self.engine
        keyword_hits, vector_hits = engine.retrieve(
            index, query.keyword_text, "hybrid", AGENT_FILTERS, vector_query=query.vector_text
        )
        hits = engine.combine("hybrid", keyword_hits, vector_hits)
        return roll_up(apply_adjustments(hits, changes, index), index, query.vector_text)

    def separate_requests(
        self, index: LoadedIndex, ticket: Ticket, changes: dict[str, float]
    ) -> list[Request]:
        """Each request of a ticket that asks for more than one thing, searched on its own;
        none when it asks one thing (or its requests all find the same best article)."""
        texts = split_requests(ticket)
        if len(texts) < 2:
            return []
        vocabulary = index.speller.frequencies
        found = []
        for text in texts:
            asked = Ticket(body=text)
            query = build_ticket_query(asked, vocabulary, vector_words=REQUEST_WORDS)
            ranked = self.ranked(index, query, changes)
            found.append(Request(text, query, ranked, triage_ticket(asked, query, ranked[:5])))
        kept = disagreeing([request.ranked for request in found])
        return [found[n] for n in kept] if len(kept) > 1 else []


@dataclasses.dataclass(frozen=True)
class Request:
    """One request of a ticket, searched on its own."""

    text: str
    query: TicketQuery
    ranked: list[tuple[Article, Section, float]]
    triage: Triage

    def shown(self, limit: int) -> RequestSuggestions:
        terms = set(query_terms(self.query.keyword_text))
        suggestions = [suggestion(item, terms) for item in self.ranked[:limit]]
        return RequestSuggestions(self.text, label(self.text), suggestions, self.triage)


def suggestion(item: tuple[Article, Section, float], terms: set[str]) -> Suggestion:
    article, section, score = item
    return Suggestion(article, section, score, confidence(score), make_snippet(section.text, terms))


def apply_adjustments(
    hits: Sequence[Hit], changes: dict[str, float], index: LoadedIndex
) -> list[Hit]:
    """Shift every section of an article by its learned change; an article agents linked but
    retrieval missed enters with its first section."""
    if not changes:
        return list(hits)
    adjusted = []
    seen: set[str] = set()
    for hit in hits:
        found = index.sections.get(hit.section_id)
        slug = found[0].slug if found else ""
        seen.add(slug)
        adjusted.append(Hit(hit.section_id, hit.score + changes.get(slug, 0.0)))
    for slug, change in changes.items():
        article = index.articles.get(slug)
        if (
            change > 0
            and slug not in seen
            and article
            and article.is_searchable
            and article.sections
        ):
            adjusted.append(Hit(article.sections[0].id, change))
    adjusted.sort(key=lambda hit: (-hit.score, hit.section_id))
    return adjusted
