"""Index generations on disk: each build writes a new folder, then one atomic rename publishes it.

    <data>/index/CURRENT          name of the live generation
    <data>/index/gen-.../          manifest.json, keyword/, vocabulary.json, synonyms.txt, and
                                   either articles.json and vectors/ (a full build: its own base)
                                   or changes.json and delta.npz (an edit, layered over the base
                                   generation its manifest names: kb.vectors.LayeredVectors)

A build that dies before the rename leaves CURRENT, and so the live index, untouched. A server
never serves a generation it cannot open (IndexHandle): it keeps the one it has.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kb.autocomplete import Autocompleter
from kb.content import Article, Section, article_link_map
from kb.errors import IndexNotReady, KBError
from kb.hits import Filters
from kb.keyword import open_keyword_index
from kb.spelling import Speller
from kb.synonyms import FILE_NAME as SYNONYMS_FILE
from kb.synonyms import parse_synonyms
from kb.vectors import Delta, Hidden, LayeredVectors, VectorIndex

KEEP_GENERATIONS = 3
ARTICLES_FILE = "articles.json"  # every article, in a generation that built its stores afresh
CHANGES_FILE = "changes.json"  # the articles changed since, in a generation an edit layered
GENERATION_NAME = re.compile(r"gen-[A-Za-z0-9._-]+")
NOT_BUILT = "no index has been built yet: run `kb index`"
# A published generation never changes, so one that cannot be opened stays broken; but opening
# can also fail for a passing reason (a chroma server that is down), so it is tried again this
# often, rather than on every request.
RETRY_SECONDS = 30.0

log = logging.getLogger(__name__)


class BrokenGeneration(Exception):
    """What CURRENT names cannot be served; `reason` is one line, for the log and /healthz."""

    def __init__(self, generation: str | None, reason: str) -> None:
        super().__init__(reason)
        self.generation = generation  # what CURRENT names; None when there is no CURRENT
        self.reason = reason


class IndexLayout:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "index"

    @property
    def current_file(self) -> Path:
        return self.root / "CURRENT"

    def current_generation(self) -> str | None:
        """The finished generation CURRENT names; None when there is no CURRENT (nothing was
        published yet). Raises BrokenGeneration when it cannot be read or names no such one."""
        try:
            with open(self.current_file, "rb") as handle:
                name = handle.read(256).decode("utf-8", errors="replace").strip()
        except FileNotFoundError:
            return None
        except OSError as error:  # a folder, or not readable by the server
            raise BrokenGeneration(None, f"CURRENT cannot be read: {error.strerror}") from error
        if GENERATION_NAME.fullmatch(name) and (self.root / name / "manifest.json").is_file():
            return name
        if not name:
            raise BrokenGeneration(name, "CURRENT is empty")
        if not GENERATION_NAME.fullmatch(name):
            raise BrokenGeneration(name, f"CURRENT does not name a generation: {name[:60]!r}")
        if not (self.root / name).is_dir():
            raise BrokenGeneration(name, f"CURRENT names {name}, which does not exist")
        raise BrokenGeneration(name, f"CURRENT names {name}, which has no manifest.json")

    def current_name(self) -> str | None:
        """The live generation to build on, or None (no CURRENT, or a broken one)."""
        try:
            return self.current_generation()
        except BrokenGeneration:
            return None

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
                readable_manifest(self.root / n).get("vectors", {}).get("key")
                for n in keep_names
                if n
            }
            VectorIndex.drop(chroma_url, {k for k in keys if k})


def read_manifest(generation: Path) -> dict[str, Any]:
    return json.loads((generation / "manifest.json").read_text())


def readable_manifest(generation: Path) -> dict[str, Any]:
    """The manifest, or {} when it is missing or unreadable: a broken generation to build afresh."""
    try:
        manifest = read_manifest(generation)
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _base(generation: Path) -> str:
    return readable_manifest(generation).get("vectors", {}).get("base", generation.name)


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
            articles, in_base = [], []
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
                url = chroma_url if on_server else ""
                base_vectors = VectorIndex(base / "vectors", url, stored.get("key", ""))
                base_vectors.probe(dimension)
        with _opening(generation, Delta.FILE):
            delta = Delta.load(generation / Delta.FILE)
            delta.check(dimension)
        self.vectors = LayeredVectors(base_vectors, delta, hidden, base_path=base)
        with _opening(generation, "vocabulary.json"):
            self.speller = Speller(json.loads((generation / "vocabulary.json").read_text()))
        with _opening(generation, SYNONYMS_FILE):
            text = (generation / SYNONYMS_FILE).read_text(encoding="utf-8")
            self.synonyms, _ = parse_synonyms(text)

    @functools.cached_property
    def autocomplete(self) -> Autocompleter:
        """Built on first use, so a new generation is searchable without waiting for it."""
        return Autocompleter(a for a in self.articles.values() if a.is_public)

    @property
    def embedder_name(self) -> str:
        return self.manifest["embedder"]


@dataclasses.dataclass(frozen=True)
class OpenFailure:
    """Why the generation CURRENT names is not the one served."""

    generation: str | None  # what CURRENT names; None when there is none or it cannot be read
    reason: str  # one line
    tried: float = dataclasses.field(default_factory=time.monotonic)

    @property
    def message(self) -> str:
        return f"the index cannot be opened: {self.reason}"

    def due(self) -> bool:
        return time.monotonic() - self.tried >= RETRY_SECONDS


class IndexHandle:
    """The live index for a server: follows CURRENT, so a finished build is picked up at once.

    A generation that cannot be opened is not served: the handle keeps the one it has, logs why
    once, and tries that generation again every RETRY_SECONDS, or as soon as CURRENT names
    another."""

    def __init__(self, data_dir: Path, chroma_url: str = "") -> None:
        self.layout = IndexLayout(data_dir)
        self.chroma_url = chroma_url
        self._loaded: LoadedIndex | None = None
        self._failure: OpenFailure | None = None
        self._lock = threading.RLock()

    @classmethod
    def for_settings(cls, settings) -> IndexHandle:
        return cls(settings.data_dir, settings.chroma_url)

    def get(self) -> LoadedIndex:
        """The index to search: the generation CURRENT names or, while that cannot be opened,
        the one served before it; IndexNotReady when there is none."""
        served, failure = self.state()
        if served is None:
            raise IndexNotReady(failure.message if failure else NOT_BUILT)
        return served

    def state(self) -> tuple[LoadedIndex | None, OpenFailure | None]:
        """The generation served (None while none can be), and why it is not the one CURRENT
        names (None when it is, or when nothing was ever built)."""
        try:
            name = self.layout.current_generation()
            if name is None and self._loaded is not None:
                raise BrokenGeneration(None, "CURRENT is missing")
        except BrokenGeneration as error:
            return self._loaded, self._failed(error, retried=False)
        if name is None:
            return None, None  # nothing was ever built
        served, failure = self._loaded, self._failure
        if served is not None and served.name == name:
            if failure is None:
                return served, None
        elif failure is not None and failure.generation == name and not failure.due():
            return served, failure
        with self._lock:
            if self._loaded is None or self._loaded.name != name:
                failure = self._failure
                if failure is not None and failure.generation == name and not failure.due():
                    return self._loaded, failure
                try:
                    opened = LoadedIndex(self.layout.root / name, self.chroma_url, self._loaded)
                except Exception as error:  # noqa: BLE001 - a bad index must not take the site down
                    if not isinstance(error, BrokenGeneration):
                        error = BrokenGeneration(
                            name, f"{name}: {_describe(error, self.layout.root)}"
                        )
                    return self._loaded, self._failed(error, retried=True)
                self._loaded = opened
            if self._failure is not None:
                log.info("serving index %s, the one CURRENT names", name)
                self._failure = None
            return self._loaded, None

    def ready(self) -> bool:
        """Whether an index is served (perhaps an older one than CURRENT names)."""
        return self.state()[0] is not None

    def _failed(self, error: BrokenGeneration, *, retried: bool) -> OpenFailure:
        """Remember why CURRENT's generation is not served; log it once, not on every request."""
        known = self._failure
        # A CURRENT that is still broken is met again on every request: nothing new to record.
        if not retried and known is not None and known.reason == error.reason:
            return known
        with self._lock:
            known = self._failure
            self._failure = OpenFailure(error.generation, error.reason)
            if known is None or known.generation != error.generation:
                served = self._loaded
                log.warning(
                    "cannot serve the index CURRENT names: %s; %s",
                    error.reason,
                    f"still serving {served.name}" if served else "no index to serve",
                )
            return self._failure


@contextlib.contextmanager
def _opening(generation: Path, part: str) -> Iterator[None]:
    """Say which generation, and which part of it, could not be opened."""
    try:
        yield
    except Exception as error:  # noqa: BLE001 - whatever broke, the generation is not served
        raise BrokenGeneration(
            generation.name, f"{generation.name}: {part}: {_describe(error, generation.parent)}"
        ) from error


def _describe(error: Exception, root: Path) -> str:
    """The error on one line, with paths relative to the index folder (it may be shown on
    /healthz)."""
    text = (str(error).strip().splitlines() or [""])[0].replace(f"{root}{os.sep}", "")
    if not isinstance(error, KBError):
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text[:300]


def _read_articles(path: Path) -> list[Article]:
    return [Article.from_dict(data) for data in json.loads(path.read_text(encoding="utf-8"))]
