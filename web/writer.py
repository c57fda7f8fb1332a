"""Writer pages (writer key): the gap queue, drafts beside their source tickets, editing with
a preview, and approve (publish) or reject. Also the tickets webhook API."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from indexer.background import request_build
from kb.content.front_matter import InvalidArticle, parse_article
from kb.content.render import render_article
from kb.errors import KBError
from kb.tickets.draft_files import get_draft, list_drafts, publish_draft, reject_draft, save_draft
from kb.tickets.inbox import Inbox
from kb.tickets.scrub import scrub_personal_data
from kb.tickets.store import RESOLVED, TicketStore
from kb.tickets.triage import TRIAGED_ON_ARRIVAL, triage_tickets
from web.api import API
from web.auth import audit, pages_need_sign_in, sign_out, signed_in
from web.openapi import operation
from web.schemas import TicketsBody, TicketsImported
from web.services import agent_links, public_links, services
from web.sign_in import login_page

blueprint = Blueprint("writer", __name__)


@operation(
    blueprint, "POST", f"{API}/tickets", summary="Import resolved tickets", tag="Tickets",
    role="agent", body=TicketsBody, response=TicketsImported,
    description="A help desk's \"ticket solved\" webhook: one ticket, a list of up to 1,000, or "
    '{"tickets": [...]}, stored by id (sending one again updates it). A batch with any invalid '
    "ticket is refused whole (400, naming the first field at fault, e.g. `tickets[3].id`) and "
    "nothing is stored: fix it and send it again.",
)  # fmt: skip
def import_tickets(body: TicketsBody) -> TicketsImported:
    tickets = [record.stored() for record in body.records()]
    inserted, updated = TicketStore(services().database).upsert(tickets)
    waiting = [t.id for t in tickets if t.status not in RESOLVED]  # the inbox's queues
    triage_tickets(services().assist, Inbox(services().database), waiting[:TRIAGED_ON_ARRIVAL])
    return TicketsImported(inserted=inserted, updated=updated)


@blueprint.before_request
def writers_only():
    return pages_need_sign_in("writer", "/writer", "writer.login")


@blueprint.route("/writer/login", methods=["GET", "POST"])
def login():
    return login_page("writer", "review drafts", "Draft review", "writer.queue")


@blueprint.get("/writer")
def queue():
    content_dir = services().settings.content_dir
    drafts = sorted(list_drafts(content_dir), key=lambda d: (-len(d.source_tickets), d.id))
    drafts.sort(key=lambda d: str(d.meta.get("generated", "")), reverse=True)
    return render_template("writer_queue.html", drafts=drafts)


@blueprint.get("/writer/drafts/<draft_id>")
def draft_page(draft_id: str):
    return _draft_view(draft_id)


def _draft_view(
    draft_id: str, text: str | None = None, error: str | None = None, status: int = 200
):
    settings = services().settings
    draft = get_draft(settings.content_dir, draft_id)
    shown = draft.text if text is None else text
    preview, problem = None, error
    try:
        article = parse_article(shown, f"drafts/{draft_id}.md")
        index = services().index.get()
        # what its readers will see once published: customers, or agents for an internal one
        readers = public_links if article.audience == "public" else agent_links
        preview = render_article(article, index.links, readers(index)).html
    except InvalidArticle as invalid:  # shown to the writer beside the text, with its line
        problem = problem or f"Line {invalid.line}: {invalid.message}"
    except KBError as unavailable:  # no index to preview against: the draft is still there
        problem = problem or unavailable.message
    store = TicketStore(services().database)
    sources = [store.get(ticket_id) for ticket_id in draft.source_tickets]
    tickets = [
        {
            "id": t.id,
            "brand": t.brand,
            "messages": [(m.author, scrub_personal_data(m.body)) for m in t.messages],
        }
        for t in sources
        if t is not None
    ]
    return render_template(
        "writer_draft.html",
        draft=draft,
        text=shown,
        preview=preview,
        error=problem,
        tickets=tickets,
    ), status


@blueprint.post("/writer/drafts/<draft_id>")
def save(draft_id: str):
    text = request.form.get("markdown", "")
    if request.form.get("action") == "preview":
        return _draft_view(draft_id, text=text)
    try:
        save_draft(services().settings.content_dir, draft_id, text, request.form.get("version", ""))
    except KBError as error:
        return _draft_view(draft_id, text=text, error=error.message, status=error.status)
    audit("draft_updated", signed_in("writer"), target=draft_id)
    flash("Draft saved.")
    return redirect(url_for("writer.draft_page", draft_id=draft_id))


@blueprint.post("/writer/drafts/<draft_id>/publish")
def publish(draft_id: str):
    settings = services().settings
    try:
        path = publish_draft(settings.content_dir, draft_id)
    except KBError as error:
        return _draft_view(draft_id, error=error.message, status=error.status)
    audit(
        "draft_published",
        signed_in("writer"),
        target=draft_id,
        detail=str(path.relative_to(settings.content_dir)),
    )
    request_build(settings)  # off the request: `kb watch`, or `kb index` in the background
    flash(
        f"Published as {path.relative_to(settings.content_dir)}; "
        "it will be searchable in a few seconds."
    )
    return redirect(url_for("writer.queue"))


@blueprint.post("/writer/drafts/<draft_id>/reject")
def reject(draft_id: str):
    try:
        reject_draft(services().settings.content_dir, draft_id, request.form.get("reason", ""))
    except KBError as error:
        return _draft_view(draft_id, error=error.message, status=error.status)
    audit(
        "draft_rejected",
        signed_in("writer"),
        target=draft_id,
        detail=request.form.get("reason", "")[:200],
    )
    flash("Draft rejected and archived.")
    return redirect(url_for("writer.queue"))


@blueprint.post("/writer/logout")
def logout():
    sign_out()
    return redirect(url_for("writer.login"))
