"""Hybrid search over sections, rolled up to one result per article with its best section."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from kb.content.model import Article, Section
from kb.errors import BadRequest
from kb.index.adaptation import QueryModels
from kb.index.embeddings import Embedder, make_embedder
from kb.index.handle import IndexHandle
from kb.index.keyword.analysis import query_terms
from kb.index.loaded import LoadedIndex
from kb.limits import MAX_QUERY_BYTES, MAX_QUERY_CHARS, text_problem
from kb.search.answers import (
    GOOD_RESULTS,
    NAMING_ARTICLES,
    WEAK_MATCHES,
    Judged,
    answer_confidence,
    judge,
    shows_answer,
    worth_correcting,
)
from kb.search.hits import Filters, Hit, check_limit, first_section
from kb.search.modes import DEFAULT_MODE, MODE_NAMES, MODES, Fusion
from kb.search.observer import NoObserver, SearchObserver
from kb.search.results import InstantAnswer, SearchResult, SearchResults
from kb.search.section_choice import choose_section
from kb.search.snippets import make_snippet
from kb.search.spelling import MIN_WORD, words
from kb.search.vocabulary import Vocabulary
from kb.settings import Settings

# A filtered vector search over-fetches this many times the candidates, then filters.
FILTER_OVERFETCH = 10
# Corrections and synonyms may match too, a little below the words the searcher typed.
CORRECTION_BOOST = 0.5
SYNONYM_BOOST = 0.7
NO_FILTERS = Filters()


def check_query(query: object, maximum: int = MAX_QUERY_CHARS) -> str:
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("q is required and must not be empty", field="q")
    if len(query) > maximum:
        raise BadRequest(f"q must be at most {maximum} characters", field="q")
    if len(query.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise BadRequest(
            f"q must be at most {MAX_QUERY_BYTES} bytes of UTF-8 (about {MAX_QUERY_BYTES // 3} "
            "characters of Chinese, Japanese or Korean)",
            field="q",
        )
    problem = text_problem(query)
    if problem:
        raise BadRequest(f"q {problem}", field="q")
    return query.strip()


def check_mode(mode: object) -> str:
    if mode not in MODES:
        raise BadRequest(f"mode must be one of {', '.join(MODE_NAMES)}", field="mode")
    return str(mode)


def open_engine(settings: Settings, embedder: Embedder | None = None) -> SearchEngine:
    """The search engine for these settings: the live index (following CURRENT, so a new build
    is searched at once) and the model they name (or `embedder`). The CLI, the app, the
    benchmarks and the tests all open it here; `settings.with_tuned()` first applies a
    knowledge base's tuned weights."""
    handle = IndexHandle.for_settings(settings)
    chosen = embedder or make_embedder(settings.embedder)
    return SearchEngine(handle.get, chosen, settings, handle=handle)


