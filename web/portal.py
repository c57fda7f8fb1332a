"""The self-service help center: home, search, article and category pages."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from kb.analytics.events import ClickEvent, record_deflection
from kb.content.catalog import (
    HOME_LIST,
    category_name,
    in_category,
    popular_articles,
    public_categories,
    recent_articles,
    related_articles,
)
from kb.content.render import render_article
from kb.errors import BadRequest
from kb.search.engine import MAX_QUERY_CHARS
from kb.search.hits import Filters
from kb.state.database import MAX_COMMENT_CHARS
from web.rate_limits import rate_limited
from web.services import answer_html, log_search, public_article, public_links, services, visitor_id

blueprint = Blueprint("portal", __name__)
PAGE_SIZE = 10
_SEARCH_ID = re.compile(r"[0-9a-f]{32}")
# A results page of this site: no other host ("//"), scheme or backslash, no line break (a
# header injection was a 500).
_BACK = re.compile(r"/search\?(?!.*//)[^\x00-\x20\x7f\\]{0,2000}")


@blueprint.before_request
def give_visitor_cookie() -> None:
    """Each help-center page gives a browser its visitor cookie, so its searches count from the
    first one typed on a page (a search that arrives without the cookie counts as no one)."""
    visitor_id()


@blueprint.get("/")
def home():
    index = services().index.get()
    articles = index.articles
    most_viewed = services().database.popular_slugs(limit=HOME_LIST)
    return render_template(
        "home.html",
        categories=public_categories(articles.values()),
        popular=popular_articles(articles, most_viewed),
        recent=recent_articles(articles.values()),
    )


@blueprint.get("/search")
@rate_limited("search")
def search_page():
    query = request.args.get("q", "").strip()
    category = request.args.get("category") or None
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    index = services().index.get()
    context = {
        "query": query,
        "category": category,
        "page": page,
        "categories": public_categories(index.articles.values()),
        "category_name": category_name,
    }
    if not query:
        return render_template("search.html", results=None, **context)
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"Searches can be at most {MAX_QUERY_CHARS} characters long.")
    results = services().engine.search(
        query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, filters=Filters(category=category)
    )
    pages = max(1, -(-results.total // PAGE_SIZE))
    search_id = log_search(results) if page == 1 else ""
    html = answer_html(index, results) if page == 1 else None
    answer = {"result": results.answer.result, "html": html} if results.answer and html else None
    return render_template(
        "search.html",
        results=results,
        pages=pages,
        search_id=search_id,
        answer=answer,
        **context,
    )


@blueprint.post("/search/click")
@rate_limited("search")  # one report per result opened: counted with the searches
def result_click():
    """A result was opened: the link's `ping` (or a beacon) reports the search and rank."""
    index = services().index.get()
    article = public_article(index, request.args.get("slug", ""))
    search_id = request.args.get("search", "")
    try:
        rank = int(request.args.get("rank", ""))
    except ValueError:
        rank = 0
    if not _SEARCH_ID.fullmatch(search_id) or not 1 <= rank <= 1000:
        raise BadRequest("search and rank must name a logged search and a result position")
    services().events.record(ClickEvent(search_id, article.slug, rank))
    return "", 204


@blueprint.get("/articles/<slug>")
def article_page(slug: str):
    index = services().index.get()
    article = public_article(index, slug)
    rendered = render_article(article, index.links, public_links(index))
    related = related_articles(article, index.articles)
    services().database.record_view(article.slug)
    if request.args.get("from") == "contact":
        record_deflection(services().database, visitor_id(), article.slug, "opened")
    return render_template(
        "article.html",
        article=article,
        rendered=rendered,
        related=related,
        category_name=category_name(article.category),
    )


@blueprint.post("/articles/<slug>/feedback")
@rate_limited("vote")
def article_feedback(slug: str):
    index = services().index.get()
    article = public_article(index, slug)
    helpful = request.form.get("helpful")
    if helpful not in ("yes", "no"):
        raise BadRequest("Choose Yes or No.")
    comment = (request.form.get("comment") or "").strip()[:MAX_COMMENT_CHARS]
    services().database.record_feedback(article.slug, helpful == "yes", comment or None)
    flash("Thanks for your feedback.")
    back = request.form.get("back", "")
    if _BACK.fullmatch(back):  # the instant answer's own page, and nowhere else
        return redirect(back)
    return redirect(url_for("portal.article_page", slug=article.slug) + "#feedback")


@blueprint.get("/categories/<category>")
def category_page(category: str):
    index = services().index.get()
    articles = in_category(index.articles.values(), category)
    if not articles:
        abort(404, description=f"There is no category '{category}'.")
    return render_template(
        "category.html", category=category, name=category_name(category), articles=articles
    )
