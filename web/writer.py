"""The writer studio (writer key): the drafts, filtered, sorted and paged, with the groups of
tickets that need an answer; new drafts generated in the background with their progress; each
draft's page (web/writer_drafts.py). Also the tickets webhook API."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from indexer.background import start_draft_generation
from kb.errors import KBError
from kb.state.jobs import JobStore
from kb.tickets.draft_files import list_drafts
from kb.tickets.generation import GENERATION
from kb.tickets.inbox import Inbox
from kb.tickets.publishing import review_state
from kb.tickets.store import RESOLVED, TicketStore
from kb.tickets.studio import KINDS, SIZES, SORTS, DraftRow, ListQuery, categories, select
from kb.tickets.triage import TRIAGED_ON_ARRIVAL, triage_tickets
from kb.tickets.unanswered import UnansweredGroups
from web import writer_drafts
from web.api import API
from web.auth import pages_need_sign_in, sign_out, signed_in
from web.openapi import operation
from web.schemas import TicketsBody, TicketsImported
from web.services import services
from web.sign_in import login_page
from web.writer_drafts import source_tickets

blueprint = Blueprint("writer", __name__)
SORT_LABELS = {"customers": "Most customers", "newest": "Newest", "oldest": "Oldest",
               "title": "Title"}  # fmt: skip


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
    """The studio's list: drafts, most customers first by default, and what needs an answer."""
    settings = services().settings
    query = ListQuery.of(request.args.to_dict())
    rows = [DraftRow.of(d, _review(d.id)) for d in list_drafts(settings.content_dir)]
    shown = select(rows, query)
    jobs = JobStore(services().database)
    return render_template(
        "writer_queue.html", page=shown, query=query, kinds=KINDS, sizes=SIZES,
        sorts=[(sort, SORT_LABELS[sort]) for sort in SORTS],
        categories=sorted({*categories(settings.content_dir), *(r.category for r in rows)}),
        unanswered=UnansweredGroups(services().database).all(), job=jobs.latest(GENERATION),
        page_url=lambda page: url_for("writer.queue", **{**request.args.to_dict(), "page": page}),
    )  # fmt: skip


def _review(draft_id: str) -> str | None:
    """In review on its branch (KB_PUBLISH=branch), or merged; only then is git asked."""
    if services().settings.publish != "branch":
        return None
    return review_state(services().settings.content_dir, draft_id)


@blueprint.post("/writer/generate")
def generate():
    """Start `kb drafts generate` in a process of its own; the list shows its progress."""
    writer = signed_in("writer")
    jobs = JobStore(services().database)
    try:
        job = jobs.start(GENERATION, writer.name if writer else "writer")
    except KBError as error:
        flash(error.message)
        return redirect(url_for("writer.queue"))
    try:
        start_draft_generation(services().settings, job.id)
    except OSError as error:
        jobs.finish(job.id, f"could not start: {error.strerror}", failed=True)
        flash("Draft generation could not start; see the server log.")
    return redirect(url_for("writer.queue", _anchor="generate"))


@blueprint.get("/writer/jobs/<job_id>")
def job_status(job_id: str):
    """What the list's script polls while drafts are generated."""
    job = JobStore(services().database).get(job_id[:40])
    fields = ("state", "stage", "done", "total", "percent", "message", "finished_at")
    return jsonify({name: job.as_dict()[name] for name in fields})


@blueprint.get("/writer/gaps/<group_id>")
def gap_page(group_id: str):
    """A group of tickets no agent answered: what customers asked, to answer first."""
    group = UnansweredGroups(services().database).get(group_id[:40])
    store = TicketStore(services().database)
    return render_template(
        "writer_gap.html", group=group, tickets=source_tickets(store, group.ticket_ids)
    )


@blueprint.post("/writer/logout")
def logout():
    sign_out()
    return redirect(url_for("writer.login"))


for rule, view, methods in writer_drafts.ROUTES:
    blueprint.add_url_rule(rule, view_func=view, methods=methods)
