"""The JSON API under /api/v1, and /healthz."""

from __future__ import annotations

import urllib.parse
from typing import Any

from flask import Blueprint, Response, request

from kb.database import MAX_COMMENT_CHARS
from kb.errors import BadRequest
from kb.hits import Filters
from kb.render import render_article
from kb.search import SearchResult, article_url, check_query
from kb.store import NOT_BUILT
from web.services import category_name, log_search, public_article, public_categories, services

blueprint = Blueprint("api", __name__)
API = "/api/v1"
MAX_API_LIMIT = 50


@blueprint.get("/healthz")
def healthz():
    """200 while an index is served ("degraded" when it is older than the one CURRENT names,
    which cannot be opened), 503 while none is."""
    served, failure = services().index.state()
    if served is None and failure is None:
        return {"status": "starting", "message": NOT_BUILT}, 503
    if served is None:
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


@blueprint.get(f"{API}/search")
def search():
    args = request.args
    offset = int_arg("offset", 0, 0, 10_000)
    results = services().engine.search(
        args.get("q", ""),
        mode=args.get("mode", "hybrid"),
        limit=int_arg("limit", 10, 1, MAX_API_LIMIT),
        offset=offset,
        filters=Filters(
            category=args.get("category") or None,
            tag=args.get("tag") or None,
            type=args.get("type") or None,
            kind=args.get("kind") or None,
        ),
    )
    # Searches are recorded for analytics unless the caller says `log=0` (search as you type:
    # its prefixes are not searches) or asks for a later page.
    logged = args.get("log", "1") not in ("0", "false") and offset == 0
    return {
        "query": results.query,
        "search_id": log_search(results) if logged else None,
        "mode": results.mode,
        "total": results.total,
        "took_ms": results.took_ms,
        "did_you_mean": results.did_you_mean,
        "results": [result_json(result) for result in results.results],
    }


@blueprint.get(f"{API}/autocomplete")
def autocomplete():
    """Titles and headings first, then (up to a third of the list) what other customers
    searched for and found."""
    typed = check_query(request.args.get("q", ""), maximum=200)
    limit = int_arg("limit", 8, 1, 20)
    popular = services().popular_queries.complete(typed, max(1, limit // 3))
    suggestions = [
        {"text": s.text, "url": s.url, "kind": s.kind, "article_title": s.article_title}
        for s in services().index.get().autocomplete.complete(typed, limit)
    ]
    shown = {s["text"].lower() for s in suggestions}
    popular = [query for query in popular if query not in shown]
    suggestions = suggestions[: limit - len(popular)] + [
        {"text": q, "url": f"/search?q={urllib.parse.quote_plus(q)}", "kind": "query",
         "article_title": ""}
        for q in popular
    ]  # fmt: skip
    return {"query": typed, "suggestions": suggestions}


@blueprint.get(f"{API}/articles/<slug>")
def article(slug: str):
    index = services().index.get()
    found = public_article(index, slug)
    rendered = render_article(found, index.links)
    related = [index.articles[s] for s in found.related if s in index.articles]
    return {
        "slug": found.slug,
        "title": found.title,
        "url": article_url(found.slug),
        "category": found.category,
        "tags": list(found.tags),
        "type": found.type,
        "kind": found.kind,
        "updated": found.updated,
        "summary": found.summary,
        "html": rendered.html,
        "toc": [{"level": e.level, "anchor": e.anchor, "title": e.title} for e in rendered.toc],
        "related": [
            {"slug": r.slug, "title": r.title, "url": article_url(r.slug)}
            for r in related
            if r.is_public
        ],
        "feedback": services().database.feedback_summary(found.slug),
    }


@blueprint.get(f"{API}/categories")
def categories():
    index = services().index.get()
    return {
        "categories": [
            {**category, "url": f"/categories/{category['slug']}"}
            for category in public_categories(index)
        ]
    }


@blueprint.post(f"{API}/articles/<slug>/feedback")
def feedback(slug: str):
    index = services().index.get()
    found = public_article(index, slug)
    body = json_object()
    helpful = body.get("helpful")
    if not isinstance(helpful, bool):
        raise BadRequest("helpful is required and must be true or false", field="helpful")
    comment = body.get("comment")
    if comment is not None and not isinstance(comment, str):
        raise BadRequest("comment must be text", field="comment")
    if comment and len(comment) > MAX_COMMENT_CHARS:
        raise BadRequest(f"comment must be at most {MAX_COMMENT_CHARS} characters", field="comment")
    services().database.record_feedback(found.slug, helpful, (comment or "").strip() or None)
    return {"status": "recorded", "slug": found.slug}, 201


def result_json(result: SearchResult) -> dict[str, Any]:
    article = result.article
    return {
        "slug": article.slug,
        "title": article.title,
        "url": result.url,
        "section": {"anchor": result.section.anchor, "title": result.section.title},
        "snippet": result.snippet,
        "score": round(result.score, 6),
        "category": article.category,
        "category_name": category_name(article.category),
        "tags": list(article.tags),
        "type": article.type,
        "kind": article.kind,
    }


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(
            f"{name} must be a whole number from {low} to {high}", field=name
        ) from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}", field=name)
    return value


def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it."""
    if not request.is_json:
        raise BadRequest("send a JSON body with Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("the body is not valid JSON")
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


@blueprint.after_request
def no_store_for_api(response: Response) -> Response:
    if request.path.startswith(API):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
