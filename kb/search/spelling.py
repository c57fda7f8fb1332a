"""Typo tolerance and "did you mean": unknown query words corrected from the knowledge base's
own vocabulary (Damerau-Levenshtein distance, most frequent word first)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
MIN_WORD = 4  # shorter words have too many neighbours to correct safely


def words(text: str) -> list[str]:
    """Lower-case alphabetic words: codes like DBX-301 and numbers are never 'corrected'."""
    return [word.lower() for word in _WORD.findall(text)]


def count_words(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(words(text))
    return counts


def max_distance(word: str) -> int:
    return 1 if len(word) <= 5 else 2


class Speller:
    """Corrects words the knowledge base never uses into words it does."""

    def __init__(self, frequencies: dict[str, int]) -> None:
        self.frequencies = frequencies
        self._choices = list(frequencies)
        self.correct_word = lru_cache(maxsize=4096)(self._correct_word)

    def known(self, word: str) -> bool:
        return word in self.frequencies

    def _correct_word(self, word: str) -> str | None:
        """The closest known word, ties to the most frequent; None if the word is known or
        nothing is close enough."""
        if len(word) < MIN_WORD or word in self.frequencies or not self._choices:
            return None
        limit = max_distance(word)
        found = process.extract(
            word, self._choices, scorer=DamerauLevenshtein.distance, score_cutoff=limit, limit=25
        )
        if not found:
            return None
        best = min(found, key=lambda item: (item[1], -self.frequencies[item[0]], item[0]))
        return best[0]

    def corrections(self, text: str) -> dict[str, str]:
        """Each unknown word of the text that has a correction, mapped to it."""
        fixed = {}
        for word in words(text):
            correction = self.correct_word(word)
            if correction:
                fixed[word] = correction
        return fixed

    def corrected_query(self, text: str) -> str | None:
        """The query with its unknown words replaced, or None when nothing was corrected."""
        fixed = self.corrections(text)
        if not fixed:
            return None

        def replace(match: re.Match) -> str:
            return fixed.get(match.group().lower(), match.group())

        return _WORD.sub(replace, text)
