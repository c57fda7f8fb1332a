"""Agent assist API: suggestions for a ticket, feedback on them, and usage figures."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from kb.assist import SuggestResult
from kb.errors import BadRequest, NotFound
from kb.ticket_text import Message, Ticket
from web.api import API
from web.auth import require_role
from web.inputs import json_object
from web.rate_limits import rate_limited
from web.services import agent_article_url, services

blueprint = Blueprint("agent_api", __name__)
MAX_SUGGESTIONS = 20


@blueprint.post(f"{API}/suggest")
@require_role("agent")
def suggest():
    body = json_object()
    ticket = ticket_from_json(body)
    limit = body.get("limit", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_SUGGESTIONS:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_SUGGESTIONS}", field="limit")
    return suggest_json(services().assist.suggest(ticket, limit))


@blueprint.post(f"{API}/suggest/feedback")
@require_role("agent")  # first: a request without a good key is no vote
@rate_limited("vote")
def suggest_feedback():
    body = json_object()
    for field in ("request_id", "slug", "action"):
        if not isinstance(body.get(field), str) or not body[field].strip():
            raise BadRequest(f"{field} is required and must be text", field=field)
    if body["slug"] not in services().index.get().articles:
        raise NotFound(f"no article '{body['slug']}'")
    services().suggestion_log.record_feedback(body["request_id"], body["slug"], body["action"])
    return {"status": "recorded"}, 201


@blueprint.get(f"{API}/articles/<slug>/stats")
@require_role("admin")
def article_stats(slug: str):
    if slug not in services().index.get().articles:
        raise NotFound(f"no article '{slug}'")
    return {
        "slug": slug,
        "suggestions": services().suggestion_log.article_stats(slug),
        "customer_feedback": services().database.feedback_summary(slug),
    }


def ticket_from_json(body: dict[str, Any]) -> Ticket:
    """A ticket from the request, every wrong field named."""
    for field in ("subject", "body"):
        if field in body and not isinstance(body[field], str):
            raise BadRequest(f"{field} must be text", field=field)
    messages = body.get("messages", [])
    if not isinstance(messages, list):
        raise BadRequest("messages must be a list", field="messages")
    parsed = []
    for number, message in enumerate(messages):
        field = f"messages[{number}]"
        if not isinstance(message, dict):
            raise BadRequest(f"{field} must be an object", field=field)
        if message.get("author") not in ("customer", "agent"):
            raise BadRequest(f"{field}.author must be customer or agent", field=f"{field}.author")
        if not isinstance(message.get("body"), str):
            raise BadRequest(f"{field}.body must be text", field=f"{field}.body")
        parsed.append(Message(message["author"], message["body"]))
    tags = body.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise BadRequest("tags must be a list of text values", field="tags")
    return Ticket(body.get("subject", ""), body.get("body", ""), tuple(parsed), tuple(tags))


def suggest_json(result: SuggestResult) -> dict[str, Any]:
    return {
        "request_id": result.request_id,
        "suggestions": [
            {
                "slug": s.article.slug,
                "title": s.article.title,
                "url": agent_article_url(s.article, s.section.anchor),
                "section": {"anchor": s.section.anchor, "title": s.section.title},
                "snippet": s.snippet,
                "score": round(s.score, 6),
                "confidence": s.confidence,
                "audience": s.article.audience,
                "kind": s.article.kind,
            }
            for s in result.suggestions
        ],
        "triage": {
            "kind": result.triage.kind,
            "category": result.triage.category,
            "confidence": result.triage.confidence,
            "reasons": list(result.triage.reasons),
        },
        "took_ms": result.took_ms,
    }
