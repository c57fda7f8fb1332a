"""Insights (admin key): trends, the gap queue, searches, content health and support, each a
page of the staff area; every number on them, in their CSV exports and in the JSON API comes
from `Insights.figure` (kb/analytics/insights.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for

from kb.analytics.events import MAX_QUERY_CHARS, normalise_query
from kb.analytics.gap_drafts import (
    close_queries,
    matching_drafts,
    searches_behind,
    start_query_draft,
    start_update_draft,
    update_drafts,
    what_to_fix,
)
from kb.analytics.gaps import ALL, GROUPS, page_of
from kb.analytics.insights import FIGURES, Insights
from kb.analytics.periods import STEPS, DateRange
from kb.analytics.product import weeks_of
from kb.errors import BadRequest, NotFound
from kb.tickets.draft_files import list_drafts
from web.api import API
from web.auth import audit, pages_need_sign_in, sign_out, signed_in
from web.openapi import operation
from web.schemas import BlockedQueries, BlockedQuery, FigureResponse, PeriodParams, QueryBody
from web.services import services
from web.sign_in import login_page

blueprint = Blueprint("admin", __name__)
DEFAULT_DAYS = 30
MAX_DAYS = 366
WEEKLY_FROM_DAYS = 63  # longer ranges are charted per week by default
# The insights pages, in the order of their navigation: (endpoint, label).
PAGES = (
    ("admin.dashboard", "Trends"),
    ("admin.gaps_page", "Gap queue"),
    ("admin.searches_page", "Searches"),
    ("admin.content_page", "Content health"),
    ("admin.support_page", "Support"),
)
PRESETS = (7, 30, 90)


@blueprint.app_template_filter("short_day")
def short_day(day: str) -> str:
    """2026-11-16 as "16 Nov": how the tables name a week (by its Monday)."""
    date = dt.date.fromisoformat(day)
    return f"{date.day} {date:%b}"


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


def step_from_args(period: DateRange) -> str:
    """`by`: day or week; per day up to nine weeks, per week beyond."""
    step = request.args.get("by") or ("day" if len(period.days()) < WEEKLY_FROM_DAYS else "week")
    if step not in STEPS:
        raise BadRequest(f"by must be one of {', '.join(STEPS)}", field="by")
    return step


def insights() -> Insights:
    """This request's figures, over the live index's articles."""
    found = services()
    return Insights(
        found.database,
        found.settings.content_dir,
        found.index.get().articles,
        found.settings.stale_after_days,
    )


@operation(
    blueprint, "GET", f"{API}/analytics/<name>", summary="An analytics figure", tag="Analytics",
    role="admin", query=PeriodParams, response=FigureResponse,
    path_schemas=(("name", {"type": "string", "enum": list(FIGURES)}),),
    description="The figure named, for the days from `from` to `to` (both included; the last "
    "30 days by default, at most 366; `by` is the trends' step, day or week): the same numbers "
    "as the insights pages and their CSV exports.",
)  # fmt: skip
def analytics_api(name: str, query: PeriodParams) -> FigureResponse:
    period = period_from_args()
    figure = insights().figure(name, period, step_from_args(period))
    return FigureResponse.model_validate({"from": period.start, "to": period.end, name: figure})


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
    return login_page("admin", "see the analytics", "Insights", "admin.dashboard")


@blueprint.post("/admin/logout")
def logout():
    sign_out()
    return redirect(url_for("admin.login"))


def page(template: str, **context):
    """An insights page: the figures of `context`, the date range and the navigation."""
    period = context.pop("period")
    step = context.pop("step", "day")
    dates = {"from": period.start, "to": period.end}
    presets = [(days, DateRange.last(days)) for days in PRESETS]
    return render_template(
        template, period=period, step=step, dates=dates, pages=PAGES, presets=presets,
        heading=dict(PAGES)[str(request.endpoint)], titles=context.pop("insights").title,
        **context,
    )  # fmt: skip


@blueprint.get("/admin")
def dashboard():
    period = period_from_args()
    step = step_from_args(period)
    found = insights()
    return page(
        "insights_trends.html", insights=found, period=period, step=step,
        summary=found.figure("summary", period), before=found.figure("summary", period.before()),
        trends=found.figure("trends", period, step), bot=found.figure("answer-bot", period),
    )  # fmt: skip


@blueprint.get("/admin/gaps")
def gaps_page():
    period = period_from_args()
    try:
        number = int(request.args.get("page") or 1)
    except ValueError:
        raise BadRequest("page must be a whole number from 1", field="page") from None
    found = insights()
    shown = page_of(found.gaps(period), request.args.get("kind") or ALL, number)
    drafts = list_drafts(services().settings.content_dir)
    queries = [gap.target for gap in shown.gaps if gap.group == "searches"]
    return page(
        "insights_gaps.html", insights=found, period=period, shown=shown, groups=GROUPS,
        topic_drafts=matching_drafts(queries, drafts, services().engine.embedder.embed),
        update_drafts=update_drafts(drafts),
    )  # fmt: skip


@blueprint.get("/admin/searches")
def searches_page():
    period = period_from_args()
    found = insights()
    popular = services().popular_queries
    tables = [(name, FIGURES[name].title, found.figure(name, period))
              for name in ("top-queries", "no-results", "no-clicks")]  # fmt: skip
    return page(
        "insights_searches.html", insights=found, period=period, tables=tables,
        summary=found.figure("summary", period), suggested=popular.suggested(),
        blocked=popular.blocked(),
    )  # fmt: skip


HEALTH = ("stale-articles", "worst-rated", "unread-articles", "broken-links",
          "unclicked-top-results")  # fmt: skip


@blueprint.get("/admin/content")
def content_page():
    period = period_from_args()
    found = insights()
    return page(
        "insights_content.html", insights=found, period=period,
        health={name: found.figure(name, period) for name in HEALTH}, figures=FIGURES,
        views=found.figure("article-views", period), feedback=found.figure("feedback", period),
        update_drafts=update_drafts(list_drafts(services().settings.content_dir)),
        stale_after_days=found.stale_after_days,
    )  # fmt: skip


@blueprint.get("/admin/support")
def support_page():
    period = period_from_args()
    found = insights()
    return page(
        "insights_support.html", insights=found, period=period,
        self_service=found.figure("self-service", period),
        support=found.figure("support", period),
        product=found.figure("product-feedback", period), weeks=weeks_of(period),
        agents=found.figure("agents", period),
    )  # fmt: skip


@blueprint.get("/admin/export/<name>.csv")
def export(name: str):
    period = period_from_args()
    rows = insights().figure(name, period, step_from_args(period))
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
    """A failed search's "Start a draft": the draft on its topic, or one filled in from its
    searches."""
    query = normalise_query(request.form.get("query") or "")
    if not query or len(request.form.get("query", "")) > MAX_QUERY_CHARS:
        raise BadRequest(f"query is required (at most {MAX_QUERY_CHARS} characters)", field="query")
    period = period_from_args()
    found = insights()
    failed = [
        q["query"] for name in ("no-results", "no-clicks") for q in found.figure(name, period)
    ]
    embed = services().engine.embedder.embed
    draft, new = start_query_draft(
        services().settings.content_dir, searches_behind(found.database, query, period),
        found.articles, embed, related_queries=close_queries(query, failed, embed),
    )  # fmt: skip
    flash("Started a draft from the searches behind this gap." if new else
          "A draft on the same topic was already started: carry on with it.")  # fmt: skip
    return redirect(url_for("writer.draft_page", draft_id=draft.id))


@blueprint.post("/admin/articles/draft")
def draft_for_article():
    """Content health's and the gap queue's "Fix it": the draft that updates the article, or
    a new one listing what the insights found wrong with it."""
    found = insights()
    article = found.articles.get(request.form.get("slug", ""))
    if article is None or not article.is_searchable:
        raise NotFound("no published article by that slug")
    period = period_from_args()
    draft, new = start_update_draft(
        services().settings.content_dir, article, what_to_fix(found, article, period)
    )
    flash("Started a draft with what to fix." if new else "This article already has a draft.")
    return redirect(url_for("writer.draft_page", draft_id=draft.id))


@blueprint.post("/admin/blocked-queries")
def block_query():
    """The searches page's "Block": autocomplete stops offering the query."""
    admin = signed_in("admin")
    if admin is None:  # the key was revoked since this request was let in
        return redirect(url_for("admin.login"))
    query = services().popular_queries.block(request.form.get("query", ""), admin.name)
    audit("setting_changed", admin, target="autocomplete suggestions", detail=f"blocked “{query}”")
    flash(f"“{query}” is no longer suggested.")
    return redirect(url_for("admin.searches_page", _anchor="autocomplete"))


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
    return redirect(url_for("admin.searches_page", _anchor="autocomplete"))
