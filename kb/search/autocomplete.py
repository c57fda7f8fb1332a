"""Autocomplete: article titles and section headings whose words start with what was typed."""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable
from typing import Literal

from kb.content.model import Article

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclasses.dataclass(frozen=True)
class Suggestion:
    text: str
    slug: str
    anchor: str  # "" for the article itself
    kind: Literal["article", "section"]
    article_title: str


class Autocompleter:
    """Every word of every title and heading, sorted, so a prefix is two binary searches away.

    An entry is keyed by its article and its place there (0 for the article, then each section
    with a heading), so an edit's generation can replace one article's entries (`updated`)."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self._entries: dict[tuple[str, int], tuple[Suggestion, tuple[str, ...]]] = {}
        self._places: dict[str, int] = {}  # entries per article
        for article in articles:
            self._add(article)
        self._words = sorted(
            (word, *key) for key, (_, tokens) in self._entries.items() for word in set(tokens)
        )

    def updated(self, before: Iterable[Article], after: Iterable[Article]) -> Autocompleter:
        """These entries with some articles changed (`before` as they were here, `after` as
        they are now; either may lack one that was added, removed or is not public): what a new
        Autocompleter of every public article would be, at the cost of the changed ones (the
        first completion after an edit waited 0.6 s at 10,000 articles to build it all again)."""
        new = Autocompleter(())
        new._entries, new._places = dict(self._entries), dict(self._places)
        words = list(self._words)
        for article in before:
            for place in range(new._places.pop(article.slug, 0)):
                _, tokens = new._entries.pop((article.slug, place))
                for word in set(tokens):
                    del words[bisect.bisect_left(words, (word, article.slug, place))]
        for article in after:
            if article.is_public:
                for key, tokens in new._add(article):
                    for word in set(tokens):
                        bisect.insort(words, (word, *key))
        new._words = words
        return new

    def _add(self, article: Article) -> list[tuple[tuple[str, int], tuple[str, ...]]]:
        suggestions = [Suggestion(article.title, article.slug, "", "article", article.title)]
        suggestions += [
            Suggestion(section.title, article.slug, section.anchor, "section", article.title)
            for section in article.sections
            if section.anchor
        ]
        added = []
        for place, suggestion in enumerate(suggestions):
            tokens = tuple(_TOKEN.findall(suggestion.text.lower()))
            self._entries[(article.slug, place)] = (suggestion, tokens)
            added.append(((article.slug, place), tokens))
        self._places[article.slug] = len(suggestions)
        return added

    def complete(self, typed: str, limit: int = 8) -> list[Suggestion]:
        tokens = _TOKEN.findall(typed.lower())
        if not tokens:
            return []
        last = tokens[-1]
        start = bisect.bisect_left(self._words, (last,))
        end = bisect.bisect_left(self._words, (last + "\U0010ffff",))
        candidates = {(slug, place) for _, slug, place in self._words[start:end]}
        ranked = []
        for key in candidates:
            suggestion, words = self._entries[key]
            if all(any(word.startswith(token) for word in words) for token in tokens[:-1]):
                first = next(i for i, word in enumerate(words) if word.startswith(tokens[0]))
                ranked.append(
                    ((suggestion.kind != "article", first, len(suggestion.text)), suggestion, key)
                )
        ranked.sort(key=lambda item: (item[0], item[1].text, item[2]))
        seen: set[tuple[str, str]] = set()
        unique = []
        for _, suggestion, _ in ranked:
            place = (suggestion.slug, suggestion.anchor)
            if place not in seen:
                seen.add(place)
                unique.append(suggestion)
        return unique[:limit]
