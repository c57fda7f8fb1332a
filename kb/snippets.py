"""Highlighted snippets: the passage of a section that best matches the query, HTML-escaped."""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Collection
from html import escape

from whoosh.lang.porter import stem

_WORD = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Porter stemming is the cost of a snippet; a help center's vocabulary is small."""
    return stem(word.lower())


def make_snippet(text: str, terms: Collection[str], words: int = 36) -> str:
    """A window of about `words` words with the most distinct query terms, matches in <mark>.

    `terms` are analysed query terms (lower-case stems, as the keyword index makes them).
    """
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return ""
    stems = [_stem(token.group()) for token in tokens]
    matches = [token_stem in terms for token_stem in stems]
    start = _best_window(stems, matches, terms, words)
    end = min(len(tokens), start + words)
    begin_char = tokens[start].start()
    end_char = tokens[end - 1].end()
    pieces: list[str] = ["… " if start > 0 else ""]
    cursor = begin_char
    for position in range(start, end):
        if matches[position]:
            token = tokens[position]
            pieces.append(escape(text[cursor : token.start()]))
            pieces.append(f"<mark>{escape(token.group())}</mark>")
            cursor = token.end()
    pieces.append(escape(text[cursor:end_char]))
    if end < len(tokens):
        pieces.append(" …")
    return " ".join("".join(pieces).split())


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
