"""The help widget's JSON API (the script web/static/widget.js puts on other sites): contextual
suggestions for a page, and conversations with the answer bot that end resolved or handed over
to a person. Only the sites in KB_WIDGET_ORIGINS get answers (CORS); a conversation is reached
only with the widget cookie of the visitor who started it."""

from __future__ import annotations

import hashlib
import secrets
import urllib.parse
from pathlib import Path

from flask import Blueprint, Response, after_this_request, g, request

from kb.analytics.events import SearchEvent, normalise_search
from kb.bot.answering import AnswerBot, Choice, Reply
from kb.bot.context import articles_for_page
from kb.bot.conversations import Conversation, ConversationStore
from kb.bot.handover import hand_over
from kb.content.render import LinkPolicy, render_section
from kb.errors import Conflict, Forbidden, NotFound
from kb.index.loaded import LoadedIndex
from web.openapi import operation
from web.rate_limits import rate_limited
from web.schemas import InstantAnswer
from web.services import public_links, returning_visitor, services
from web.urls import article_path
from web.widget_schemas import (
    Alternative,
    BotReply,
    ConversationMessage,
    ConversationReply,
    ConversationStart,
    ConversationStatus,
    Handoff,
    HandoffBody,
    PageSuggestion,
    RatingBody,
    WidgetContext,
    WidgetParams,
)

blueprint = Blueprint("widget", __name__)
API = "/api/v1"
TAG = "Help widget"
WIDGET_COOKIE = "kb_widget"
ONE_CONVERSATION = {"path_schemas": (("conversation_id", {"type": "string", "maxLength": 64}),)}


