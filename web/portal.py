"""The self-service help center: home, search, article and category pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from kb.database import MAX_COMMENT_CHARS
from kb.errors import BadRequest
from kb.hits import Filters
from kb.render import render_article
from kb.search import MAX_QUERY_CHARS
from web.services import category_name, public_article, public_categories, services

blueprint = Blueprint("portal", __name__)
PAGE_SIZE = 10


@blueprint.get("/")
def home():
    index = services().index.get()
    public = [article for article in index.articles.values() if article.is_public]
    popular_slugs = services().database.popular_slugs(limit=6)
    popular = [index.articles[s] for s in popular_slugs if s in index.articles]
    popular = [article for article in popular if article.is_public]
    if len(popular) < 6:  # a new help center has no views yet: fill with how-to guides
        chosen = {article.slug for article in popular}
        popular += [
            a
            for a in sorted(public, key=lambda a: a.title)
            if a.type == "how-to" and a.slug not in chosen
        ][: 6 - len(popular)]
    recent = sorted(public, key=lambda a: (a.updated or "", a.title), reverse=True)[:6]
    return render_template(
        "home.html", categories=public_categories(index), popular=popular, recent=recent
    )


@blueprint.get("/search")
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
        "categories": public_categories(index),
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
    return render_template("search.html", results=results, pages=pages, **context)


@blueprint.get("/articles/<slug>")
def article_page(slug: str):
    index = services().index.get()
    article = public_article(index, slug)
    rendered = render_article(article, index.links)
    related = [index.articles[s] for s in article.related if s in index.articles]
    related = [r for r in related if r.is_public]
    if not related:
        related = [
            a
            for a in index.articles.values()
            if a.is_public and a.category == article.category and a.slug != slug
        ][:5]
    services().database.record_view(article.slug)
    return render_template(
        "article.html",
        article=article,
        rendered=rendered,
        related=related,
        category_name=category_name(article.category),
    )


@blueprint.post("/articles/<slug>/feedback")
def article_feedback(slug: str):
    index = services().index.get()
    article = public_article(index, slug)
    helpful = request.form.get("helpful")
    if helpful not in ("yes", "no"):
        raise BadRequest("Choose Yes or No.")
    comment = (request.form.get("comment") or "").strip()[:MAX_COMMENT_CHARS]
    services().database.record_feedback(article.slug, helpful == "yes", comment or None)
    flash("Thanks for your feedback.")
    return redirect(url_for("portal.article_page", slug=article.slug) + "#feedback")


@blueprint.get("/categories/<category>")
def category_page(category: str):
    index = services().index.get()
    articles = sorted(
        (a for a in index.articles.values() if a.is_public and a.category == category),
        key=lambda a: a.title,
    )
    if not articles:
        abort(404, description=f"There is no category '{category}'.")
    return render_template(
        "category.html", category=category, name=category_name(category), articles=articles
    )
