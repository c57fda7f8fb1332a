"""The audit log for admins: filter it by action, person and days, page through it, export it
as CSV (text neutralised as the dashboard's exports are, so a spreadsheet never runs a cell). It
is only read here: nothing in the app changes or deletes an entry."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterator

from flask import Blueprint, Response, render_template, request, stream_with_context

from kb.errors import BadRequest
from kb.state.audit import ACTIONS, AuditFilter
from web.admin import _cell
from web.auth import pages_need_sign_in
from web.services import services

blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")
COLUMNS = ("at", "actor", "actor_email", "address", "action", "target", "detail")


@blueprint.before_request
def admins_only():
    return pages_need_sign_in("admin", "/admin", "admin.login")


def chosen_filter() -> AuditFilter:
    """The filter the query string asks for; a 400 naming a field that is not valid."""
    args = request.args
    action = args.get("action", "")
    if action and action not in ACTIONS:
        raise BadRequest(f"action must be one of {', '.join(ACTIONS)}", field="action")
    days = {}
    for field in ("from", "to"):
        value = args.get(field, "")
        try:
            days[field] = dt.date.fromisoformat(value).isoformat() if value else ""
        except ValueError:
            raise BadRequest(f"{field} must be a date like 2026-11-23", field=field) from None
    return AuditFilter(action, args.get("who", "")[:200], days["from"], days["to"])


@blueprint.get("")
def audit_page():
    chosen = chosen_filter()
    before = request.args.get("before", "")
    if before and not (before.isdigit() and len(before) <= 9):
        raise BadRequest("before must be an entry number", field="before")
    entries = services().audit.entries(chosen, before=int(before or 0))
    return render_template(
        "audit.html",
        title="Audit log",
        entries=entries,
        actions=ACTIONS,
        chosen=chosen,
        older=entries[-1].id if len(entries) == 100 else None,
        query={k: v for k, v in request.args.items() if k != "before"},
    )


@blueprint.get("/export.csv")
def export():
    """Every entry the filter matches, newest first, streamed as CSV."""
    chosen = chosen_filter()

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.DictWriter(
            out, fieldnames=COLUMNS, quoting=csv.QUOTE_NONNUMERIC, extrasaction="ignore"
        )
        writer.writeheader()
        for entry in services().audit.every_entry(chosen):
            writer.writerow({k: _cell(v) for k, v in dataclasses.asdict(entry).items()})
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        yield out.getvalue()

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
