"""Highlighted snippets: the passage of a section that best matches the query, HTML-escaped."""

from __future__ import annotations

import re
from collections.abc import Collection
from html import escape

from whoosh.lang.porter import stem

_WORD = re.compile(r"\w+", re.UNICODE)


def make_snippet(text: str, terms: Collection[str], words: int = 36) -> str:
    """A window of about `words` words with the most distinct query terms, matches in <mark>.

    `terms` are analysed query terms (lower-case stems, as the keyword index makes them).
    """
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return ""
    matches = [stem(token.group().lower()) in terms for token in tokens]
    start = _best_window(tokens, matches, terms, words)
    end = min(len(tokens), start + words)
    begin_char = tokens[start].start()
    end_char = tokens[end - 1].end()
    pieces: list[str] = ["… " if start > 0 else ""]
    cursor = begin_char
    for token, matched in zip(tokens[start:end], matches[start:end], strict=True):
        pieces.append(escape(text[cursor : token.start()]))
        word = escape(token.group())
        pieces.append(f"<mark>{word}</mark>" if matched else word)
        cursor = token.end()
    pieces.append(escape(text[cursor:end_char]))
    if end < len(tokens):
        pieces.append(" …")
    return " ".join("".join(pieces).split())


def _best_window(tokens: list, matches: list[bool], terms: Collection[str], words: int) -> int:
    if not terms or not any(matches):
        return 0
    best_start, best_score = 0, -1
    for start in range(0, max(1, len(tokens) - words + 1), 4):
        window = range(start, min(len(tokens), start + words))
        distinct = {stem(tokens[i].group().lower()) for i in window if matches[i]}
        score = len(distinct) * 10 + sum(matches[i] for i in window)
        if score > best_score:
            best_start, best_score = start, score
    # Start a little before the first match so the snippet reads as a sentence.
    first = next((i for i in range(best_start, len(tokens)) if matches[i]), best_start)
    return max(0, min(best_start, first - 4)) if first - best_start > words // 2 else best_start
