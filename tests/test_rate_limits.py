"""Rate limits per client address: each family refuses with 429 and Retry-After (JSON under /api,
a page elsewhere), wrong keys lock a client out, and a shared store counts every worker."""

from __future__ import annotations

import logging
import os
import socket

import pytest
import redis

from tests.helpers import ADMIN_KEY, AGENT_KEY, app_config, auth, csrf_token
from web import create_app

# CI runs this file a second time against a real redis-server (a database the tests may empty).
REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "")
OTHER_CLIENT = {"REMOTE_ADDR": "198.51.100.7"}
STATS = "/api/v1/articles/request-a-refund/stats"


@pytest.fixture
def ratelimit_url() -> str:
    """This run's rate-limit store: an emptied Redis database when the run has one, else memory."""
    if REDIS_URL:
        connection = redis.Redis.from_url(REDIS_URL)
        connection.flushdb()
        connection.close()
    return REDIS_URL


@pytest.fixture
def make_app(built, content_dir, data_dir, embedder, database_url, ratelimit_url):
    """An app whose limits are given as `search="3 per minute"` and so on."""

    def make(url: str = ratelimit_url, **limits: str):
        extra = {f"{family.upper()}_RATE_LIMIT": limit for family, limit in limits.items()}
        return create_app(
            app_config(content_dir, data_dir, embedder, database_url, RATELIMIT_URL=url, **extra)
        )

    return make


def assert_json_429(response) -> None:
    assert response.status_code == 429
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited" and error["message"]
    assert 1 <= error["retry_after"] <= 60
    assert response.headers["Retry-After"] == str(error["retry_after"])


def assert_page_429(response) -> None:
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "try again in" in response.get_data(as_text=True)


def test_searches_are_limited_on_the_api_and_the_page_together(make_app) -> None:
    client = make_app(search="3 per minute").test_client()
    for _ in range(2):
        assert client.get("/api/v1/search?q=refund").status_code == 200
    assert client.get("/search?q=refund").status_code == 200
    assert_json_429(client.get("/api/v1/search?q=refund"))
    assert_page_429(client.get("/search?q=refund"))
    assert client.get("/api/v1/search?q=refund", environ_base=OTHER_CLIENT).status_code == 200
    assert client.get("/articles/request-a-refund").status_code == 200  # reading is not limited


def test_autocomplete_is_limited(make_app) -> None:
    client = make_app(autocomplete="2 per minute").test_client()
    assert [client.get("/api/v1/autocomplete?q=ref").status_code for _ in range(2)] == [200, 200]
    assert_json_429(client.get("/api/v1/autocomplete?q=ref"))


def test_customer_votes_are_limited_on_the_api_and_the_form(make_app) -> None:
    client = make_app(vote="2 per minute").test_client()
    vote = {"helpful": False, "comment": "spam"}
    assert client.post("/api/v1/articles/request-a-refund/feedback", json=vote).status_code == 201
    form = {"helpful": "no", "csrf_token": csrf_token(client, "/articles/request-a-refund")}
    assert client.post("/articles/request-a-refund/feedback", data=form).status_code == 302
    assert_json_429(client.post("/api/v1/articles/request-a-refund/feedback", json=vote))
    assert_page_429(client.post("/articles/request-a-refund/feedback", data=form))


def test_suggestion_feedback_is_limited(make_app) -> None:
    client = make_app(vote="1 per minute").test_client()
    suggested = client.post(
        "/api/v1/suggest", json={"subject": "refund", "body": "money back"}, headers=auth(AGENT_KEY)
    )
    feedback = {
        "request_id": suggested.get_json()["request_id"],
        "slug": "request-a-refund",
        "action": "helpful",
    }
    url = "/api/v1/suggest/feedback"
    assert client.post(url, json=feedback, headers=auth(AGENT_KEY)).status_code == 201
    assert_json_429(client.post(url, json=feedback, headers=auth(AGENT_KEY)))


def test_sign_in_attempts_are_limited_even_when_they_succeed(make_app) -> None:
    client = make_app(sign_in="2 per minute").test_client()
    for _ in range(2):
        form = {"key": AGENT_KEY, "csrf_token": csrf_token(client, "/agent/login")}
        assert client.post("/agent/login", data=form).status_code == 302
    form = {"key": AGENT_KEY, "csrf_token": csrf_token(client, "/admin/login")}
    assert_page_429(client.post("/admin/login", data=form))


def test_wrong_bearer_keys_lock_out_that_client_only(make_app) -> None:
    client = make_app(wrong_key="3 per minute").test_client()
    for _ in range(10):  # good keys never count
        assert client.get(STATS, headers=auth(ADMIN_KEY)).status_code == 200
    for headers in (auth("wrong-key-wrong-key"), auth("another-wrong-key"), {"Authorization": "x"}):
        assert client.get(STATS, headers=headers).status_code == 401
    assert_json_429(client.get(STATS, headers=auth(ADMIN_KEY)))  # even the right key, now
    assert client.get(STATS, headers=auth(ADMIN_KEY), environ_base=OTHER_CLIENT).status_code == 200


