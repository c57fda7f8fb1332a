"""Contextual help: the public articles whose front matter names the page the widget is on
(`context: ["/billing/*", "/checkout"]`), suggested before the customer types."""

from __future__ import annotations

import fnmatch
import urllib.parse
from collections.abc import Iterable

from kb.content.model import Article

SUGGESTED = 5


def page_path(page_url: str) -> str:
    """The path of a page's URL ("/billing/invoices"); "/" when it has none or cannot be read."""
    try:
        path = urllib.parse.urlsplit(page_url.strip()).path or "/"
    except ValueError:  # "http://[": a broken address names no page
        return "/"
    return urllib.parse.unquote(path)


def _specificity(pattern: str) -> tuple[int, int]:
    # An exact page before a wildcard, a longer pattern before a shorter one.
    return (int("*" not in pattern), len(pattern.replace("*", "")))


def articles_for_page(
    articles: Iterable[Article], page_url: str, limit: int = SUGGESTED
) -> list[Article]:
    """Public articles that help on this page, the most specific match first, then by title."""
    path = page_path(page_url)
    matched: list[tuple[tuple[int, int], Article]] = []
    for article in articles:
        if not article.is_public:
            continue
        fits = [p for p in article.context if fnmatch.fnmatchcase(path, p)]
        if fits:
            matched.append((max(_specificity(p) for p in fits), article))
    matched.sort(key=lambda item: (-item[0][0], -item[0][1], item[1].title))
    return [article for _, article in matched[:limit]]
