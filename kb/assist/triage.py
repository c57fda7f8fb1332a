"""Triage: does a ticket belong to customer service (orders, billing, account) or support
(technical problems), and to which category? The best matches vote by score, words that belong
to one side add theirs; a ticket with several requests counts each request too."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

from kb.assist.requests import KindShare, combined_kind, label
from kb.assist.ticket_text import Ticket, TicketQuery
from kb.content.model import Article, Kind, Section
from kb.index.keyword.analysis import query_terms

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
class Triage:
    kind: Kind
    category: str | None
    confidence: float
    reasons: tuple[str, ...]


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
    # The customer's own words as searched: a quoted reply or a signature ("sent from the
    # desktop app") says nothing of what this ticket asks.
    said = query.said or ticket.raw_text()
    text_words = set(query_terms(said)) | {w.lower() for w in said.split()}
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


class AskedRequest(Protocol):
    """One request of a ticket, as triage needs it: its words and its own triage."""

    @property
    def text(self) -> str: ...

    @property
    def triage(self) -> Triage: ...


def ticket_triage(whole: Triage, requests: Sequence[AskedRequest]) -> Triage:
    """The triage of a ticket with several requests: each request's kind counts once, so
    requests that disagree lower the confidence; the reasons say what each request is."""
    combined = combined_kind(
        KindShare(whole.kind, whole.category, whole.confidence),
        [KindShare(r.triage.kind, r.triage.category, r.triage.confidence) for r in requests],
    )
    reasons = [f"{len(requests)} requests, each triaged on its own:"] + [
        f"“{label(r.text)}”: {r.triage.kind}, {r.triage.category or 'no category'} "
        f"({round(r.triage.confidence * 100)}%)"
        for r in requests
    ]
    return Triage(combined.kind, combined.category, combined.confidence, (*whole.reasons, *reasons))
