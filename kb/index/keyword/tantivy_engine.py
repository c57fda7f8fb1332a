"""The keyword index on tantivy: the same analysis as the whoosh index, at a fraction of its
per-query cost (see bench/RESULTS.md).

Text is analysed in Python by the same analyzer as whoosh (stemming, stop words) and stored as
space-separated terms, so both engines see identical terms; tantivy only splits on whitespace.
tantivy scores each field with BM25 (k1 1.2, b 0.75, not adjustable) and sums the boosted fields,
each field with its own document frequencies. So the score is one BM25 over all of a section's
words (`all`: title, headings, body, tags), plus a smaller one for the fields that name its
topic. Scoring title, headings and body only as separate fields let a word's rarity *in titles*
dominate: measured with `kb eval` (nDCG@10, keyword / hybrid), emanual-s10 0.754 / 0.893 that way
against 0.823 / 0.911 now; covidfaq 0.683 / 0.774 against 0.661 / 0.769: a little lower alone,
where queries echo the FAQ's question in its title, and a better partner for the vector side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import tantivy

from kb.content.model import Article, Section
from kb.index.keyword.analysis import analyzer, query_groups
from kb.search.hits import Filters, Hit, check_limit

FIELD_BOOSTS = {"all": 1.0, "title": 0.5, "headings": 0.5, "tags": 0.5}
FILTER_FIELDS = ("audience", "category", "type", "kind", "tag")
WRITER_HEAP = 128_000_000


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("slug", tokenizer_name="raw", index_option="basic")
    for field in FIELD_BOOSTS:
        builder.add_text_field(field, tokenizer_name="whitespace", index_option="freq")
    for field in FILTER_FIELDS:
        builder.add_text_field(field, tokenizer_name="raw", index_option="basic")
    return builder.build()


def analysed(text: str) -> str:
    return " ".join(token.text for token in analyzer()(text))


def _document(article: Article, section: Section) -> tantivy.Document:
    fields = {
        "title": analysed(article.title),
        "headings": analysed(" ".join(section.heading_path)),
        "body": analysed(section.text),
        "tags": analysed(" ".join(article.tags)),
    }
    document = tantivy.Document(
        id=section.id,
        slug=article.slug,
        all=" ".join(fields.values()),
        title=fields["title"],
        headings=fields["headings"],
        tags=fields["tags"],
        audience=article.audience,
        category=article.category,
        type=article.type or "",
        kind=article.kind or "",
    )
    for tag in article.tags:
        document.add_text("tag", tag.lower())
    return document


class TantivyKeywordIndex:
    """A built tantivy index in one folder; one searcher serves every thread."""

    def __init__(self, path: Path) -> None:
        self._index = tantivy.Index.open(str(path))
        self._schema = self._index.schema
        self._searcher: tantivy.Searcher | None = self._index.searcher()

    @staticmethod
    def create(path: Path, entries: Iterable[tuple[Article, Section]]) -> None:
        path.mkdir(parents=True, exist_ok=True)
        TantivyKeywordIndex._write(tantivy.Index(schema(), path=str(path)), (), entries)

    @staticmethod
    def update(
        path: Path, remove_slugs: Iterable[str], entries: Iterable[tuple[Article, Section]]
    ) -> None:
        """Change a copy of a built index in place: drop articles' sections, add new ones."""
        TantivyKeywordIndex._write(tantivy.Index.open(str(path)), remove_slugs, entries)

    @staticmethod
    def _write(
        index: tantivy.Index,
        remove_slugs: Iterable[str],
        entries: Iterable[tuple[Article, Section]],
    ) -> None:
        writer = index.writer(WRITER_HEAP, 1)
        for slug in remove_slugs:
            writer.delete_documents_by_term("slug", slug)
        for article, section in entries:
            writer.add_document(_document(article, section))
        writer.commit()
        writer.wait_merging_threads()

    def search(
        self,
        text: str,
        limit: int,
        filters: Filters,
        alternatives: Sequence[tuple[str, float]] = (),
    ) -> list[Hit]:
        """BM25 hits for the query's terms; `alternatives` are (text, boost) pairs, such as
        typo corrections and synonyms, that may match too (a phrase needs all its words)."""
        check_limit(limit, maximum=100_000)
        should = [
            tantivy.Query.boost_query(
                self._any_field(terms[0])
                if len(terms) == 1
                else tantivy.Query.boolean_query(
                    [(tantivy.Occur.Must, self._any_field(term)) for term in terms]
                ),
                boost,
            )
            for terms, boost in query_groups(text, alternatives)
        ]
        if not should:
            return []
        # Filters are required clauses scoring 0; at least one query term must match.
        any_term = tantivy.Query.boolean_query([(tantivy.Occur.Should, c) for c in should])
        clauses = [(tantivy.Occur.Must, any_term)]
        clauses += [(tantivy.Occur.Must, clause) for clause in self._filter_clauses(filters)]
        query = tantivy.Query.boolean_query(clauses)
        searcher = self._searcher
        if searcher is None:
            raise ValueError("the keyword index is closed")
        found = searcher.search(query, limit, count=False)
        return [Hit(searcher.doc(address)["id"][0], float(score)) for score, address in found.hits]

    def _any_field(self, term: str) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.boost_query(
                        tantivy.Query.term_query(self._schema, field, term), boost
                    ),
                )
                for field, boost in FIELD_BOOSTS.items()
            ]
        )

    def _filter_clauses(self, filters: Filters) -> list[tantivy.Query]:
        values = {
            "audience": None if filters.include_internal else "public",
            "category": filters.category,
            "type": filters.type,
            "kind": filters.kind,
            "tag": filters.tag.lower() if filters.tag else None,
        }
        return [
            tantivy.Query.const_score_query(
                tantivy.Query.term_query(self._schema, field, value), 0.0
            )
            for field, value in values.items()
            if value
        ]

    def close(self) -> None:
        self._searcher = None
