"""Highlighted snippets: the passage of a section that best matches the query, HTML-escaped."""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Collection
from html import escape

from whoosh.lang.porter import stem

_WORD = re.compile(r"\w+", re.UNICODE)
_LINE_BREAK = re.compile(r"\s*\n\s*")
# Table cells, list items and paragraphs are lines of a section's text: a snippet separates them.
SEPARATOR = " · "
# Words a snippet never highlights, even when the query has them: highlighting "my", "how" or
# "get" says nothing about why a result matched. The keyword index keeps some of these (question
# words help FAQ titles match), so the list is the snippet's own.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further get gets getting got had has have having he her here hers herself him himself his how
    i if in into is it its itself just let me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves back want need please""".split()
)


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Porter stemming is a snippet's main cost; a help center's vocabulary is small."""
    return stem(word.lower())


@functools.lru_cache(maxsize=4096)
def _analysed(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Where each word of a section's text is, and its stem: the same sections come back
    query after query, and this is most of a snippet's cost."""
    spans = [match.span() for match in _WORD.finditer(text)]
    return spans, [_stem(text[begin:end]) for begin, end in spans]


def make_snippet(text: str, terms: Collection[str], words: int = 36) -> str:
    """A window of about `words` words with the most distinct query terms, matches in <mark>.

    `terms` are analysed query terms (lower-case stems, as the keyword index makes them).
    """
    spans, stems = _analysed(text)
    if not spans:
        return ""
    matches = [
        token_stem in terms and text[begin:end].lower() not in STOP_WORDS
        for token_stem, (begin, end) in zip(stems, spans, strict=True)
    ]
    start = _best_window(stems, matches, terms, words)
    end = min(len(spans), start + words)
    pieces: list[str] = ["… " if start > 0 else ""]
    cursor = spans[start][0]
    for position in range(start, end):
        if matches[position]:
            begin, finish = spans[position]
            pieces.append(_between(text[cursor:begin]))
            pieces.append(f"<mark>{escape(text[begin:finish])}</mark>")
            cursor = finish
    pieces.append(_between(text[cursor : spans[end - 1][1]]))
    if end < len(spans):
        pieces.append(" …")
    return " ".join("".join(pieces).split())


def _between(text: str) -> str:
    """Text between highlights, escaped, with its line breaks shown as separators."""
    return SEPARATOR.join(escape(part) for part in _LINE_BREAK.split(text))


def _best_window(stems: list[str], matches: list[bool], terms: Collection[str], words: int) -> int:
    if not terms or not any(matches):
        return 0
    positions = [i for i, matched in enumerate(matches) if matched]
    best_start, best_score = 0, -1
    for start in range(0, max(1, len(stems) - words + 1), 4):
        inside = positions[bisect_left(positions, start) : bisect_left(positions, start + words)]
        score = len({stems[i] for i in inside}) * 10 + len(inside)
        if score > best_score:
            best_start, best_score = start, score
    # Start a little before the first match so the snippet reads as a sentence.
    first = next((i for i in range(best_start, len(stems)) if matches[i]), best_start)
    return max(0, min(best_start, first - 4)) if first - best_start > words // 2 else best_start
