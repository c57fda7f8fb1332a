"""The keyword index: whoosh BM25F over sections, title and headings weighted above body."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh import scoring
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, TEXT, Schema

from kb.content import Article, Section
from kb.hits import Filters, Hit, check_limit

# Measured with `kb eval` on ../shared/eval: whoosh's short stop list (articles, prepositions)
# beats a long one that also drops question words, because FAQ-style titles ("What is ...",
# "Can I ...") match questions through them (covidfaq 0.672 against 0.607 nDCG@10); a modest
# title/heading boost beats a strong one, since titles repeat in the body (emanual 0.803 at 1.5,
# 0.767 at 2.5).
FIELD_BOOSTS = {"title": 1.5, "headings": 1.5, "body": 1.0, "tags": 1.2}
# Weaker length normalisation than BM25's usual 0.75: a long, complete section is not a worse
# answer (emanual-s10 keyword nDCG@10 0.821 at B=0.5 against 0.803 at 0.75; covidfaq 0.678/0.672).
BM25_B, BM25_K1 = 0.5, 1.2
# Bump when the schema, analysis or what is embedded changes: the indexer rebuilds generations of
# another format. 6: passages and headings embedded instead of whole sections (kb.passages), and
# tantivy's `all` field. 7: edits layered over a base store (kb.vectors.LayeredVectors).
FORMAT = 7
SEARCH_FIELDS = tuple(FIELD_BOOSTS)


def analyzer() -> StemmingAnalyzer:
    return StemmingAnalyzer(stoplist=frozenset(STOP_WORDS), minsize=1)


def schema() -> Schema:
    text = analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        slug=ID(stored=True),
        title=TEXT(analyzer=text, field_boost=FIELD_BOOSTS["title"]),
        headings=TEXT(analyzer=text, field_boost=FIELD_BOOSTS["headings"]),
        body=TEXT(analyzer=text, field_boost=FIELD_BOOSTS["body"]),
        tags=TEXT(analyzer=text, field_boost=FIELD_BOOSTS["tags"]),
        tag=KEYWORD(lowercase=True, commas=True),
        category=ID,
        type=ID,
        kind=ID,
        audience=ID,
    )


def query_terms(text: str) -> list[str]:
    """The analysed (lower-cased, stemmed, stop-word-free) terms of a query, first seen first."""
    seen: dict[str, None] = {}
    for token in analyzer()(text):
        seen.setdefault(token.text, None)
    return list(seen)


def query_groups(
    text: str, alternatives: Sequence[tuple[str, float]]
) -> list[tuple[list[str], float]]:
    """What a keyword search matches: each query term on its own (boost 1), and each
    alternative (a correction, a synonym) with its boost, all of whose terms must match."""
    groups = [([term], 1.0) for term in query_terms(text)]
    for alternative, boost in alternatives:
        terms = query_terms(alternative)
        if terms:
            groups.append((terms, boost))
    return groups


class KeywordIndex:
    """A built whoosh index in one folder; searchers are reused per thread."""

    def __init__(self, path: Path) -> None:
        self._index = whoosh_index.open_dir(str(path))
        self._local = threading.local()

    @staticmethod
    def create(path: Path, entries: Iterable[tuple[Article, Section]]) -> None:
        path.mkdir(parents=True, exist_ok=True)
        KeywordIndex._write(whoosh_index.create_in(str(path), schema()), (), entries)

    @staticmethod
    def update(path: Path, remove_slugs: Iterable[str], entries: Iterable[tuple[Article, Section]]):
        """Change a copy of a built index in place: drop articles' sections, add new ones."""
        KeywordIndex._write(whoosh_index.open_dir(str(path)), remove_slugs, entries)

    @staticmethod
    def _write(index, remove_slugs, entries) -> None:
        writer = index.writer(limitmb=256)
        for slug in remove_slugs:
            writer.delete_by_term("slug", slug)
        for article, section in entries:
            writer.add_document(
                id=section.id,
                slug=article.slug,
                title=article.title,
                headings=" ".join(section.heading_path),
                body=section.text,
                tags=" ".join(article.tags),
                tag=",".join(tag.lower() for tag in article.tags),
                category=article.category,
                type=article.type or "",
                kind=article.kind or "",
                audience=article.audience,
            )
        writer.commit()
        index.close()

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1))
            self._local.searcher = searcher
        return searcher

    def search(
        self,
        text: str,
        limit: int,
        filters: Filters,
        alternatives: Sequence[tuple[str, float]] = (),
    ) -> list[Hit]:
        """BM25F hits for the query's terms; `alternatives` are (text, boost) pairs, such as
        typo corrections and synonyms, that may match too (a phrase needs all its words)."""
        check_limit(limit, maximum=100_000)
        clauses = [
            _any_field(terms[0], boost)
            if len(terms) == 1
            else q.And([_any_field(term) for term in terms], boost=boost)
            for terms, boost in query_groups(text, alternatives)
        ]
        if not clauses:
            return []
        results = self._searcher().search(q.Or(clauses), limit=limit, filter=_filter_query(filters))
        return [Hit(hit["id"], float(hit.score)) for hit in results]

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
        self._index.close()


def create_keyword_index(
    engine: str, path: Path, entries: Iterable[tuple[Article, Section]]
) -> None:
    keyword_index_class(engine).create(path, entries)


def update_keyword_index(
    engine: str, path: Path, remove_slugs: Iterable[str], entries: Iterable[tuple[Article, Section]]
) -> None:
    keyword_index_class(engine).update(path, remove_slugs, entries)


def open_keyword_index(engine: str, path: Path):
    return keyword_index_class(engine)(path)


def keyword_index_class(engine: str):
    """Both engines index the same analysed fields and answer `search` alike."""
    if engine == "tantivy":
        from kb.keyword_tantivy import TantivyKeywordIndex  # noqa: PLC0415 - it imports this module

        return TantivyKeywordIndex
    if engine == "whoosh":
        return KeywordIndex
    raise ValueError(f"unknown keyword engine {engine!r}")


def _any_field(term: str, boost: float = 1.0) -> q.Query:
    return q.Or([q.Term(field, term) for field in SEARCH_FIELDS], boost=boost)


def _filter_query(filters: Filters) -> q.Query | None:
    clauses: list[q.Query] = []
    if not filters.include_internal:
        clauses.append(q.Term("audience", "public"))
    for field in ("category", "type", "kind"):
        value = getattr(filters, field)
        if value:
            clauses.append(q.Term(field, value))
    if filters.tag:
        clauses.append(q.Term("tag", filters.tag.lower()))
    return q.And(clauses) if clauses else None