def test_wrong_keys_at_the_console_sign_in_lock_out_that_client_only(make_app) -> None:
    client = make_app(wrong_key="2 per minute").test_client()
    other = client.application.test_client()
    for key in ("wrong-key-wrong-key", "another-wrong-key"):
        form = {"key": key, "csrf_token": csrf_token(client, "/agent/login")}
        assert client.post("/agent/login", data=form).status_code == 401
    form = {"key": AGENT_KEY, "csrf_token": csrf_token(client, "/agent/login")}
    assert_page_429(client.post("/agent/login", data=form))
    assert_json_429(client.get(STATS, headers=auth(ADMIN_KEY)))  # the same count as Bearer keys
    form = {"key": AGENT_KEY, "csrf_token": csrf_token(other, "/agent/login")}
    response = other.post("/agent/login", data=form, environ_base=OTHER_CLIENT)
    assert response.status_code == 302


def test_a_valid_key_without_the_role_is_no_wrong_key(make_app) -> None:
    client = make_app(wrong_key="1 per minute").test_client()
    for _ in range(3):
        assert client.get(STATS, headers=auth(AGENT_KEY)).status_code == 403
    assert client.get(STATS, headers=auth(ADMIN_KEY)).status_code == 200


def test_the_contact_form_keeps_what_was_typed_and_says_when_to_retry(make_app) -> None:
    client = make_app(contact="1 per minute").test_client()
    form = {
        "name": "Jane",
        "email": "jane@example.com",
        "subject": "Cannot sync",
        "description": "My files stopped syncing yesterday evening.",
        "confirm": "1",
    }
    first = client.post("/contact", data={**form, "csrf_token": csrf_token(client, "/contact")})
    assert first.status_code == 200
    limited = client.post("/contact", data={**form, "csrf_token": csrf_token(client, "/contact")})
    assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert form["description"] in limited.get_data(as_text=True)


def test_off_switches_a_limit_off(make_app) -> None:
    client = make_app(autocomplete="off").test_client()
    statuses = {client.get("/api/v1/autocomplete?q=ref").status_code for _ in range(30)}
    assert statuses == {200}


def test_memory_counts_each_process_alone(make_app) -> None:
    """The single-process default: two workers (two apps) each allow the whole limit."""
    first, second = (make_app("", search="4 per minute").test_client() for _ in range(2))
    for client in (first, second):
        assert {client.get("/api/v1/search?q=refund").status_code for _ in range(4)} == {200}
    assert first.get("/api/v1/search?q=refund").status_code == 429


@pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server (KB_TEST_REDIS_URL)")
def test_a_shared_store_counts_every_worker_and_node(make_app) -> None:
    """Two apps (two workers, or two nodes) on one Redis: the fifth search of a limit of four is
    refused whichever of them receives it."""
    first, second = (make_app(search="4 per minute").test_client() for _ in range(2))
    for client in (first, second, first, second):
        assert client.get("/api/v1/search?q=refund").status_code == 200
    for client in (first, second):
        assert_json_429(client.get("/api/v1/search?q=refund"))
    assert second.get("/api/v1/search?q=refund", environ_base=OTHER_CLIENT).status_code == 200


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_store_falls_back_to_memory_with_a_warning(make_app, caplog) -> None:
    client = make_app(f"redis://127.0.0.1:{closed_port()}/0", search="2 per minute").test_client()
    with caplog.at_level(logging.WARNING, logger="web.rate_limits"):
        statuses = [client.get("/api/v1/search?q=refund").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # still limited, per process
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "KB_RATELIMIT_URL" in warnings[0].getMessage()


def test_opened_result_reports_count_with_the_searches(make_app) -> None:
    """POST /search/click (a result's ping or beacon) is a customer POST like the others: it
    counts against the searches' limit, so a script cannot flood the click log."""
    client = make_app(search="3 per minute").test_client()
    click = "/search/click?search=" + "a" * 32 + "&rank=1&slug=request-a-refund"
    assert client.get("/search?q=refund").status_code == 200
    assert [client.post(click).status_code for _ in range(2)] == [204, 204]
    assert_page_429(client.post(click))
    assert_page_429(client.get("/search?q=refund"))
    assert client.post(click, environ_base=OTHER_CLIENT).status_code == 204


def test_this_solved_my_problem_counts_as_a_vote(make_app) -> None:
    """POST /contact/solved records a deflection: limited with the votes."""
    client = make_app(vote="2 per minute").test_client()
    form = {"slug": "request-a-refund", "csrf_token": csrf_token(client, "/contact")}
    assert [client.post("/contact/solved", data=form).status_code for _ in range(2)] == [200, 200]
    assert_page_429(client.post("/contact/solved", data=form))
    form = {"helpful": "no", "csrf_token": csrf_token(client, "/articles/request-a-refund")}
    assert_page_429(client.post("/articles/request-a-refund/feedback", data=form))
