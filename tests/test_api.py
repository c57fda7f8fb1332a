"""The JSON API: result shapes, every client error as {"error": {code, message}}, never a 500."""

from __future__ import annotations

import pytest

from web import create_app

INTERNAL = {"refund-approval-rules", "unreleased-feature"}


def test_search_result_shape(client) -> None:
    response = client.get("/api/v1/search?q=how+long+does+a+refund+take")
    assert response.status_code == 200
    body = response.get_json()
    fields = {"query", "search_id", "mode", "total", "took_ms", "did_you_mean", "results"}
    assert set(body) == fields | {"answer", "no_good_match", "weak_matches"}
    assert body["did_you_mean"] is None
    top = body["results"][0]
    assert top["slug"] == "request-a-refund"
    assert top["url"] == "/articles/request-a-refund#how-long-it-takes"
    assert top["section"] == {"anchor": "how-long-it-takes", "title": "How long it takes"}
    assert {"snippet", "score", "category", "tags", "kind", "title", "confidence"} <= set(top)
    assert top["category"] == "billing" and top["kind"] == "service"


def test_search_filters_and_modes(client) -> None:
    body = client.get("/api/v1/search?q=quota+syncing&mode=keyword").get_json()
    assert {r["category"] for r in body["results"]} == {"billing", "sync"}
    body = client.get("/api/v1/search?q=quota+syncing&category=sync&mode=keyword").get_json()
    assert [r["slug"] for r in body["results"]] == ["sync-error-codes"]
    assert body["mode"] == "keyword"
    body = client.get("/api/v1/search?q=cancel&tag=cancel&limit=1").get_json()
    assert [r["slug"] for r in body["results"]] == ["cancel-subscription"]


@pytest.mark.parametrize("query", ["refund approval limits", "vault preview", "team lead"])
def test_api_search_hides_internal_and_drafts(client, query) -> None:
    body = client.get("/api/v1/search", query_string={"q": query, "limit": 50}).get_json()
    assert not {r["slug"] for r in body["results"]} & INTERNAL


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/search", "q"),
        ("/api/v1/search?q=", "q"),
        ("/api/v1/search?q=%20%20", "q"),
        ("/api/v1/search?q=" + "x" * 1001, "q"),
        ("/api/v1/search?q=refund&limit=0", "limit"),
        ("/api/v1/search?q=refund&limit=51", "limit"),
        ("/api/v1/search?q=refund&limit=ten", "limit"),
        ("/api/v1/search?q=refund&mode=fuzzy", "mode"),
        ("/api/v1/search?q=refund&offset=-1", "offset"),
    ],
)
def test_bad_search_requests_get_a_400_naming_the_field(client, url, field) -> None:
    response = client.get(url)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and error["field"] == field and error["message"]


def test_article_endpoint(client) -> None:
    body = client.get("/api/v1/articles/request-a-refund").get_json()
    assert body["title"] == "Request a refund"
    assert [entry["anchor"] for entry in body["toc"]] == [
        "who-can-get-a-refund",
        "how-to-ask-for-a-refund",
        "how-long-it-takes",
    ]
    assert body["related"] == [
        {
            "slug": "cancel-subscription",
            "title": "Cancel your subscription",
            "url": "/articles/cancel-subscription",
        }
    ]
    assert "<table>" in body["html"]


@pytest.mark.parametrize("slug", ["no-such-article", "refund-approval-rules", "unreleased-feature"])
def test_unknown_internal_and_draft_articles_are_404(client, slug) -> None:
    response = client.get(f"/api/v1/articles/{slug}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert (
        client.post(f"/api/v1/articles/{slug}/feedback", json={"helpful": True}).status_code == 404
    )


def test_categories_count_only_public_articles(client) -> None:
    categories = client.get("/api/v1/categories").get_json()["categories"]
    assert {c["slug"]: c["count"] for c in categories} == {"billing": 2, "sync": 1}


def test_feedback_is_stored(client, app) -> None:
    response = client.post(
        "/api/v1/articles/request-a-refund/feedback",
        json={"helpful": False, "comment": "Missing PayPal"},
    )
    assert response.status_code == 201
    client.post("/api/v1/articles/request-a-refund/feedback", json={"helpful": True})
    summary = app.extensions["kb"].database.feedback_summary("request-a-refund")
    assert summary == {"helpful": 1, "not_helpful": 1}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"data": "{not json", "content_type": "application/json"}, None),
        ({"data": "helpful=true", "content_type": "application/x-www-form-urlencoded"}, None),
        ({"json": ["helpful"]}, None),
        ({"json": {}}, "helpful"),
        ({"json": {"helpful": "yes"}}, "helpful"),
        ({"json": {"helpful": True, "comment": 5}}, "comment"),
        ({"json": {"helpful": True, "comment": "x" * 2001}}, "comment"),
    ],
)
def test_bad_feedback_gets_a_400(client, app, kwargs, field) -> None:
    response = client.post("/api/v1/articles/request-a-refund/feedback", **kwargs)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error.get("field") == field and error["message"]
    assert app.extensions["kb"].database.feedback_summary("request-a-refund") == {
        "helpful": 0,
        "not_helpful": 0,
    }


def test_unknown_api_path_and_method_are_json_errors(client) -> None:
    assert client.get("/api/v1/nope").get_json()["error"]["code"] == "not_found"
    response = client.delete("/api/v1/search?q=x")
    assert response.status_code == 405 and "error" in response.get_json()


def test_healthz_before_and_after_the_index(tmp_path, client) -> None:
    empty = create_app({"DATA_DIR": str(tmp_path / "empty"), "EMBEDDER": "hashing"}).test_client()
    assert empty.get("/healthz").status_code == 503
    assert empty.get("/api/v1/search?q=refund").status_code == 503
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
