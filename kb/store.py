"""Index generations on disk: each build writes a new folder, then one atomic rename publishes it.

    <data>/index/CURRENT          name of the live generation
    <data>/index/gen-.../          manifest.json, keyword/, vocabulary.json, synonyms.txt, and
                                   either articles.json and vectors/ (a full build: its own base)
                                   or changes.json and delta.npz (an edit, layered over the base
                                   generation its manifest names: kb.vectors.LayeredVectors)

A build that dies before the rename leaves CURRENT, and so the live index, untouched.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from kb.autocomplete import Autocompleter
from kb.content import Article, Section, article_link_map
from kb.errors import IndexNotReady
from kb.keyword import open_keyword_index
from kb.spelling import Speller
from kb.synonyms import FILE_NAME as SYNONYMS_FILE
from kb.synonyms import parse_synonyms
from kb.vectors import Delta, Hidden, LayeredVectors, VectorIndex

KEEP_GENERATIONS = 3
ARTICLES_FILE = "articles.json"  # every article, in a generation that built its stores afresh
CHANGES_FILE = "changes.json"  # the articles changed since, in a generation an edit layered


class IndexLayout:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "index"

    @property
    def current_file(self) -> Path:
        return self.root / "CURRENT"

    def current_name(self) -> str | None:
        try:
            name = self.current_file.read_text().strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name / "manifest.json").exists() else None

    def publish(self, name: str) -> None:
        """Point CURRENT at a finished generation: write a temp file, fsync, rename over."""
        temporary = self.root / f".CURRENT.{os.getpid()}"
        with open(temporary, "w") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.current_file)

    def generations(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(path for path in self.root.iterdir() if path.name.startswith("gen-"))

    def prune(self, keep: int = KEEP_GENERATIONS, chroma_url: str = "") -> None:
        """Delete old and unfinished generations, keeping the live one and the newest few (and,
        on a chroma server, the collections that only pruned generations used)."""
        current = self.current_name()
        finished = [p for p in self.generations() if (p / "manifest.json").exists()]
        keep_names = {p.name for p in finished[-keep:]} | {current}
        # and the base generations whose stores the kept ones are layered over
        keep_names |= {_base(self.root / name) for name in keep_names if name}
        for path in self.generations():
            if path.name not in keep_names:
                shutil.rmtree(path, ignore_errors=True)
        if chroma_url:
            keys = {
                read_manifest(self.root / n).get("vectors", {}).get("key") for n in keep_names if n
            }
            VectorIndex.drop(chroma_url, {k for k in keys if k})


def read_manifest(generation: Path) -> dict[str, Any]:
    return json.loads((generation / "manifest.json").read_text())


def _base(generation: Path) -> str:
    return read_manifest(generation)["vectors"].get("base", generation.name)


class LoadedIndex:
    """One generation opened for searching: articles, keyword and vector stores.

    Opened after `previous` on the same base (the server's index before an edit), it keeps the
    articles and the open base vector store that did not change, and reads only the rest."""

    def __init__(
        self, generation: Path, chroma_url: str = "", previous: LoadedIndex | None = None
    ) -> None:
        self.path = generation
        self.name = generation.name
        self.manifest = read_manifest(generation)
        stored = self.manifest["vectors"]
        base = generation.parent / stored.get("base", self.name)
        changed = set(stored.get("changed", ()))
        if previous is not None and previous.vectors.base_path != base:
            previous = None
        if previous is None:
            articles, in_base = [], []
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
            articles += _read_articles(generation / CHANGES_FILE)
        articles.sort(key=lambda article: article.path)
        self.articles: dict[str, Article] = {article.slug: article for article in articles}
        self.sections: dict[str, tuple[Article, Section]] = {
            section.id: (article, section)
            for article in self.articles.values()
            for section in article.sections
        }
        self.links = article_link_map(self.articles.values())
        self.keyword = open_keyword_index(
            self.manifest.get("keyword", "whoosh"), generation / "keyword"
        )
        on_server = stored.get("store") == "server"
        if on_server and not chroma_url:
            raise IndexNotReady(
                "this index keeps its vectors on a chroma server: set KB_CHROMA_URL"
            )
        if previous is not None:
            base_vectors = previous.vectors.base
        else:
            url = chroma_url if on_server else ""
            base_vectors = VectorIndex(base / "vectors", url, stored.get("key", ""))
        self.vectors = LayeredVectors(
            base_vectors, Delta.load(generation / Delta.FILE), hidden, base_path=base
        )
        self.speller = Speller(json.loads((generation / "vocabulary.json").read_text()))
        self.synonyms, _ = parse_synonyms((generation / SYNONYMS_FILE).read_text(encoding="utf-8"))

    @functools.cached_property
    def autocomplete(self) -> Autocompleter:
        """Built on first use, so a new generation is searchable without waiting for it."""
        return Autocompleter(a for a in self.articles.values() if a.is_public)

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]


class IndexHandle:
    """The live index for a server: follows CURRENT, so a finished build is picked up at once."""

    def __init__(self, data_dir: Path, chroma_url: str = "") -> None:
        self.layout = IndexLayout(data_dir)
        self.chroma_url = chroma_url
        self._loaded: LoadedIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings) -> IndexHandle:
        return cls(settings.data_dir, settings.chroma_url)

    def get(self) -> LoadedIndex:
        name = self.layout.current_name()
        if name is None:
            raise IndexNotReady("no index has been built yet: run `kb index`")
        loaded = self._loaded
        if loaded is not None and loaded.name == name:
            return loaded
        with self._lock:
            if self._loaded is None or self._loaded.name != name:
                self._loaded = LoadedIndex(self.layout.root / name, self.chroma_url, self._loaded)
            return self._loaded

    def ready(self) -> bool:
        try:
            self.get()
        except IndexNotReady:
            return False
        return True


def _read_articles(path: Path) -> list[Article]:
    return [Article.from_dict(data) for data in json.loads(path.read_text(encoding="utf-8"))]
