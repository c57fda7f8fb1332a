"""What customers may see of the knowledge base, and how it is listed: public articles, their
categories, the home page's lists, and an article's related articles. One rule for the pages
and the API alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from kb.content.model import Article

HOME_LIST = 6  # articles in each of the home page's lists
RELATED = 5  # related articles an article shows when it names none


@dataclasses.dataclass(frozen=True)
class Category:
    slug: str
    name: str
    count: int  # public articles in it


def category_name(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ").capitalize()


def public_articles(articles: Iterable[Article]) -> list[Article]:
    """Articles customers may read (public and published), in path order."""
    return sorted((a for a in articles if a.is_public), key=lambda a: a.path)


def public_categories(articles: Iterable[Article]) -> list[Category]:
    """Categories that hold public articles, with counts, largest first."""
    counts: dict[str, int] = {}
    for article in articles:
        if article.is_public and article.category:
            counts[article.category] = counts.get(article.category, 0) + 1
    return [
        Category(slug, category_name(slug), count)
        for slug, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def in_category(articles: Iterable[Article], category: str) -> list[Article]:
    """A category's public articles, by title."""
    chosen = (a for a in articles if a.is_public and a.category == category)
    return sorted(chosen, key=lambda a: a.title)


def related_articles(article: Article, articles: Mapping[str, Article]) -> list[Article]:
    """The public articles an article names as related or, when it names none (or only ones
    customers may not read), others of its category."""
    named = [articles[slug] for slug in article.related if slug in articles]
    related = [a for a in named if a.is_public]
    if related:
        return related
    return [
        a
        for a in public_articles(articles.values())
        if a.category == article.category and a.slug != article.slug
    ][:RELATED]


def popular_articles(articles: Mapping[str, Article], most_viewed: Sequence[str]) -> list[Article]:
    """The home page's popular articles: the most viewed public ones; a new help center (few
    views yet) is filled up with how-to guides."""
    popular = [articles[s] for s in most_viewed if s in articles and articles[s].is_public]
    popular = popular[:HOME_LIST]
    chosen = {a.slug for a in popular}
    guides = sorted(
        (a for a in articles.values() if a.is_public and a.type == "how-to"),
        key=lambda a: a.title,
    )
    popular += [a for a in guides if a.slug not in chosen][: HOME_LIST - len(popular)]
    return popular


def recent_articles(articles: Iterable[Article]) -> list[Article]:
    """The home page's recently updated public articles."""
    public = [a for a in articles if a.is_public]
    return sorted(public, key=lambda a: (a.updated or "", a.title), reverse=True)[:HOME_LIST]
