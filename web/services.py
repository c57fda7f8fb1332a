"""Access to the app's shared services from a request."""

from __future__ import annotations

from flask import current_app

from kb.content import Article
from kb.errors import NotFound
from kb.store import LoadedIndex


def services():
    return current_app.extensions["kb"]


def public_article(index: LoadedIndex, slug: str) -> Article:
    """The article customers may read, or 404: internal and draft articles do not exist here."""
    article = index.articles.get(slug)
    if article is None or not article.is_public:
        raise NotFound(f"no article '{slug}'")
    return article


def public_categories(index: LoadedIndex) -> list[dict]:
    """Categories that hold public articles, with counts, largest first."""
    counts: dict[str, int] = {}
    for article in index.articles.values():
        if article.is_public and article.category:
            counts[article.category] = counts.get(article.category, 0) + 1
    return [
        {"slug": slug, "name": category_name(slug), "count": count}
        for slug, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def category_name(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ").capitalize()
