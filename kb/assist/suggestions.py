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

from kb.assist.suggestion_log import SuggestionLog
from kb.assist.ticket_text import Ticket, TicketQuery, build_ticket_query
from kb.content.model import Article, Kind, Section
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

# Words that, by themselves, say which side of the house a ticket belongs to.
SERVICE_CUES = frozenset(
    "refund refunds charge charged charges invoice invoices billing bill billed plan plans price "
    "pricing subscription subscriptions cancel cancellation renew renewal payment paid pay card "
    "receipt receipts order orders purchase discount vat tax seats license licenses upgrade "
    "downgrade trial account email delete privacy gdpr".split()
)
SUPPORT_CUES = frozenset(
    "error errors crash crashes crashed sync syncing synced install installed installing bug "
    "broken fails failed failing slow stuck freeze frozen upload uploading download downloading "
    "conflict conflicted permission denied proxy firewall api token integration cpu memory "
    "update version app desktop mobile".split()
)


@dataclasses.dataclass(frozen=True)
class Suggestion:
    article: Article
    section: Section
    score: float
    confidence: float
    snippet: str


@dataclasses.dataclass(frozen=True)
class Triage:
    kind: Kind
    category: str | None
    confidence: float
    reasons: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class SuggestResult:
    request_id: str
    suggestions: list[Suggestion]
    triage: Triage
    took_ms: float


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
        self, ticket: Ticket, limit: int = 5, *, clean: bool = True, learn: bool = True
    ) -> SuggestResult:
        """Rank articles for a ticket (internal included), triage it, and remember the request."""
        started = time.perf_counter()
        check_ticket(ticket)
        index = self.engine.current_index()
        query = build_ticket_query(ticket, index.speller.frequencies, clean=clean)
        hits = self.section_hits(index, query, learn=learn)
        ranked = roll_up(hits, index)
        terms = set(query_terms(query.keyword_text))
        suggestions = [
            Suggestion(
                article, section, score, confidence(score), make_snippet(section.text, terms)
            )
            for article, section, score in ranked[:limit]
        ]
        triage = triage_ticket(ticket, query, ranked[:TRIAGE_VOTERS])
        request_id = uuid.uuid4().hex
        if self.log is not None:
            self.log.record_request(
                request_id,
                self.engine.embedder.embed_query(query.vector_text),
                triage.kind,
                triage.category,
                [s.article.slug for s in suggestions],
            )
        took_ms = round((time.perf_counter() - started) * 1000, 2)
        return SuggestResult(request_id, suggestions, triage, took_ms)

    def triage(self, ticket: Ticket) -> Triage:
        """Service or support, and the category, as `suggest` gives them, recording nothing
        (a ticket routed to its queue is not an agent asking for suggestions)."""
        check_ticket(ticket)
        index = self.engine.current_index()
        query = build_ticket_query(ticket, index.speller.frequencies)
        ranked = roll_up(self.section_hits(index, query, learn=False), index)
        return triage_ticket(ticket, query, ranked[:TRIAGE_VOTERS])

    def section_hits(self, index: LoadedIndex, query: TicketQuery, *, learn: bool) -> list[Hit]:
        engine = self.engine
        keyword_hits, vector_hits = engine.retrieve(
            index, query.keyword_text, "hybrid", AGENT_FILTERS, vector_query=query.vector_text
        )
        hits = engine.combine("hybrid", keyword_hits, vector_hits)
        if not learn or self.log is None:
            return hits
        changes = self.log.adjustments(engine.embedder.embed_query(query.vector_text))
        return apply_adjustments(hits, changes, index)


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


def triage_ticket(
    ticket: Ticket, query: TicketQuery, ranked: Sequence[tuple[Article, Section, float]]
) -> Triage:
    """Service or support, and the best category: the matched articles vote by score, and
    service or support words in the ticket add theirs."""
    kind_votes: dict[Kind, float] = {"service": 0.0, "support": 0.0}
    category_votes: dict[str, float] = {}
    reasons: list[str] = []
    for article, _, score in ranked:
        if article.kind in kind_votes:
            kind_votes[article.kind] += score
        if article.audience == "public" and article.category:
            category_votes[article.category] = category_votes.get(article.category, 0.0) + score
    if ranked:
        top = ranked[0][0]
        reasons.append(f"best match: {top.title} ({top.kind or 'no kind'}, {top.category})")
    text_words = set(query_terms(ticket.raw_text())) | {
        w.lower() for w in ticket.raw_text().split()
    }
    service = sorted(SERVICE_CUES & text_words)
    support = sorted(SUPPORT_CUES & text_words)
    total_score = sum(kind_votes.values()) or 1.0
    cue_weight = 0.15 * total_score
    kind_votes["service"] += cue_weight * len(service)
    kind_votes["support"] += cue_weight * len(support)
    if query.error_codes:
        kind_votes["support"] += cue_weight * 2
        reasons.append("error codes: " + ", ".join(query.error_codes))
    if service:
        reasons.append("service words: " + ", ".join(service[:6]))
    if support:
        reasons.append("support words: " + ", ".join(support[:6]))
    kind = max(kind_votes, key=lambda k: (kind_votes[k], k == "support"))
    votes = sum(kind_votes.values())
    certainty = kind_votes[kind] / votes if votes else 0.5
    category = max(category_votes, key=category_votes.__getitem__) if category_votes else None
    return Triage(kind, category, round(certainty, 3), tuple(reasons))
