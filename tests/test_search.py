"""Search over the fixture corpus: modes, filters, snippets, and what public search never shows."""

from __future__ import annotations

import pytest

from kb.errors import BadRequest
from kb.search.engine import SearchEngine
from kb.search.hits import Filters
from tests.helpers import make_engine

PROBES = [
    "refund",
    "approval limits manager",
    "vault preview",
    "secret",
    "team lead $200",
    "refund approval rules",
    "offline vault",
    "sync",
    "a",
]


@pytest.fixture
def engine(shared_index, embedder) -> SearchEngine:
    return make_engine(shared_index, embedder)


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_each_mode_finds_the_article_and_links_its_section(engine, mode) -> None:
    results = engine.search("how long does a refund take to reach my bank", mode=mode).results
    top = results[0]
    assert top.article.slug == "request-a-refund"
    assert (top.article.slug, top.section.anchor) == ("request-a-refund", "how-long-it-takes")
    assert len({r.article.slug for r in results}) == len(results)  # one result per article


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
@pytest.mark.parametrize("query", PROBES)
def test_public_search_never_returns_internal_or_draft(engine, mode, query) -> None:
    for filters in (
        Filters(),
        Filters(category="agent-handbook"),
        Filters(category="drafts"),
        Filters(kind="service"),
        Filters(type="policy"),
        Filters(tag="refund"),
    ):
        found = {r.article.slug for r in engine.search(query, mode=mode, filters=filters).results}
        assert not found & {"refund-approval-rules", "unreleased-feature"}


def test_agents_find_internal_articles_but_never_drafts(engine) -> None:
    found = [
        r.article.slug
        for r in engine.search(
            "refund approval limits manager", filters=Filters(include_internal=True)
        ).results
    ]
    assert found[0] == "refund-approval-rules"
    assert "unreleased-feature" not in {
        r.article.slug
        for r in engine.search("vault preview", filters=Filters(include_internal=True)).results
    }


def test_filters_narrow_results(engine) -> None:
    by_category = engine.search("files", filters=Filters(category="sync")).results
    assert {r.article.category for r in by_category} == {"sync"}
    by_kind = engine.search("refund cancel sync", filters=Filters(kind="support")).results
    assert {r.article.slug for r in by_kind} == {"sync-error-codes"}
    by_tag = engine.search("plan", filters=Filters(tag="Cancel")).results
    assert [r.article.slug for r in by_tag] == ["cancel-subscription"]
    by_type = engine.search("refund", filters=Filters(type="reference"), mode="keyword").results
    assert by_type == []


def test_snippets_highlight_matches_and_escape_html(engine) -> None:
    top = engine.search("invalid file name characters", mode="keyword").results[0]
    assert top.section.anchor == "dbx-201-invalid-file-name"
    assert "<mark>characters</mark>" in top.snippet
    assert "&lt;" in top.snippet and "<code" not in top.snippet


def test_paging_and_total(engine) -> None:
    everything = engine.search("refund subscription sync error plan", limit=10)
    first = engine.search("refund subscription sync error plan", limit=1)
    second = engine.search("refund subscription sync error plan", limit=1, offset=1)
    assert first.total == everything.total >= 2
    assert [r.article.slug for r in first.results + second.results] == [
        r.article.slug for r in everything.results[:2]
    ]


@pytest.mark.parametrize("query", ["", "   ", "x" * 1001])
def test_bad_queries_are_rejected(engine, query) -> None:
    with pytest.raises(BadRequest) as error:
        engine.search(query)
    assert error.value.field == "q"


def test_bad_mode_and_limit_are_rejected(engine) -> None:
    with pytest.raises(BadRequest):
        engine.search("refund", mode="fuzzy")
    with pytest.raises(BadRequest):
        engine.search("refund", limit=0)