class SearchEngine:
    """Searches whatever index `current_index` returns, so a rebuilt index is used at once."""

    def __init__(
        self,
        current_index: Callable[[], LoadedIndex],
        embedder: Embedder,
        settings: Settings,
        handle: IndexHandle,
    ) -> None:
        self.current_index = current_index
        self.embedder = embedder
        self.query_models = QueryModels(embedder, settings.data_dir)
        self.settings = settings
        self.handle = handle  # the live index it follows
        self.observer: SearchObserver = NoObserver()  # the web app's metrics, when served

    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 10,
        offset: int = 0,
        filters: Filters = NO_FILTERS,
    ) -> SearchResults:
        """A page of the results found (above the floor), one per article, with a highlighted
        snippet of the section that answers; the instant answer, or that nothing answers."""
        started = time.perf_counter()
        query = check_query(query)
        mode = check_mode(mode)
        check_limit(limit)
        if offset < 0:
            raise BadRequest("offset must not be negative", field="offset")
        index = self.current_index()
        judged = self.judge(query, mode, filters, index)
        corrected = self.correction(query, judged, mode, filters, index)
        terms = set(
            query_terms(" ".join([query, corrected or "", *index.synonyms.expansions(query)]))
        )
        found = judged.found
        page = [_result(item, terms) for item in found[offset : offset + limit]]
        weak = [] if found else [_result(item, terms) for item in judged.ranked[:WEAK_MATCHES]]
        answer = None
        confidence = answer_confidence(judged.evidence) if judged.evidence else 0.0
        if found and shows_answer(confidence):
            answer = InstantAnswer(_result(found[0], terms), confidence)
        took_ms = (time.perf_counter() - started) * 1000
        self.observer.searched(mode, no_good_match=not found)
        return SearchResults(
            query, mode, page, len(found), round(took_ms, 2), corrected, answer,
            no_good_match=not found, weak_matches=weak, evidence=judged.evidence,
        )  # fmt: skip

    def judge(self, query: str, mode: str, filters: Filters, index: LoadedIndex) -> Judged:
        """Every matching article, ranked by the mode, with its section and its confidence.
        Confidence is judged on hybrid search's scores whatever the mode, so both retrievers
        are asked."""
        keyword_hits, vector_hits = self.retrieve(index, query, DEFAULT_MODE, filters)
        fused = self.combine(DEFAULT_MODE, keyword_hits, vector_hits)
        hits = fused if mode == DEFAULT_MODE else self.combine(mode, keyword_hits, vector_hits)
        # Belt and braces, as in rank: whatever the stores return, a filter is never crossed.
        ranked = [item for item in roll_up(hits, index, query) if _matches(item[0], filters)]
        fused_scores = {hit.section_id: hit.score for hit in fused}
        floor = self.settings.min_confidence
        keyword_best = first_section(keyword_hits)
        return judge_query(query, ranked, fused_scores, index.vocabulary, floor, keyword_best)

    def correction(
        self, query: str, judged: Judged, mode: str, filters: Filters, index: LoadedIndex
    ) -> str | None:
        """The "did you mean" query: its unknown words replaced by words of the help center's
        vocabulary, offered when none is left unknown, the query has no good results of its own
        and the corrected query's are clearly better (kb.search.answers.worth_correcting)."""
        corrected = index.speller.corrected_query(query)
        if not corrected or judged.best_score >= GOOD_RESULTS:
            return None
        if not all(index.speller.known(word) for word in words(corrected) if len(word) >= MIN_WORD):
            return None
        better = self.judge(corrected, mode, filters, index)
        return corrected if worth_correcting(judged, better) else None

    def rank(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        filters: Filters = NO_FILTERS,
        index: LoadedIndex | None = None,
    ) -> list[tuple[Article, Section, float]]:
        """Every matching article with its best section and score, best first (no snippets)."""
        index = index or self.current_index()
        keyword_hits, vector_hits = self.retrieve(index, query, mode, filters)
        hits = self.combine(mode, keyword_hits, vector_hits)
        # Belt and braces: whatever the stores return, a filter is never crossed.
        return [item for item in roll_up(hits, index, query) if _matches(item[0], filters)]

    def retrieve(
        self,
        index: LoadedIndex,
        query: str,
        mode: str,
        filters: Filters,
        vector_query: str | None = None,
    ) -> tuple[list[Hit], list[Hit]]:
        """Section hits from the keyword and vector sides (only those the mode needs);
        `vector_query`, when given, is what the vector side searches with instead."""
        candidates = self.settings.candidates
        keyword_hits: list[Hit] = []
        if MODES[mode].keyword:
            alternatives = [
                (w, CORRECTION_BOOST) for w in index.speller.corrections(query).values()
            ]
            alternatives += [(term, SYNONYM_BOOST) for term in index.synonyms.expansions(query)]
            started = time.perf_counter()
            keyword_hits = index.keyword.search(query, candidates, filters, alternatives)
            self.observer.stage("keyword", time.perf_counter() - started)
        vector_hits: list[Hit] = []
        if MODES[mode].vector:
            # The model reads the words as typed: embedding "corrected" queries measured worse
            # (covidfaq 0.739 against 0.749 nDCG@10), since it copes with many typos itself.
            vector_hits = self.vector_hits(index, vector_query or query, candidates, filters)
        return keyword_hits, vector_hits

    def combine(self, mode: str, keyword_hits: list[Hit], vector_hits: list[Hit]) -> list[Hit]:
        """Section hits for a mode, best first; hybrid fuses the two retrievers."""
        return MODES[mode].combine(keyword_hits, vector_hits, self.fusion)

    @property
    def fusion(self) -> Fusion:
        settings = self.settings
        return Fusion(settings.fusion, settings.semantic_weight, settings.rrf_k)

    def vector_hits(
        self, index: LoadedIndex, query: str, candidates: int, filters: Filters
    ) -> list[Hit]:
        model = index.manifest.get("model", "")
        embedder = self.query_models.for_generation(index.embedder_name, model)
        started = time.perf_counter()
        vector = embedder.embed_query(query)
        embedded = time.perf_counter()
        self.observer.stage("embedding", embedded - started)
        fetch = candidates * FILTER_OVERFETCH if filters.narrows else candidates
        hits = index.vectors.search(vector, fetch, filters)
        self.observer.stage("vector", time.perf_counter() - embedded)
        floor = self.settings.min_similarity
        kept = [
            hit
            for hit in hits
            if hit.score >= floor
            and (not filters.narrows or _matches(index.sections[hit.section_id][0], filters))
        ]
        return kept[:candidates]


