"""The admin dashboard (admin key): what customers search and miss, what they read and vote,
deflection, what agents reuse, and one gap queue; the same figures as CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from kb.analytics.events import MAX_QUERY_CHARS
from kb.analytics.figures import DateRange
from kb.analytics.gaps import gap_queue
from kb.errors import BadRequest
from kb.tickets.draft_files import list_drafts
from kb.tickets.drafts import start_draft
from web.api import API
from web.auth import audit, pages_need_sign_in, sign_out, signed_in
from web.openapi import operation
from web.schemas import BlockedQueries, BlockedQuery, FigureResponse, PeriodParams, QueryBody
from web.services import services
from web.sign_in import login_page

blueprint = Blueprint("admin", __name__)
DEFAULT_DAYS = 30
MAX_DAYS = 366


def period_from_args() -> DateRange:
    """`from` and `to` (YYYY-MM-DD), the last 30 days by default."""
    default = DateRange.last(DEFAULT_DAYS)
    values = {}
    for field, fallback in (("from", default.start), ("to", default.end)):
        raw = request.args.get(field) or fallback
        try:
            values[field] = dt.date.fromisoformat(raw)
        except ValueError:
            raise BadRequest(f"{field} must be a date like 2026-11-23", field=field) from None
    if values["from"] > values["to"]:
        raise BadRequest("from must not be after to", field="from")
    if (values["to"] - values["from"]).days >= MAX_DAYS:
        raise BadRequest(f"choose at most {MAX_DAYS} days", field="from")
    return DateRange(values["from"].isoformat(), values["to"].isoformat())


def pending_drafts() -> list:
    return [d for d in list_drafts(services().settings.content_dir) if d.source_tickets]


FIGURES = ("summary", "searches-per-day", "top-queries", "no-results", "no-clicks",
           "article-views", "feedback", "deflection", "agents", "gaps")  # fmt: skip


def figure(name: str, period: DateRange):
    """One named figure: the dashboard's tables, the CSV exports and the JSON API share these."""
    analytics = services().analytics
    figures = {
        "summary": lambda: analytics.summary(period),
        "searches-per-day": lambda: analytics.searches_per_day(period),
        "top-queries": lambda: analytics.top_queries(period),
        "no-results": lambda: analytics.no_result_queries(period),
        "no-clicks": lambda: analytics.no_click_queries(period),
        "article-views": lambda: analytics.article_views(period),
        "feedback": lambda: analytics.feedback(period),
        "deflection": lambda: analytics.deflection(period),
        "agents": lambda: analytics.agent_articles(period),
        "gaps": lambda: [gap.__dict__ for gap in gap_queue(analytics, period, pending_drafts())],
    }
    if name not in figures:
        raise BadRequest(f"unknown figure '{name}'; one of: {', '.join(figures)}", field="figure")
    return figures[name]()


@operation(
    blueprint, "GET", f"{API}/analytics/<name>", summary="An analytics figure", tag="Analytics",
    role="admin", query=PeriodParams, response=FigureResponse,
    path_schemas=(("name", {"type": "string", "enum": list(FIGURES)}),),
    description="The figure named, for the days from `from` to `to` (both included; the last "
    "30 days by default, at most 366): the same numbers as the dashboard and its CSV exports.",
)  # fmt: skip
def analytics_api(name: str, query: PeriodParams) -> FigureResponse:
    period = period_from_args()
    return FigureResponse.model_validate(
        {"from": period.start, "to": period.end, name: figure(name, period)}
    )


@operation(
    blueprint, "GET", f"{API}/analytics/blocked-queries", summary="List blocked suggestions",
    tag="Analytics", role="admin", response=BlockedQueries,
)  # fmt: skip
def blocked_queries_api() -> BlockedQueries:
    blocked = services().popular_queries.blocked()
    return BlockedQueries(blocked_queries=[BlockedQuery(**row) for row in blocked])


@operation(
    blueprint, "POST", f"{API}/analytics/blocked-queries", summary="Block a suggestion",
    tag="Analytics", role="admin", body=QueryBody, response=QueryBody, status=201,
    description="Autocomplete never offers this query again: at once on the worker that "
    "receives this, and on the others when they refresh their list (within 5 minutes).",
)  # fmt: skip
def block_query_api(body: QueryBody) -> QueryBody:
    return QueryBody(query=services().popular_queries.block(body.query, g.principal.name))


