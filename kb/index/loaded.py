"""One index generation opened for searching: its articles, keyword and vector stores, speller and
synonyms, each part checked as it opens."""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kb.content.loading import article_link_map
from kb.content.model import Article, Section
from kb.content.synonyms import FILE_NAME as SYNONYMS_FILE
from kb.content.synonyms import parse_synonyms
from kb.errors import IndexNotReady, KBError
from kb.index.generations import ARTICLES_FILE, CHANGES_FILE, BrokenGeneration, read_manifest
from kb.index.keyword import open_keyword_index
from kb.index.vector_stores import open_vector_store
from kb.index.vectors import Delta, Hidden, LayeredVectors
from kb.search.autocomplete import Autocompleter
from kb.search.hits import Filters
from kb.search.spelling import Speller
from kb.search.vocabulary import Vocabulary

# Past this many articles changed since the open generation, the vocabulary and autocompleter
# are built afresh: replacing each one's entries costs more than reading them all again.
MOST_MOVED = 50


class LoadedIndex:
    """One generation opened for searching: articles, keyword and vector stores.

    Opened after `previous` on the same base (the server's index before an edit), it keeps the
    articles and the open base vector store that did not change, and reads only the rest."""

    def __init__(
        self, generation: Path, chroma_url: str = "", previous: LoadedIndex | None = None
    ) -> None:
        self.path = generation
        self.name = generation.name
        with _opening(generation, "manifest.json"):
            self.manifest = read_manifest(generation)
            stored = self.manifest["vectors"]
            base = generation.parent / stored.get("base", self.name)
            changed = set(stored.get("changed", ()))
        if previous is not None and previous.vectors.base_path != base:
            previous = None
        if previous is None:
            articles: list[Article] = []
            in_base: list[Article] = []
            with _opening(generation, f"{base.name}/{ARTICLES_FILE}"):
                for article in _read_articles(base / ARTICLES_FILE):
                    (in_base if article.slug in changed else articles).append(article)
            hidden = Hidden().adding(in_base)
        else:
            articles = [a for a in previous.articles.values() if a.slug not in changed]
            # Articles changed since the previous generation: it had them as the base has them.
            newly = changed - previous.vectors.hidden.slugs
            hidden = previous.vectors.hidden.adding(
                previous.articles[slug] for slug in newly if slug in previous.articles
            )
        if changed:
            with _opening(generation, CHANGES_FILE):
                articles += _read_articles(generation / CHANGES_FILE)
        articles.sort(key=lambda article: article.path)
        self.articles: dict[str, Article] = {article.slug: article for article in articles}
        self.sections: dict[str, tuple[Article, Section]] = {
            section.id: (article, section)
            for article in self.articles.values()
            for section in article.sections
        }
        self.links = article_link_map(self.articles.values())
        # Each store is searched once here: some breakage (a keyword segment without its
        # positions, a delta of the wrong shape) shows only then, and is better met now than
        # at a customer's search.
        with _opening(generation, "keyword index"):
            self.keyword = open_keyword_index(
                self.manifest.get("keyword", "whoosh"), generation / "keyword"
            )
            probe = next((a.title for a in articles if a.is_searchable), "probe")
            self.keyword.search(probe, 1, Filters(include_internal=True))
        dimension = self.manifest.get("dimension")
        with _opening(generation, "vector store"):
            on_server = stored.get("store") == "server"
            if on_server and not chroma_url:
                raise IndexNotReady(
                    "this index keeps its vectors on a chroma server: set KB_CHROMA_URL"
                )
            if previous is not None:
                base_vectors = previous.vectors.base
            else:
                base_vectors = open_vector_store(stored, base, chroma_url)
                base_vectors.probe(dimension)
        with _opening(generation, Delta.FILE):
            delta = Delta.load(generation / Delta.FILE)
            delta.check(dimension)
        self.vectors: LayeredVectors = LayeredVectors(base_vectors, delta, hidden, base_path=base)
        with _opening(generation, "vocabulary.json"):
            self.speller = Speller(json.loads((generation / "vocabulary.json").read_text()))
        # An edit's generation takes what the open one built of its articles on first use (the
        # vocabulary, the autocompleter), with the edit applied, unless the edit is large.
        self._edit: tuple[list[Article], list[Article]] = ([], [])
        self._earlier: dict[str, Any] = {}
        if previous is not None:
            built = ("vocabulary", "autocomplete")
            earlier = {name: previous.__dict__[name] for name in built if name in previous.__dict__}
            moved = _moved(previous.articles, self.articles) if earlier else []
            if earlier and len(moved) <= MOST_MOVED:
                self._earlier = earlier
                self._edit = (
                    [previous.articles[slug] for slug in moved if slug in previous.articles],
                    [self.articles[slug] for slug in moved if slug in self.articles],
                )
        with _opening(generation, SYNONYMS_FILE):
            text = (generation / SYNONYMS_FILE).read_text(encoding="utf-8")
            self.synonyms, _ = parse_synonyms(text)

    @functools.cached_property
    def autocomplete(self) -> Autocompleter:
        """Built on first use, so a new generation is searchable without waiting for it."""
        earlier = self._earlier.pop("autocomplete", None)
        if earlier is not None:
            return earlier.updated(*self._edit)
        return Autocompleter(a for a in self.articles.values() if a.is_public)

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        """The help center's words and their rarity (kb.search.vocabulary), built on first use."""
        earlier = self._earlier.pop("vocabulary", None)
        if earlier is not None:
            return earlier.updated(*self._edit, self.speller)
        return Vocabulary(self.articles.values(), self.speller)

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]


@contextlib.contextmanager
def _opening(generation: Path, part: str) -> Iterator[None]:
    """Say which generation, and which part of it, could not be opened."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - whatever broke, the generation is not served
        raise BrokenGeneration(
            generation.name,
            f"{generation.name}: {part}: {describe_failure(error, generation.parent)}",
        ) from error


def describe_failure(error: Exception, root: Path) -> str:
    """The error on one line, with paths relative to the index folder (it may be shown on
    /healthz)."""
    text = (str(error).strip().splitlines() or [""])[0].replace(f"{root}{os.sep}", "")
    if not isinstance(error, KBError):
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text[:300]


def _read_articles(path: Path) -> list[Article]:
    return [Article.from_dict(data) for data in json.loads(path.read_text(encoding="utf-8"))]


def _moved(before: dict[str, Article], after: dict[str, Article]) -> list[str]:
    """The articles added, removed or changed between two generations (each generation reads the
    articles changed since its base again: those not changed since `before` are equal)."""
    return [
        slug
        for slug in before.keys() | after.keys()
        if not _same(before.get(slug), after.get(slug))
    ]


def _same(one: Article | None, other: Article | None) -> bool:
    if one is other:
        return True
    return bool(one and other and one.content_hash and one.content_hash == other.content_hash)