def roll_up(
    hits: list[Hit], index: LoadedIndex, query: str | None = None
) -> list[tuple[Article, Section, float]]:
    """One result per article, in order of its best section's score, carrying that score and
    the section that answers `query` among those hit (kb.search.section_choice); without a
    query, the best-scoring section."""
    found: dict[str, tuple[Article, dict[Section, float]]] = {}
    best: dict[str, float] = {}
    for hit in hits:
        place = index.sections.get(hit.section_id)
        if place is None:
            continue
        article, section = place
        if article.slug not in found:
            found[article.slug] = (article, {})
            best[article.slug] = hit.score
        found[article.slug][1].setdefault(section, hit.score)
    ranked = []
    for slug, (article, scored) in found.items():
        if query is None:
            section = next(iter(scored))
        else:
            section, _ = choose_section(query, article, scored, index.vocabulary)
        ranked.append((article, section, best[slug]))
    return ranked


def judge_query(
    query: str,
    ranked: list[tuple[Article, Section, float]],
    fused: Mapping[str, float],
    vocabulary: Vocabulary,
    floor: float,
    keyword_best: str | None = None,
    naming: bool = True,
) -> Judged:
    """Judge `ranked` results of `query` (kb.search.answers.judge) with what the vocabulary says
    of the query: its unknown share, and (unless `naming` is off) whether the top articles name
    its most specific word; `keyword_best` is the keyword side's best section (its id)."""
    terms = vocabulary.terms(query)
    top = [article for article, _, _ in ranked[:NAMING_ARTICLES]]
    named = not naming or vocabulary.names_most_specific(terms, top)
    return judge(ranked, fused, floor, vocabulary.unknown_share(terms), named, keyword_best)


def _result(item: tuple[Article, Section, float, float], terms: set[str]) -> SearchResult:
    article, section, score, confidence = item
    return SearchResult(article, section, score, make_snippet(section.text, terms), confidence)


def _matches(article: Article, filters: Filters) -> bool:
    if not article.is_searchable:
        return False
    if not filters.include_internal and article.audience != "public":
        return False
    if filters.category and article.category != filters.category:
        return False
    if filters.type and article.type != filters.type:
        return False
    if filters.kind and article.kind != filters.kind:
        return False
    if filters.tag and filters.tag.lower() not in {tag.lower() for tag in article.tags}:
        return False
    return True