@operation(
    blueprint, "DELETE", f"{API}/analytics/blocked-queries", summary="Unblock a suggestion",
    tag="Analytics", role="admin", query=QueryBody, response=None, status=204, errors=(404,),
)  # fmt: skip
def unblock_query_api(query: QueryBody) -> None:
    services().popular_queries.unblock(query.query)


@blueprint.before_request
def admins_only():
    return pages_need_sign_in("admin", "/admin", "admin.login")


@blueprint.route("/admin/login", methods=["GET", "POST"])
def login():
    return login_page("admin", "see the analytics", "Analytics", "admin.dashboard")


@blueprint.post("/admin/logout")
def logout():
    sign_out()
    return redirect(url_for("admin.login"))


@blueprint.get("/admin")
def dashboard():
    period = period_from_args()
    names = ("summary", "searches-per-day", "top-queries", "no-results", "no-clicks",
             "article-views", "feedback", "agents", "gaps")  # fmt: skip
    data = {name.replace("-", "_"): figure(name, period) for name in names}
    titles = {slug: article.title for slug, article in services().index.get().articles.items()}
    popular = services().popular_queries
    return render_template(
        "admin.html", period=period, chart=bar_chart(data["searches_per_day"]), titles=titles,
        suggested=popular.suggested(), blocked=popular.blocked(), **data,
    )  # fmt: skip


@blueprint.get("/admin/export/<name>.csv")
def export(name: str):
    period = period_from_args()
    rows = figure(name, period)
    rows = rows if isinstance(rows, list) else [rows]
    out = io.StringIO()
    if rows:
        columns = list(rows[0])
        # Text is quoted, so a spreadsheet reading `;` as the separator keeps it in one cell;
        # numbers are not, so they stay numbers.
        writer = csv.DictWriter(
            out, fieldnames=columns, extrasaction="ignore", quoting=csv.QUOTE_NONNUMERIC
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    filename = f"{name}-{period.start}-{period.end}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str | int | float:
    """One exported value: numbers as they are, text neutralised so it is never run."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, list):
        value = " | ".join(v["comment"] if isinstance(v, dict) else str(v) for v in value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


@blueprint.post("/admin/gaps/draft")
def draft_from_gap():
    """One click from a failed search to a draft article a writer can fill in."""
    query = " ".join((request.form.get("query") or "").split())
    if not query or len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"query is required (at most {MAX_QUERY_CHARS} characters)", field="query")
    draft = start_draft(services().settings.content_dir, query)
    return redirect(url_for("writer.draft_page", draft_id=draft.id))


@blueprint.post("/admin/blocked-queries")
def block_query():
    """The dashboard's "Block": autocomplete stops offering the query."""
    admin = signed_in("admin")
    if admin is None:  # the key was revoked since this request was let in
        return redirect(url_for("admin.login"))
    query = services().popular_queries.block(request.form.get("query", ""), admin.name)
    audit("setting_changed", admin, target="autocomplete suggestions", detail=f"blocked “{query}”")
    flash(f"“{query}” is no longer suggested.")
    return redirect(url_for("admin.dashboard", _anchor="autocomplete"))


@blueprint.post("/admin/blocked-queries/unblock")
def unblock_query():
    query = services().popular_queries.unblock(request.form.get("query", ""))
    audit(
        "setting_changed",
        signed_in("admin"),
        target="autocomplete suggestions",
        detail=f"unblocked “{query}”",
    )
    flash(f"“{query}” may be suggested again.")
    return redirect(url_for("admin.dashboard", _anchor="autocomplete"))


def bar_chart(days: list[dict], width: int = 720, height: int = 160) -> dict:
    """Bars for searches per day, as numbers an SVG template draws (no script, no CDN)."""
    top = max([d["searches"] for d in days] + [1])
    step = width / max(1, len(days))
    bars = [
        {
            "x": round(i * step + 1, 1),
            "width": round(max(1.0, step - 2), 1),
            "height": round((height - 20) * d["searches"] / top, 1),
            "day": d["day"],
            "searches": d["searches"],
        }
        for i, d in enumerate(days)
    ]
    for bar in bars:
        bar["y"] = round(height - 20 - bar["height"], 1)
    return {"width": width, "height": height, "bars": bars, "top": top}
