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
    """Every word of every title and heading, sorted, so a prefix is two binary searches away."""

    def __init__(self, articles: Iterable[Article]) -> None:
        self._entries: list[tuple[Suggestion, tuple[str, ...]]] = []
        for article in sorted(articles, key=lambda a: a.slug):
            self._add(Suggestion(article.title, article.slug, "", "article", article.title))
            for section in article.sections:
                if section.anchor:
                    self._add(
                        Suggestion(
                            section.title, article.slug, section.anchor, "section", article.title
                        )
                    )
        self._words = sorted(
            (word, number)
            for number, (_, tokens) in enumerate(self._entries)
            for word in set(tokens)
        )

    def _add(self, suggestion: Suggestion) -> None:
        self._entries.append((suggestion, tuple(_TOKEN.findall(suggestion.text.lower()))))

    def complete(self, typed: str, limit: int = 8) -> list[Suggestion]:
        tokens = _TOKEN.findall(typed.lower())
        if not tokens:
            return []
        last = tokens[-1]
        start = bisect.bisect_left(self._words, (last, -1))
        end = bisect.bisect_left(self._words, (last + "\U0010ffff", -1))
        candidates = {number for _, number in self._words[start:end]}
        ranked = []
        for number in candidates:
            suggestion, words = self._entries[number]
            if all(any(word.startswith(token) for word in words) for token in tokens[:-1]):
                first = next(i for i, word in enumerate(words) if word.startswith(tokens[0]))
                ranked.append(
                    ((suggestion.kind != "article", first, len(suggestion.text)), suggestion)
                )
        ranked.sort(key=lambda item: (item[0], item[1].text))
        seen: set[tuple[str, str]] = set()
        unique = []
        for _, suggestion in ranked:
            place = (suggestion.slug, suggestion.anchor)
            if place not in seen:
                seen.add(place)
                unique.append(suggestion)
        return unique[:limit]
