"""The instant answer, confidences and "no good match" as the API and the results page show them:
the same decision in both places."""

from __future__ import annotations

import re

from kb.search import answers
from tests.helpers import app_config
from web import create_app

ANSWER_FIELDS = {"slug", "anchor", "title", "section_title", "url", "html", "confidence"}


def test_the_api_gives_the_answer_the_page_shows(client, monkeypatch) -> None:
    monkeypatch.setattr(answers, "ANSWER_CONFIDENCE", 0.0)
    body = client.get("/api/v1/search?q=how+long+does+a+refund+take").get_json()
    answer = body["answer"]
    assert set(answer) == ANSWER_FIELDS and 0.0 <= answer["confidence"] <= 1.0
    top = body["results"][0]
    assert (answer["slug"], answer["anchor"]) == (top["slug"], top["section"]["anchor"])
    assert answer["url"] == top["url"] and answer["section_title"] == top["section"]["title"]
    assert "<p>" in answer["html"] and answer["title"] == top["title"]
    html = client.get("/search?q=how+long+does+a+refund+take").get_data(as_text=True)
    shown = re.search(r'<section class="instant-answer".*?</section>', html, re.S).group(0)
    assert f'href="{answer["url"]}"' in shown and answer["section_title"] in shown


def test_no_answer_is_null_in_the_api_and_absent_from_the_page(client, monkeypatch) -> None:
    monkeypatch.setattr(answers, "ANSWER_CONFIDENCE", 1.01)
    body = client.get("/api/v1/search?q=refund").get_json()
    assert body["answer"] is None and body["no_good_match"] is False and body["results"]
    assert all(0.0 <= r["confidence"] <= 1.0 for r in body["results"])
    assert "instant-answer" not in client.get("/search?q=refund").get_data(as_text=True)


def strict_client(built, content_dir, data_dir, embedder, database_url):
    """An app whose floor nothing reaches: every search has no good match."""
    config = app_config(content_dir, data_dir, embedder, database_url, MIN_CONFIDENCE=1.0)
    return create_app(config).test_client()


def test_no_good_match_in_the_api(built, content_dir, data_dir, embedder, database_url) -> None:
    client = strict_client(built, content_dir, data_dir, embedder, database_url)
    body = client.get("/api/v1/search?q=refund").get_json()
    assert body["no_good_match"] is True and body["answer"] is None
    assert body["total"] == 0 and body["results"] == []
    assert body["weak_matches"] and body["weak_matches"][0]["slug"] == "request-a-refund"
    assert all(hit["confidence"] < 1.0 for hit in body["weak_matches"])


def test_the_page_admits_it_and_offers_contact_and_weak_matches(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    client = strict_client(built, content_dir, data_dir, embedder, database_url)
    html = client.get("/search?q=refund").get_data(as_text=True)
    panel = re.search(r'<div class="no-results">.*?</div>', html, re.S).group(0)
    assert "Nothing in the help center answers" in panel
    assert 'href="/contact"' in panel
    assert "You might try" in panel and 'href="/articles/request-a-refund' in panel
    assert "articles found" not in html and "instant-answer" not in html


def test_the_count_is_of_results_found(client) -> None:
    body = client.get("/api/v1/search?q=refund&limit=1").get_json()
    html = client.get("/search?q=refund").get_data(as_text=True)
    count = body["total"]
    assert f"{count} article{'s' if count != 1 else ''} found" in html
