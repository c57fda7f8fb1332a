"""The help center's own words, for judging how much of a query a section or the whole help
center speaks to: a query's content words (misspellings corrected, stop words left out,
stemmed), each weighted by its rarity among the public sections (inverse document frequency).

- coverage: the weighted share of the query's words found in a section's heading, and in its
  heading and text (kb.search.section_choice prefers the section that names what was asked);
- unknown share: the weighted share no public section uses at all ("cancel amazon prime",
  "does driftbox support webdav"), which lowers every result's confidence
  (kb.search.answers): a bi-encoder finds something near any query, but the help center
  cannot answer what it never mentions;
- most specific word: the query's known word that the fewest public sections use. A real answer
  nearly always names it; when neither of the top two articles does, the query is less likely
  answerable (kb.search.answers.UNNAMED): "reset my router" finds articles about resetting, but
  none names "router".
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence

from whoosh.lang.porter import stem

from kb.content.model import Article, Section
from kb.search.snippets import STOP_WORDS
from kb.search.spelling import MIN_WORD, Speller

_TOKEN = re.compile(r"[^\W_]+")
CACHED_SECTIONS = 60_000  # sections whose words a Vocabulary keeps (a search weighs about 100)


class Vocabulary:
    """Stemmed words of every section of these articles, and their rarity among the public
    ones (the articles a customer's search can answer with).

    Only the rarities are kept for every section; a section's own words are read when a search
    first weighs it and kept for the CACHED_SECTIONS read last (at 100,000 articles, every
    section's words held 1.7 GB in each web worker; 20,000 cached made a bench of 300 distinct
    queries at 10,000 articles 7 ms slower at p50, re-reading the sections it had dropped)."""

    def __init__(self, articles: Iterable[Article], speller: Speller | None = None) -> None:
        self.speller = speller
        self._counts: Counter[str] = Counter()
        self._sections = 0
        self._cache: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._lock = threading.Lock()
        self._add(articles)

    def updated(
        self, before: Iterable[Article], after: Iterable[Article], speller: Speller | None
    ) -> Vocabulary:
        """This vocabulary with some articles changed (`before` as they were here, `after` as
        they are now; either may lack one that was added or removed): what a new Vocabulary of
        every article would be, at the cost of the changed ones (an edit's generation at 10,000
        articles: milliseconds, against 3 s to read every section again)."""
        new = Vocabulary((), speller)
        new._counts, new._sections = Counter(self._counts), self._sections
        for article in filter(_counted, before):
            for section in article.sections:
                new._counts.subtract(_section_stems(section)[1])
                new._sections -= 1
        new._counts = +new._counts  # words no public section uses any more are unknown again
        new._add(after)
        return new

    def _add(self, articles: Iterable[Article]) -> None:
        for article in filter(_counted, articles):
            for section in article.sections:
                self._counts.update(_section_stems(section)[1])
                self._sections += 1

    def _words(self, section: Section) -> tuple[frozenset[str], frozenset[str]]:
        """The section's stemmed heading words, and its heading and text words."""
        words = self._cache.get(section.id)
        if words is None:
            words = _section_stems(section)
            with self._lock:
                if len(self._cache) >= CACHED_SECTIONS:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[section.id] = words
        return words

    def terms(self, query: str) -> tuple[str, ...]:
        """The query's content words and numbers: unknown words corrected when the speller can,
        stop words left out, stemmed, each once."""
        found: dict[str, None] = {}
        speller = self.speller
        for word in tokens(query):
            if word in STOP_WORDS:
                continue
            if speller and word.isalpha() and len(word) >= MIN_WORD and not speller.known(word):
                word = speller.correct_word(word) or word
            found.setdefault(stemmed(word), None)
        return tuple(found)

    def weight(self, term: str) -> float:
        """Inverse document frequency among the public sections (a word none uses: the most)."""
        return math.log((self._sections + 1) / (self._counts.get(term, 0) + 0.5))

    def coverage(self, terms: Sequence[str], section: Section) -> tuple[float, float]:
        """The weighted shares of `terms` in the section's heading, and in its heading and text."""
        heading, every = self._words(section)
        total = sum(self.weight(term) for term in terms)
        if not total:
            return 0.0, 0.0
        in_heading = sum(self.weight(term) for term in terms if term in heading)
        return in_heading / total, sum(self.weight(term) for term in terms if term in every) / total

    def unknown_share(self, terms: Sequence[str]) -> float:
        """The weighted share of `terms` that no public section uses (0 for no terms: a query
        of stop words alone is judged on its scores)."""
        total = sum(self.weight(term) for term in terms)
        if not total:
            return 0.0
        unknown = sum(self.weight(term) for term in terms if not self._counts.get(term))
        return unknown / total

    def most_specific(self, terms: Sequence[str]) -> str | None:
        """The term of `terms` the fewest public sections use, among those some use (None when
        none is known); ties go to the first."""
        known = [term for term in terms if self._counts.get(term)]
        return min(known, key=lambda term: self._counts[term], default=None)

    def names_most_specific(self, terms: Sequence[str], articles: Sequence[Article]) -> bool:
        """Whether one of `articles` uses the most specific of `terms` (True when no term is
        known: there is nothing to name)."""
        term = self.most_specific(terms)
        return term is None or any(self.mentions(term, article) for article in articles)

    def mentions(self, term: str, article: Article) -> bool:
        """Whether the article's title or one of its sections uses this stemmed term."""
        if term in _stems(article.title):
            return True
        return any(term in self._words(section)[1] for section in article.sections)


@functools.lru_cache(maxsize=65536)
def stemmed(word: str) -> str:
    return str(stem(word))


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers: "DBX-201" is "dbx" and "201", so codes match too."""
    return _TOKEN.findall(text.lower())


def _counted(article: Article) -> bool:
    """Whether the article's sections count for rarity: those a customer's search can answer."""
    return article.is_public and article.is_searchable


def _stems(text: str) -> frozenset[str]:
    return frozenset(stemmed(word) for word in tokens(text) if word not in STOP_WORDS)


def _section_stems(section: Section) -> tuple[frozenset[str], frozenset[str]]:
    heading = _stems(section.title)
    return heading, heading | _stems(section.text)
