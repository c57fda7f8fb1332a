"""A ticket that asks for more than one thing ("charged twice" and "I want to cancel"): its
requests, each searched on its own, and one list and one triage made of theirs.

A request starts at a paragraph or list item of the customer's opening message (after the
greeting, signature and quoted reply are cleaned away), or at a sentence that says another
request follows ("Also, …", "and while I'm at it …", "Second thing, …"). A part that asks or
reports nothing ("Two blockers:", "Thanks for getting back to me.") is context and joins the
request after it. Requests only count as separate when their searches disagree: when every
request finds the same best article, the ticket is one request told at length.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from kb.assist.ticket_text import SENTENCE_END, Ticket, clean_blocks, error_codes
from kb.content.model import Article, Kind, Section

MAX_REQUESTS = 3  # searched separately; a fourth is rare, and each one costs a search
MIN_REQUEST_WORDS = 8  # "What do I tell our IT?" belongs to the request before it
LABEL_WORDS = 8

# How a customer says that another request follows, at the start of a sentence.
_ANOTHER = re.compile(
    r"^(?:and |but |oh |ok |so )?(?:also\b|while i'?m at it|another (?:thing|question|issue|"
    r"problem)|one more (?:thing|question)|(?:the )?other (?:thing|question|issue|problem)|"
    r"second(?:ly)?\b|third(?:ly)?\b|separately|unrelated|on (?:another|a different|a separate) "
    r"note|in addition|additionally|besides\b|p\.?s\.?\b)",
    re.IGNORECASE,
)
# What makes a part a request: a question, something wanted, or something going wrong.
_ASKS = re.compile(
    r"\?|\b(?:how|what|why|where|which|can|could|would|please|need|want|wants|help|fix|keeps?|"
    r"still|stuck|stopped|fails?|failed|failing|declined|error|errors|(?:is|are|was|were|do|does|"
    r"did|has|have|wo|ca)n'?t|cannot|never|missing|disappeared|gone|lost|wrong|broken|"
    r"unavailable|no|nothing|crash\w*)\b",
    re.IGNORECASE,
)


def split_requests(ticket: Ticket, limit: int = MAX_REQUESTS) -> list[str]:
    """The separate requests of the customer's opening message, in order (at most `limit`);
    one or none when it asks one thing. Later messages are taken as follow-ups of these."""
    texts = ticket.customer_texts()
    if not texts:
        return []
    parts: list[str] = []
    for block in clean_blocks(texts[0]):
        current: list[str] = []
        for sentence in SENTENCE_END.split(block):
            if current and _ANOTHER.match(sentence):
                parts.append(" ".join(current))
                current = []
            current.append(sentence)
        parts.append(" ".join(current))
    requests: list[str] = []
    context: list[str] = []
    for part in parts:
        if len(part.split()) < MIN_REQUEST_WORDS or not asks(part):
            context.append(part)
            continue
        requests.append(" ".join([*context, part]))
        context = []
    if context and requests:  # what follows the last request (a sign-off the cleaning missed)
        requests[-1] = " ".join([requests[-1], *context])
    return requests[:limit]


def asks(text: str) -> bool:
    """Whether a part of a ticket asks or reports something (not greeting or context)."""
    return bool(_ASKS.search(text) or error_codes(text))


def label(text: str, words: int = LABEL_WORDS) -> str:
    """The request as an agent scans it: its first words."""
    said = text.split()
    return " ".join(said[:words]) + (" …" if len(said) > words else "")


Found = tuple[Article, Section, float]  # an article, the section that answers, its score
Ranked = Sequence[Found]


@dataclasses.dataclass(frozen=True)
class KindShare:
    """What one request's triage says: its kind, and how sure (the kind's share of votes)."""

    kind: Kind
    category: str | None
    confidence: float


def disagreeing(rankings: Sequence[Ranked]) -> list[int]:
    """The requests that stand apart: the first of each group of requests with the same best
    article (indexes into `rankings`); a request that found nothing is left out."""
    kept: list[int] = []
    tops: set[str] = set()
    for number, ranked in enumerate(rankings):
        if ranked and ranked[0][0].slug not in tops:
            tops.add(ranked[0][0].slug)
            kept.append(number)
    return kept


def merge_rankings(whole: Ranked, requests: Sequence[Ranked]) -> list[Found]:
    """One list for the whole ticket: its own best article first, then each request's best in
    the order asked, then the ticket's and the requests' rankings taking turns; so every
    request is answered near the top, and a ticket split by mistake keeps its first
    suggestion."""
    merged: list[Found] = []
    seen: set[str] = set()

    def add(item: Found) -> None:
        if item[0].slug not in seen:
            seen.add(item[0].slug)
            merged.append(item)

    for item in whole[:1]:
        add(item)
    for ranked in requests:
        for item in ranked[:1]:
            add(item)
    rankings = [whole, *requests]
    for position in range(1, max(len(r) for r in rankings)):
        for ranked in rankings:
            if position < len(ranked):
                add(ranked[position])
    return merged


def combined_kind(whole: KindShare, requests: Sequence[KindShare]) -> KindShare:
    """The ticket's kind and confidence: half the whole ticket's triage (it reads everything,
    the subject too), half its requests', each request counting alike. A request's share of
    `service` is its confidence when it is a service request, the rest otherwise, so requests
    that disagree pull the ticket towards one half: the confidence drops."""

    def service(share: KindShare) -> float:
        return share.confidence if share.kind == "service" else 1 - share.confidence

    weights = [(whole, 0.5)] + [(share, 0.5 / len(requests)) for share in requests]
    service_share = sum(weight * service(share) for share, weight in weights)
    categories: dict[str, float] = {}
    for share, weight in weights:
        if share.category:
            categories[share.category] = categories.get(share.category, 0.0) + weight
    kind: Kind = "service" if service_share > 0.5 else "support"
    if service_share == 0.5:
        kind = whole.kind
    category = max(categories, key=categories.__getitem__) if categories else None
    return KindShare(kind, category, round(max(service_share, 1 - service_share), 3))
