"""The keyword index: one interface over two engines, tantivy (the default) and whoosh (pure
Python), and one factory that picks the engine by name (`KB_KEYWORD_ENGINE`).

To add an engine: a class with the KeywordIndex methods in a module of this package, and its
name in ENGINES. tests/test_keyword.py runs one contract over every engine listed there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from kb.content.model import Article, Section
from kb.search.hits import Filters, Hit

# Bump when the schema, analysis or what is embedded changes: the indexer rebuilds generations
# of another format. 6: passages and headings embedded instead of whole sections
# (kb.index.passages), and tantivy's `all` field. 7: edits layered over a base store
# (kb.index.vectors.LayeredVectors).
FORMAT = 7


class KeywordIndex(Protocol):
    """A built keyword index in one folder, searched by analysed query terms (kb.index.keyword
    .analysis), so both engines match the same words."""

    def __init__(self, path: Path) -> None: ...

    @staticmethod
    def create(path: Path, entries: Iterable[tuple[Article, Section]]) -> None: ...

    @staticmethod
    def update(
        path: Path, remove_slugs: Iterable[str], entries: Iterable[tuple[Article, Section]]
    ) -> None: ...

    def search(
        self,
        text: str,
        limit: int,
        filters: Filters,
        alternatives: Sequence[tuple[str, float]] = (),
    ) -> list[Hit]: ...

    def close(self) -> None: ...


def _tantivy() -> type[KeywordIndex]:
    from kb.index.keyword.tantivy_engine import TantivyKeywordIndex  # noqa: PLC0415 - compiled

    return TantivyKeywordIndex


def _whoosh() -> type[KeywordIndex]:
    from kb.index.keyword.whoosh_engine import WhooshKeywordIndex  # noqa: PLC0415

    return WhooshKeywordIndex


# Each engine is imported when first used: a server loads one.
ENGINES: dict[str, Callable[[], type[KeywordIndex]]] = {"tantivy": _tantivy, "whoosh": _whoosh}


def keyword_index_class(engine: str) -> type[KeywordIndex]:
    """The engine's class; both index the same analysed fields and answer `search` alike."""
    if engine not in ENGINES:
        raise ValueError(f"unknown keyword engine {engine!r}")
    return ENGINES[engine]()


def create_keyword_index(
    engine: str, path: Path, entries: Iterable[tuple[Article, Section]]
) -> None:
    keyword_index_class(engine).create(path, entries)


def update_keyword_index(
    engine: str, path: Path, remove_slugs: Iterable[str], entries: Iterable[tuple[Article, Section]]
) -> None:
    keyword_index_class(engine).update(path, remove_slugs, entries)


def open_keyword_index(engine: str, path: Path) -> KeywordIndex:
    return keyword_index_class(engine)(path)
