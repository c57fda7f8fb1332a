"""The agents' inbox over the API, for help desks and scripts (list, read with suggestions, set
status and queue), and what the console and the sidebar search and insert: articles public and
internal, and a section as a reply."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, request

from kb.assist.replies import answer_reply, link_reply
from kb.assist.suggestions import SuggestResult
from kb.content.model import Article, Section
from kb.content.render import LinkPolicy, render_section, section_tokens
from kb.errors import BadRequest, NotFound, PayloadTooLarge
from kb.index.loaded import LoadedIndex
from kb.search.hits import Filters
from kb.tickets.background import request_drafts
from kb.tickets.inbox import Inbox, InboxFilters, InboxTicket
from kb.tickets.records import ID_PATTERN, StoredTicket
from kb.tickets.triage import check_solved, triage_tickets
from web.api import API
from web.openapi import operation
from web.results import suggest_response
from web.schemas import SectionRef
from web.services import agent_links, services
from web.ticket_schemas import (
    AgentHit,
    AgentSearchParams,
    AgentSearchResponse,
    ReplyTexts,
    SectionAnswer,
    SectionParams,
    TicketDetail,
    TicketList,
    TicketListParams,
    TicketMessageOut,
    TicketPatch,
    TicketSummary,
)
from web.urls import agent_article_path, article_path

blueprint = Blueprint("tickets_api", __name__)
TICKET_ID = (("ticket_id", {"type": "string", "pattern": ID_PATTERN}),)
SUGGESTIONS_SHOWN = 10
AGENTS = Filters(include_internal=True)


def inbox() -> Inbox:
    return Inbox(services().database)


def triaged_page(filters: InboxFilters, limit: int, offset: int):
    """A page of the inbox, every ticket on it triaged (the first time it is shown, if it was
    not when it arrived)."""
    page = inbox().page(filters, limit, offset)
    if triage_tickets(services().assist, inbox(), [t.id for t in page.tickets]):
        page = inbox().page(filters, limit, offset)
    return page


def open_ticket(ticket_id: str) -> tuple[StoredTicket, InboxTicket, SuggestResult | None]:
    """A ticket as an agent opens it: the ticket, its row (triaged) and suggestions now; none
    for a ticket with nothing to search (or too long to), which the agent still reads."""
    stored = inbox().ticket(ticket_id)
    triage_tickets(services().assist, inbox(), [ticket_id])
    try:
        found = services().assist.suggest(
            stored.as_ticket(), SUGGESTIONS_SHOWN, ticket_id=ticket_id
        )
    except (BadRequest, PayloadTooLarge):
        found = None
    return stored, inbox().summary(ticket_id), found


def close_loop(ticket_ids: Iterable[str]) -> dict[str, str | None]:
    """Closing the loop for tickets just solved: which article answers each (None: a gap);
    a gap starts draft generation in the background, so it joins a group and a draft."""
    covered = {t: check_solved(services().assist, inbox(), t) for t in ticket_ids}
    if any(slug is None for slug in covered.values()):
        request_drafts(services().settings)
    return covered


def ticket_summary(ticket: InboxTicket) -> TicketSummary:
    """An inbox row as the API shows it (validated: the queue and status are the known ones)."""
    return TicketSummary.model_validate(
        {
            "id": ticket.id,
            "subject": ticket.title,
            "status": ticket.status,
            "queue": ticket.queue,
            "queue_set_by": ticket.queue_set_by,
            "category": ticket.category,
            "triage_confidence": ticket.triage_confidence,
            "channel": ticket.channel,
            "created_at": ticket.created_at,
            "received_at": ticket.received_at,
            "waited_seconds": ticket.waited_seconds(),
            "solved_at": ticket.solved_at,
            "linked_articles": list(ticket.linked_articles),
            "covered_by": ticket.covered_by,
            "gap": ticket.gap,
        }
    )


@operation(
    blueprint, "GET", f"{API}/tickets", summary="List tickets", tag="Tickets", role="agent",
    query=TicketListParams, response=TicketList,
    description="The inbox, newest first: tickets from the contact form, the API, webhooks and "
    "imports, with status, queue and category (from the triage, or an agent), filtered and "
    "paged.",
)  # fmt: skip
def list_tickets(query: TicketListParams) -> TicketList:
    filters = InboxFilters(query.status, query.queue, query.category)
    page = triaged_page(filters, query.limit, query.offset)
    return TicketList(
        tickets=[ticket_summary(t) for t in page.tickets],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@operation(
    blueprint, "GET", f"{API}/tickets/<path:ticket_id>", summary="Read a ticket",
    tag="Tickets", role="agent", response=TicketDetail, path_schemas=TICKET_ID,
    description="The ticket as the customer wrote it, with its triage and suggestions (each "
    "request's too, for a ticket that asks several things).",
)  # fmt: skip
def read_ticket(ticket_id: str) -> TicketDetail:
    stored, summary, found = open_ticket(ticket_id)
    return TicketDetail(
        ticket=ticket_summary(summary),
        brand=stored.brand,
        tags=list(stored.tags),
        messages=[TicketMessageOut(author=m.author, body=m.body) for m in stored.messages],  # type: ignore[arg-type]
        assist=suggest_response(found) if found else None,
    )


@operation(
    blueprint, "PATCH", f"{API}/tickets/<path:ticket_id>", summary="Update a ticket",
    tag="Tickets", role="agent", body=TicketPatch, response=TicketSummary, path_schemas=TICKET_ID,
    description="Set the status or the queue (an agent's queue is never changed by the triage "
    "again), or add the articles sent to the customer. Solving keeps the articles linked (those "
    "sent, and those inserted into replies from its suggestions) and runs closing the loop: "
    "`covered_by` names the article that answers it, or `gap` is true.",
)  # fmt: skip
def update_ticket(ticket_id: str, body: TicketPatch) -> TicketSummary:
    box = inbox()
    box.summary(ticket_id)  # 404 before anything changes
    articles = services().index.get().articles
    for number, slug in enumerate(body.linked_articles or []):
        if slug not in articles:
            raise BadRequest(f"no article '{slug}'", field=f"linked_articles[{number}]")
    if body.queue is not None:
        box.set_queue(ticket_id, body.queue)
    if body.linked_articles:
        box.add_linked(ticket_id, body.linked_articles)
    if body.status is not None and box.set_status(ticket_id, body.status):
        close_loop([ticket_id])
    return ticket_summary(box.summary(ticket_id))


@operation(
    blueprint, "GET", f"{API}/agent/search", summary="Search for agents", tag="Agents",
    role="agent", query=AgentSearchParams, response=AgentSearchResponse,
    description="Public and internal articles (marked by `audience`), as the console's search "
    "box shows them; the closest matches when nothing passes the floor. Not recorded in the "
    "help center's search analytics.",
)  # fmt: skip
def agent_search(query: AgentSearchParams) -> AgentSearchResponse:
    results = services().engine.search(query.q, limit=query.limit, filters=AGENTS)
    shown = results.results or results.weak_matches
    return AgentSearchResponse(
        query=results.query,
        results=[
            AgentHit(
                slug=r.article.slug,
                title=r.article.title,
                url=agent_article_path(r.article, r.section.anchor),
                section=SectionRef(anchor=r.section.anchor, title=r.section.title),
                snippet=r.snippet,
                confidence=r.confidence,
                audience=r.article.audience,
                kind=r.article.kind,
                category=r.article.category,
            )
            for r in shown
        ],
    )


@operation(
    blueprint, "GET", f"{API}/agent/articles/<slug>/answer", summary="A section as a reply",
    tag="Agents", role="agent", query=SectionParams, response=SectionAnswer,
    description="One section of an article: rendered for the preview, and as Insert link and "
    "Insert answer write it into a reply (plain text, Markdown and HTML), with the customer's "
    "address of the section. An internal article has no reply: its text is not for customers.",
)  # fmt: skip
def section_answer(slug: str, query: SectionParams) -> SectionAnswer:
    index = services().index.get()
    article = index.articles.get(slug)
    if article is None or not article.is_searchable:
        raise NotFound(f"no article '{slug}'")
    section = next((s for s in article.sections if s.anchor == query.anchor), None)
    if section is None:
        raise NotFound(f"'{slug}' has no section '{query.anchor}'")
    preview = render_section(article, section.anchor, index.links, agent_links(index))
    if not article.is_public:
        url = absolute(agent_article_path(article, section.anchor))
        return section_reply(article, section, url, preview, None, None)
    url = absolute(article_path(slug, section.anchor))
    for_customers = customer_links(index)
    tokens = section_tokens(article, section.anchor, index.links, for_customers)
    html = render_section(article, section.anchor, index.links, for_customers)
    answer = answer_reply(article, section, tokens, html, url)
    link = link_reply(article, section, url)
    return section_reply(
        article, section, url, preview, ReplyTexts(**link.as_dict()), ReplyTexts(**answer.as_dict())
    )


def section_reply(
    article: Article,
    section: Section,
    url: str,
    preview: str,
    link: ReplyTexts | None,
    answer: ReplyTexts | None,
) -> SectionAnswer:
    return SectionAnswer(
        slug=article.slug,
        anchor=section.anchor,
        title=article.title,
        section_title=section.title,
        audience=article.audience,
        url=url,
        html=preview,
        link=link,
        answer=answer,
    )


def absolute(path: str) -> str:
    """The address of a path on this site, as a customer reading a reply opens it."""
    return request.url_root.rstrip("/") + path


def customer_links(index: LoadedIndex) -> LinkPolicy:
    """Links in a reply: absolute addresses of public articles; others as their text."""

    def href(slug: str, fragment: str) -> str | None:
        target = index.articles.get(slug)
        if target is None or not target.is_public:
            return None
        return absolute(article_path(slug, fragment))

    return href
