"""The keyword index on whoosh: BM25F over sections, title and headings weighted above body (the
pure-Python fallback)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh import scoring
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from kb.content.model import Article, Section
from kb.index.keyword.analysis import analyzer, query_groups
from kb.search.hits import Filters, Hit, check_limit

# Measured with `kb eval` on ../shared/eval: whoosh's short stop list (articles, prepositions)
# beats a long one that also drops question words, because FAQ-style titles ("What is ...",
# "Can I ...") match questions through them (covidfaq 0.672 against 0.607 nDCG@10); a modest
# title/heading boost beats a strong one, since titles repeat in the body (emanual 0.803 at 1.5,
# 0.767 at 2.5).
FIELD_BOOSTS = {"title": 1.5, "headings": 1.5, "body": 1.0, "tags": 1.2}


# Weaker length normalisation than BM25's usual 0.75: a long, complete section is not a worse
# answer (emanual-s10 keyword nDCG@10 0.821 at B=0.5 against 0.803 at 0.75; covidfaq 0.678/0.672).
BM25_B, BM25_K1 = 0.5, 1.2


SEARCH_FIELDS = tuple(FIELD_BOOSTS)


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


class WhooshKeywordIndex:
    """A built whoosh index in one folder; searchers are reused per thread."""

    def __init__(self, path: Path) -> None:
        self._index = whoosh_index.open_dir(str(path))
        self._local = threading.local()

    @staticmethod
    def create(path: Path, entries: Iterable[tuple[Article, Section]]) -> None:
        path.mkdir(parents=True, exist_ok=True)
        WhooshKeywordIndex._write(whoosh_index.create_in(str(path), schema()), (), entries)

    @staticmethod
    def update(
        path: Path, remove_slugs: Iterable[str], entries: Iterable[tuple[Article, Section]]
    ) -> None:
        """Change a copy of a built index in place: drop articles' sections, add new ones."""
        WhooshKeywordIndex._write(whoosh_index.open_dir(str(path)), remove_slugs, entries)

    @staticmethod
    def _write(
        index: FileIndex, remove_slugs: Iterable[str], entries: Iterable[tuple[Article, Section]]
    ) -> None:
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

    def _searcher(self) -> Searcher:
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
