"""What searchers expect: typo tolerance, synonyms, did-you-mean and autocomplete."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.content.synonyms import parse_synonyms
from kb.search.engine import SearchEngine
from kb.search.spelling import Speller
from tests.helpers import build, make_engine


@pytest.fixture
def engine(shared_index, embedder) -> SearchEngine:
    return make_engine(shared_index, embedder)


def top_slug(engine: SearchEngine, query: str, mode: str = "keyword") -> str | None:
    results = engine.search(query, mode=mode).results
    return results[0].article.slug if results else None


@pytest.mark.parametrize(
    ("typo", "slug"),
    [
        ("refnud", "request-a-refund"),
        ("subscriptoin", "cancel-subscription"),
        ("storag quota", "sync-error-codes"),
    ],
)
def test_misspelled_words_still_find_their_article(engine, typo, slug) -> None:
    assert top_slug(engine, typo) == slug
    assert top_slug(engine, typo, mode="hybrid") == slug


def test_exact_matches_are_not_drowned_by_corrections(engine) -> None:
    # "plan" is a real word: it must not be "corrected", and its exact match stays on top.
    assert engine.search("plan").did_you_mean is None
    results = engine.search("refunds", mode="keyword").results
    assert results[0].article.slug == "request-a-refund"


def test_did_you_mean_offers_the_corrected_query(engine) -> None:
    assert engine.search("refnud windw").did_you_mean == "refund window"
    assert engine.search("refund window").did_you_mean is None


def test_did_you_mean_never_suggests_internal_words(engine) -> None:
    # "manager", "approval" and "limits" are words of an internal article only: the index's
    # vocabulary leaves them out, so no typo is ever corrected into one of them
    vocabulary = engine.current_index().speller.frequencies
    assert "refund" in vocabulary and not {"manager", "approval", "limits"} & set(vocabulary)
    assert engine.search("refnud").did_you_mean == "refund"
    for typo in ("refnud mnager", "approvl limits"):
        assert "manager" not in (engine.search(typo).did_you_mean or "")
    assert engine.search("approvl limits").did_you_mean is None


def test_corrections_leave_codes_and_known_words_alone() -> None:
    speller = Speller({"manager": 3, "refund": 5})
    assert speller.corrected_query("refnud mnager") == "refund manager"
    assert speller.corrected_query("DBX-301 refund") is None


def test_synonyms_apply_at_query_time(engine) -> None:
    # "unsubscribe" and "reimbursement" appear in no article; the synonyms file maps them.
    assert top_slug(engine, "unsubscribe") == "cancel-subscription"
    assert top_slug(engine, "reimbursement") == "request-a-refund"


def test_synonyms_reload_with_the_index(built, content_dir: Path, data_dir, embedder) -> None:
    engine = make_engine(data_dir, embedder)
    assert top_slug(engine, "chargeback") is None
    (content_dir / "synonyms.txt").write_text("refund, chargeback\n")
    report = build(content_dir, data_dir, embedder)
    assert report.embedded == 0  # only the synonyms changed
    assert top_slug(engine, "chargeback") == "request-a-refund"


def test_bad_synonym_lines_are_reported_with_their_line() -> None:
    synonyms, problems = parse_synonyms("# groups\ncancel, quit\nlonely\n")
    assert synonyms.groups == (("cancel", "quit"),)
    assert [(p.line, p.fatal) for p in problems] == [(3, False)]
    assert synonyms.expansions("How do I QUIT?") == ["cancel"]


def test_autocomplete_titles_and_headings(client) -> None:
    body = client.get("/api/v1/autocomplete?q=ref").get_json()
    texts = [s["text"] for s in body["suggestions"]]
    assert texts[0] == "Request a refund"  # articles before sections
    assert "Who can get a refund" in texts
    assert "Refund approval rules" not in texts  # internal
    how = client.get("/api/v1/autocomplete?q=how+lo").get_json()["suggestions"]
    assert how[0] == {
        "text": "How long it takes",
        "kind": "section",
        "url": "/articles/request-a-refund#how-long-it-takes",
        "article_title": "Request a refund",
    }


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/autocomplete",
        "/api/v1/autocomplete?q=" + "x" * 201,
        "/api/v1/autocomplete?q=ref&limit=99",
    ],
)
def test_autocomplete_bad_requests(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 400 and "error" in response.get_json()


def test_search_page_shows_did_you_mean(client) -> None:
    html = client.get("/search?q=refnud").get_data(as_text=True)
    assert "Did you mean" in html and 'href="/search?q=refund"' in html
