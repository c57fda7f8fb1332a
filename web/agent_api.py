"""Agent assist API: suggestions for a ticket, feedback on them, and usage figures."""

from __future__ import annotations

from flask import Blueprint

from kb.assist.ticket_text import Message, Ticket
from kb.errors import BadRequest, NotFound
from web.api import API
from web.openapi import operation
from web.rate_limits import rate_limited
from web.results import suggest_response
from web.schemas import (
    ArticleStats,
    FeedbackCounts,
    Recorded,
    SuggestBody,
    SuggestFeedbackBody,
    SuggestionCounts,
    SuggestResponse,
)
from web.services import services

blueprint = Blueprint("agent_api", __name__)


@operation(
    blueprint, "POST", f"{API}/suggest", summary="Suggest articles for a ticket", tag="Agents",
    role="agent", body=SuggestBody, response=SuggestResponse, errors=(413,),
    description="Public and internal articles with the section that answers the ticket, and "
    "the ticket's triage. The subject, body and messages together may hold 100,000 characters.",
)  # fmt: skip
def suggest(body: SuggestBody) -> SuggestResponse:
    ticket = Ticket(
        body.subject,
        body.body,
        tuple(Message(m.author, m.body) for m in body.messages),
        tuple(body.tags),
    )
    return suggest_response(services().assist.suggest(ticket, body.limit))


@operation(
    blueprint, "POST", f"{API}/suggest/feedback", summary="Mark a suggestion",
    tag="Agents", role="agent", body=SuggestFeedbackBody, response=Recorded, status=201,
    description="linked (sent to the customer), helpful or not_helpful: later tickets like this "
    "one see the article's score raised or lowered.",
)  # fmt: skip
@rate_limited("vote")  # after the role check: a request without a good key is no vote
def suggest_feedback(body: SuggestFeedbackBody) -> Recorded:
    if body.slug not in services().index.get().articles:
        raise BadRequest(f"no article '{body.slug}'", field="slug")
    services().suggestion_log.record_feedback(body.request_id, body.slug, body.action)
    return Recorded(status="recorded")


@operation(
    blueprint, "GET", f"{API}/articles/<slug>/stats", summary="An article's use by agents",
    tag="Agents", role="admin", response=ArticleStats,
)  # fmt: skip
def article_stats(slug: str) -> ArticleStats:
    if slug not in services().index.get().articles:
        raise NotFound(f"no article '{slug}'")
    return ArticleStats(
        slug=slug,
        suggestions=SuggestionCounts(**services().suggestion_log.article_stats(slug)),
        customer_feedback=FeedbackCounts(**services().database.feedback_summary(slug)),
    )