@blueprint.get("/widget.js")
def widget_script() -> Response:
    """The script a site adds with one tag; cached for an hour."""
    script = Path(blueprint.root_path, "static", "widget.js").read_bytes()
    response = Response(script, mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@blueprint.before_request
def allowed_origin_only() -> None:
    """A browser on a site not in KB_WIDGET_ORIGINS is refused outright (CORS alone would still
    let its request run: the browser only hides the answer)."""
    origin = request.headers.get("Origin")
    if origin and request.path.startswith(API) and not _allowed(origin):
        raise Forbidden("this site may not use the help widget (KB_WIDGET_ORIGINS)")


@blueprint.after_request
def cors(response: Response) -> Response:
    origin = request.headers.get("Origin", "")
    if request.path.startswith(API) and origin and _allowed(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers.add("Vary", "Origin")
    return response


def _allowed(origin: str) -> bool:
    own = request.host_url.rstrip("/").lower()
    origin = origin.rstrip("/").lower()
    return origin == own or origin in services().settings.widget_origin_list


@operation(
    blueprint, "GET", f"{API}/widget", summary="Open the help widget", tag=TAG,
    query=WidgetParams, response=WidgetContext,
    description="The articles that help on the page the widget is on (their front matter's "
    "`context`), shown before the customer types.",
)  # fmt: skip
@rate_limited("autocomplete")
def widget_context(query: WidgetParams) -> WidgetContext:
    index = services().index.get()
    return WidgetContext(
        site_name=services().settings.site_name,
        suggestions=[
            PageSuggestion(
                slug=a.slug, title=a.title, summary=a.summary, url=_absolute(article_path(a.slug))
            )
            for a in articles_for_page(index.articles.values(), query.page_url)
        ],
    )


@operation(
    blueprint, "POST", f"{API}/conversations", summary="Ask the answer bot", tag=TAG,
    body=ConversationStart, response=ConversationReply, status=201,
    description="Starts a conversation with its first message. Every answer is a section of a "
    "public article. The conversation belongs to this browser (a cookie).",
)  # fmt: skip
@rate_limited("conversation")
def start_conversation(body: ConversationStart) -> ConversationReply:
    token = _visitor_token(create=True)
    store = ConversationStore(services().database)
    conversation_id = store.start(token, _kept_url(body.page_url))
    conversation = store.get(conversation_id, token)
    assert conversation is not None
    return _turn(conversation, body.message)


@operation(
    blueprint, "POST", f"{API}/conversations/<conversation_id>/messages",
    summary="Write to the answer bot", tag=TAG, body=ConversationMessage,
    response=ConversationReply, errors=(409,), **ONE_CONVERSATION,
    description="A follow-up is read with the conversation's topic.",
)  # fmt: skip
@rate_limited("conversation")
def write(conversation_id: str, body: ConversationMessage) -> ConversationReply:
    return _turn(_open(conversation_id), body.message)


@operation(
    blueprint, "POST", f"{API}/conversations/<conversation_id>/resolved",
    summary="Say the bot solved it", tag=TAG, response=ConversationStatus, errors=(409,),
    **ONE_CONVERSATION,
)  # fmt: skip
@rate_limited("conversation")
def resolved(conversation_id: str) -> ConversationStatus:
    conversation = _open(conversation_id)
    ConversationStore(services().database).set_status(conversation.id, "resolved")
    return ConversationStatus(conversation_id=conversation.id, status="resolved")


@operation(
    blueprint, "POST", f"{API}/conversations/<conversation_id>/rating",
    summary="Rate a solved conversation", tag=TAG, body=RatingBody, response=ConversationStatus,
    errors=(409,), **ONE_CONVERSATION,
    description="Satisfaction from 1 to 5, once the conversation is resolved.",
)  # fmt: skip
@rate_limited("conversation")
def rate(conversation_id: str, body: RatingBody) -> ConversationStatus:
    conversation = _visitors(conversation_id)
    if conversation.status != "resolved":
        raise Conflict("only a resolved conversation can be rated", field="rating")
    ConversationStore(services().database).rate(conversation.id, body.rating)
    return ConversationStatus(
        conversation_id=conversation.id, status="resolved", rating=body.rating
    )


@operation(
    blueprint, "POST", f"{API}/conversations/<conversation_id>/handoff",
    summary="Hand over to a person", tag=TAG, body=HandoffBody, response=Handoff, status=201,
    errors=(409,), **ONE_CONVERSATION,
    description="Creates a ticket with the whole conversation, the articles shown and the page, "
    "in the queue its triage names (service or support).",
)  # fmt: skip
@rate_limited("contact")
def handoff(conversation_id: str, body: HandoffBody) -> Handoff:
    conversation = _open(conversation_id)
    ticket_id, queue = hand_over(
        services(), conversation, body.email.strip(), body.message,
        lambda slug, anchor: _absolute(article_path(slug, anchor)),
    )  # fmt: skip
    return Handoff(conversation_id=conversation.id, ticket_id=ticket_id, queue=queue)  # type: ignore[arg-type]


def _turn(conversation: Conversation, message: str) -> ConversationReply:
    reply = AnswerBot(services().engine).reply(conversation.state, message)
    ConversationStore(services().database).add_turn(conversation, message, reply)
    _record(reply)
    index = services().index.get()
    return ConversationReply(conversation_id=conversation.id, reply=_bot_reply(index, reply))


def _bot_reply(index: LoadedIndex, reply: Reply) -> BotReply:
    links = _absolute_links(public_links(index))
    answer = None
    if reply.answer is not None:
        choice = reply.answer
        answer = InstantAnswer(
            slug=choice.article.slug,
            anchor=choice.section.anchor,
            title=choice.article.title,
            section_title=choice.section.title,
            url=_absolute(article_path(choice.article.slug, choice.section.anchor)),
            html=render_section(choice.article, choice.section.anchor, index.links, links),
            confidence=choice.confidence,
        )
    return BotReply(
        answer=answer,
        alternatives=[_alternative(choice) for choice in reply.alternatives],
        no_good_match=reply.no_good_match,
        offer_handoff=reply.offer_handoff,
    )


def _alternative(choice: Choice) -> Alternative:
    return Alternative(
        slug=choice.article.slug,
        anchor=choice.section.anchor,
        title=choice.article.title,
        section_title=choice.section.title,
        url=_absolute(article_path(choice.article.slug, choice.section.anchor)),
        confidence=choice.confidence,
    )


def _record(reply: Reply) -> None:
    """A question the bot searched counts as a search (mode "bot"): one it could not answer
    joins the no-result searches, and so the gap queue."""
    if not reply.searched:
        return
    query, scrubbed = normalise_search(reply.searched)
    shown = [c.article.slug for c in [reply.answer, *reply.alternatives] if c is not None]
    shown = list(dict.fromkeys(shown))  # an alternative may be the answer article's next section
    # The customer is the widget's browser (the help center's own visitor cookie is a third
    # party's on the host site): counted by a hash of its token, never the token itself.
    token = g.get("widget_token") or request.cookies.get(WIDGET_COOKIE, "")
    visitor = hashlib.sha256(token.encode()).hexdigest()[:32] if token else returning_visitor()
    services().events.record(
        SearchEvent(
            secrets.token_hex(16), visitor, query, "bot", len(shown), tuple(shown),
            0.0, address=services().addresses.hash(request.remote_addr), scrubbed=scrubbed,
        )
    )  # fmt: skip


def _visitors(conversation_id: str) -> Conversation:
    """The conversation, if this browser started it: 404 otherwise, as for an unknown id."""
    token = _visitor_token(create=False)
    found = ConversationStore(services().database).get(conversation_id, token) if token else None
    if found is None:
        raise NotFound("no such conversation")
    return found


def _open(conversation_id: str) -> Conversation:
    conversation = _visitors(conversation_id)
    if conversation.status != "open":
        raise Conflict(f"this conversation has ended ({conversation.status.replace('_', ' ')})")
    return conversation


def _visitor_token(*, create: bool) -> str:
    """The widget cookie's token; with `create`, a new one (set on the response) if missing."""
    token = request.cookies.get(WIDGET_COOKIE, "")
    if token or not create:
        return token
    token = g.widget_token = secrets.token_urlsafe(32)

    @after_this_request
    def remember(response: Response) -> Response:
        # SameSite=None lets the widget on another site send it back; browsers take that only
        # with Secure (HTTPS). Over plain HTTP (a local test) it is Lax: same-site pages only.
        secure = request.is_secure
        response.set_cookie(
            WIDGET_COOKIE, token, max_age=30 * 86400, httponly=True, secure=secure,
            samesite="None" if secure else "Lax", path=f"{API}/conversations",
        )  # fmt: skip
        return response

    return token


def _kept_url(page_url: str) -> str:
    """What is kept of the page's address: scheme, host and path (a query string or fragment
    can carry personal data or tokens)."""
    try:
        parts = urllib.parse.urlsplit(page_url.strip())
    except ValueError:  # "http://[": nothing worth keeping
        return ""
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _absolute(path: str) -> str:
    """A help-center link that works on the site the widget is on."""
    return request.url_root.rstrip("/") + path


def _absolute_links(policy: LinkPolicy) -> LinkPolicy:
    def href(slug: str, fragment: str) -> str | None:
        found = policy(slug, fragment)
        return _absolute(found) if found else None

    return href
