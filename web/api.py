"""The JSON API under /api/v1, and /healthz."""

from __future__ import annotations

import urllib.parse

from flask import Blueprint, Response, render_template, request

from kb.content.catalog import public_categories, related_articles
from kb.content.render import render_article
from kb.index.generations import NOT_BUILT
from kb.limits import MAX_AUTOCOMPLETE_CHARS
from kb.search.engine import check_query
from kb.search.hits import Filters
from web.openapi import document as openapi_document
from web.openapi import operation, schema_type
from web.rate_limits import rate_limited
from web.results import search_response
from web.schemas import (
    ArticleLink,
    ArticleResponse,
    AutocompleteParams,
    AutocompleteResponse,
    CategoriesResponse,
    Category,
    Completion,
    FeedbackBody,
    FeedbackCounts,
    FeedbackRecorded,
    SearchParams,
    SearchResponse,
    TocEntry,
)
from web.services import answer_html, log_search, public_article, public_links, services
from web.urls import article_path, category_path

blueprint = Blueprint("api", __name__)
blueprint.add_app_template_filter(schema_type, "schema_type")
API = "/api/v1"
API_VERSION = "1.0"


@blueprint.get("/healthz")
def healthz():
    """200 while an index is served ("degraded" when it is older than the one CURRENT names,
    which cannot be opened), 503 while none is."""
    served, failure = services().index.state()
    if served is None:
        if failure is None:
            return {"status": "starting", "message": NOT_BUILT}, 503
        return {
            "status": "unavailable",
            "message": failure.message,
            "reason": failure.reason,
            "broken_generation": failure.generation,
        }, 503
    health = {"status": "ok", "generation": served.name, "articles": len(served.articles)}
    if failure is not None:
        health |= {
            "status": "degraded",
            "reason": failure.reason,
            "broken_generation": failure.generation,
        }
    return health


@blueprint.get("/readyz")
def readyz():
    """200 once this worker serves an index and has searched it (warm), 503 until then: for
    an orchestrator deciding whether to send customers here. /healthz says what is served."""
    served, failure = services().index.state()
    if served is None:
        if failure is None:
            return {"status": "starting", "message": NOT_BUILT}, 503
        return {"status": "unavailable", "message": failure.message}, 503
    if not services().readiness.warm_up():
        return {"status": "warming", "message": f"index {served.name} could not be searched"}, 503
    return {"status": "ready", "generation": served.name}


@operation(
    blueprint, "GET", f"{API}/search", summary="Search articles", tag="Help center",
    query=SearchParams, response=SearchResponse,
    description="Public articles only, one result per article with its best section.",
)  # fmt: skip
@rate_limited("search")
def search(query: SearchParams) -> SearchResponse:
    results = services().engine.search(
        query.q,
        mode=query.mode,
        limit=query.limit,
        offset=query.offset,
        filters=Filters(
            category=query.category or None,
            tag=query.tag or None,
            type=query.type or None,
            kind=query.kind or None,
        ),
    )
    # Searches are recorded for analytics unless the caller says `log=0` (search as you type:
    # its prefixes are not searches) or asks for a later page.
    logged = query.log not in ("0", "false") and query.offset == 0
    html = answer_html(services().index.get(), results)
    return search_response(results, log_search(results) if logged else None, html)


@operation(
    blueprint, "GET", f"{API}/autocomplete", summary="Complete a search", tag="Help center",
    query=AutocompleteParams, response=AutocompleteResponse,
    description="Titles and headings first, then (up to a third of the list) what other "
    "customers searched for and found.",
)  # fmt: skip
@rate_limited("autocomplete")
def autocomplete(query: AutocompleteParams) -> AutocompleteResponse:
    typed = check_query(query.q, maximum=MAX_AUTOCOMPLETE_CHARS)
    limit = query.limit
    popular = services().popular_queries.complete(typed, max(1, limit // 3))
    suggestions = [
        Completion(
            text=s.text,
            url=article_path(s.slug, s.anchor),
            kind=s.kind,
            article_title=s.article_title,
        )  # fmt: skip
        for s in services().index.get().autocomplete.complete(typed, limit)
    ]
    shown = {s.text.lower() for s in suggestions}
    popular = [text for text in popular if text not in shown]
    suggestions = suggestions[: limit - len(popular)] + [
        Completion(text=text, url=f"/search?q={urllib.parse.quote_plus(text)}", kind="query",
                   article_title="")
        for text in popular
    ]  # fmt: skip
    return AutocompleteResponse(query=typed, suggestions=suggestions)


@operation(
    blueprint, "GET", f"{API}/articles/<slug>", summary="Read an article", tag="Help center",
    response=ArticleResponse,
)  # fmt: skip
def article(slug: str) -> ArticleResponse:
    index = services().index.get()
    found = public_article(index, slug)
    rendered = render_article(found, index.links, public_links(index))
    return ArticleResponse(
        slug=found.slug,
        title=found.title,
        url=article_path(found.slug),
        category=found.category,
        tags=list(found.tags),
        type=found.type,
        kind=found.kind,
        updated=found.updated,
        summary=found.summary,
        html=rendered.html,
        toc=[TocEntry(level=e.level, anchor=e.anchor, title=e.title) for e in rendered.toc],
        related=[
            ArticleLink(slug=r.slug, title=r.title, url=article_path(r.slug))
            for r in related_articles(found, index.articles)
        ],
        feedback=FeedbackCounts(**services().database.feedback_summary(found.slug)),
    )


@operation(
    blueprint, "GET", f"{API}/categories", summary="List categories", tag="Help center",
    response=CategoriesResponse,
)  # fmt: skip
def categories() -> CategoriesResponse:
    index = services().index.get()
    return CategoriesResponse(
        categories=[
            Category(slug=c.slug, name=c.name, count=c.count, url=category_path(c.slug))
            for c in public_categories(index.articles.values())
        ]
    )


@operation(
    blueprint, "POST", f"{API}/articles/<slug>/feedback", summary="Vote on an article",
    tag="Help center", body=FeedbackBody, response=FeedbackRecorded, status=201,
)  # fmt: skip
@rate_limited("vote")
def feedback(slug: str, body: FeedbackBody) -> FeedbackRecorded:
    found = public_article(services().index.get(), slug)
    comment = (body.comment or "").strip() or None
    services().database.record_feedback(found.slug, body.helpful, comment)
    return FeedbackRecorded(status="recorded", slug=found.slug)


@blueprint.get(f"{API}/openapi.json")
def openapi_json():
    """This API described as OpenAPI 3.1, built from the models the code validates with."""
    return openapi_document(f"{services().settings.site_name} API", API_VERSION)


@blueprint.get("/api-docs")
def api_docs():
    """The same document, browsable."""
    spec = openapi_document(f"{services().settings.site_name} API", API_VERSION)
    return render_template("api_docs.html", spec=spec)


@blueprint.after_request
def no_store_for_api(response: Response) -> Response:
    if request.path.startswith(API):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
