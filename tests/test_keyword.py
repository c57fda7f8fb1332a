"""Both keyword engines behind one interface: same analysis, boosts, filters and alternatives."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.content.loading import load_content
from kb.errors import BadRequest
from kb.index.keyword import create_keyword_index, open_keyword_index
from kb.search.hits import Filters
from kb.settings import KEYWORD_ENGINES
from tests.helpers import FIXTURES


@pytest.fixture(params=KEYWORD_ENGINES)
def keyword(request, tmp_path: Path):
    articles = [a for a in load_content(FIXTURES / "content").articles if a.is_searchable]
    entries = [(article, section) for article in articles for section in article.sections]
    create_keyword_index(request.param, tmp_path / "keyword", entries)
    index = open_keyword_index(request.param, tmp_path / "keyword")
    yield index
    index.close()


def slugs(hits) -> list[str]:
    return list(dict.fromkeys(hit.section_id.split("#")[0] for hit in hits))


def test_stemmed_terms_find_sections_best_first(keyword) -> None:
    hits = keyword.search("refunding", 10, Filters())
    assert slugs(hits)[0] == "request-a-refund"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_internal_articles_only_when_asked(keyword) -> None:
    assert "refund-approval-rules" not in slugs(keyword.search("refund approval", 50, Filters()))
    everyone = keyword.search("refund approval", 50, Filters(include_internal=True))
    assert "refund-approval-rules" in slugs(everyone)


def test_filters_narrow_without_matching_on_their_own(keyword) -> None:
    assert slugs(keyword.search("refund cancel", 50, Filters(kind="service"))) != []
    assert keyword.search("refund", 50, Filters(type="reference")) == []
    tagged = keyword.search("plan refund subscription", 50, Filters(tag="CANCEL"))
    assert slugs(tagged) == ["cancel-subscription"]
    by_category = keyword.search("refund subscription errors", 50, Filters(category="sync"))
    assert slugs(by_category) == ["sync-error-codes"]
    # a filter alone never selects a section the query does not match
    assert keyword.search("zebra", 50, Filters(category="sync")) == []


def test_alternatives_match_and_a_phrase_needs_all_its_words(keyword) -> None:
    assert keyword.search("refnud", 10, Filters()) == []
    corrected = keyword.search("refnud", 10, Filters(), alternatives=[("refund", 0.5)])
    assert slugs(corrected)[0] == "request-a-refund"
    assert keyword.search("zzz", 10, Filters(), alternatives=[("refund zebra", 1.0)]) == []


def test_stop_words_only_and_bad_limits(keyword) -> None:
    assert keyword.search("the of and", 10, Filters()) == []
    with pytest.raises(BadRequest):
        keyword.search("refund", 0, Filters())
