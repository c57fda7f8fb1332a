"""The agent console: the ticket inbox, a ticket with its triage and suggestions (search, preview
and insert into a reply without leaving it), a paste box for tickets from elsewhere, search over
public and internal articles, and the agent handbook."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from kb.content.catalog import category_name
from kb.content.render import render_article
from kb.errors import BadRequest, NotFound
from kb.tickets.inbox import (
    PAGE_SIZE,
    QUEUE_HELP,
    QUEUE_NAMES,
    QUEUES,
    InboxFilters,
)
from kb.tickets.records import STATUSES
from web.auth import pages_need_sign_in, sign_out
from web.services import agent_links, services
from web.sign_in import login_page
from web.tickets_api import AGENTS, close_loop, inbox, open_ticket, triaged_page
from web.urls import agent_article_path

blueprint = Blueprint("console", __name__, url_prefix="/agent")


@blueprint.context_processor
def agent_paths() -> dict:
    return {"agent_article_path": agent_article_path}


@blueprint.before_request
def agents_only():
    """Every console page needs an agent's session, but signing in. (The sidebar a help desk
    embeds, /agent/sidebar, is a blueprint of its own: it uses the key the help desk holds.)"""
    return pages_need_sign_in("agent", "/agent", "console.login")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    return login_page("agent", "use the agent console", "Agent console", "console.console_page")


@blueprint.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("console.login"))


@blueprint.get("")
def console_page():
    """The inbox: newest first, filtered by status, queue and category, in pages."""
    filters = InboxFilters(
        request.args.get("status") or None,
        request.args.get("queue") or None,
        request.args.get("category") or None,
    ).check()
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        raise BadRequest("page must be a whole number", field="page") from None
    if not 1 <= number <= 100_000:
        raise BadRequest("page must be from 1 to 100,000", field="page")
    page = triaged_page(filters, PAGE_SIZE, (number - 1) * PAGE_SIZE)
    return render_template(
        "inbox.html",
        page=page,
        number=number,
        pages=max(1, -(-page.total // PAGE_SIZE)),
        filters=filters,
        statuses=STATUSES,
        queues=QUEUES,
        queue_names=QUEUE_NAMES,
        queue_help=QUEUE_HELP,
        categories=inbox().categories(),
        category_name=category_name,
    )


@blueprint.get("/tickets/<path:ticket_id>")
def ticket_page(ticket_id: str):
    """One ticket: its messages as written, the triage and its reasons, the suggestions (per
    request when it asks several things), a search box, a preview and a reply box."""
    stored, summary, found = open_ticket(ticket_id)
    return render_template(
        "agent_ticket.html",
        ticket=stored,
        summary=summary,
        found=found,
        statuses=STATUSES,
        queues=QUEUES,
        queue_names=QUEUE_NAMES,
        queue_help=QUEUE_HELP,
        category_name=category_name,
    )


@blueprint.post("/tickets/<path:ticket_id>")
def update_ticket(ticket_id: str):
    """The ticket page's status and queue form (the same as PATCH /api/v1/tickets/<id>)."""
    box = inbox()
    box.summary(ticket_id)
    queue, status = request.form.get("queue") or None, request.form.get("status") or None
    if queue is not None:
        box.set_queue(ticket_id, queue)
    if status is not None:
        if box.set_status(ticket_id, status):
            covered = close_loop([ticket_id])[ticket_id]
            flash(
                f"Solved. Answered by the article {covered}."
                if covered
                else "Solved. No article answers it: it goes to the writers' gap queue."
            )
        else:
            flash(f"Status: {status}.")
    return redirect(url_for("console.ticket_page", ticket_id=ticket_id))


@blueprint.get("/paste")
def paste_page():
    """Suggestions for a ticket from elsewhere, pasted in."""
    return render_template("agent.html", queue_names=QUEUE_NAMES, queue_help=QUEUE_HELP)


@blueprint.get("/search")
def search_page():
    """The header's search: public and internal articles, internal ones marked."""
    query = request.args.get("q", "").strip()
    results = None
    if query:
        results = services().engine.search(query, limit=20, filters=AGENTS)
    return render_template("agent_search.html", query=query, results=results)


@blueprint.get("/handbook")
def handbook():
    """The agents' own articles (internal), the agent handbook."""
    articles = sorted(
        (
            a
            for a in services().index.get().articles.values()
            if a.is_searchable and a.audience == "internal"
        ),
        key=lambda a: a.title.lower(),
    )
    return render_template("agent_handbook.html", articles=articles)


@blueprint.get("/articles/<slug>")
def agent_article(slug: str):
    index = services().index.get()
    article = index.articles.get(slug)
    if article is None or not article.is_searchable:
        raise NotFound(f"no article '{slug}'")
    return render_template(
        "article.html",
        article=article,
        rendered=render_article(article, index.links, agent_links(index)),
        related=[],
        category_name=category_name(article.category),
        agent_view=True,
    )
