"""Agent assist over HTTP: keys and roles, request and response shapes, bad input, internal
articles, learning from feedback, usage figures, and the console."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner

from cli import main
from kb.assist.suggestion_log import MAX_ADJUSTMENT
from tests.helpers import (
    ADMIN_KEY,
    AGENT_KEY,
    REFUND_TICKET,
    WRITER_KEY,
    auth,
    csrf_token,
    sign_in,
)
from web import create_app


def suggest(client, payload: dict, key: str = AGENT_KEY):
    return client.post("/api/v1/suggest", json=payload, headers=auth(key))


PROTECTED = [
    ("post", "/api/v1/suggest", "agent"),
    ("post", "/api/v1/suggest/feedback", "agent"),
    ("get", "/api/v1/articles/request-a-refund/stats", "admin"),
]


@pytest.mark.parametrize(("method", "url", "role"), PROTECTED)
def test_protected_endpoints_need_a_valid_key(client, method, url, role) -> None:
    for headers in ({}, auth("wrong-key-wrong-key"), {"Authorization": "Basic abc"}):
        response = getattr(client, method)(url, json={}, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthorized"
    response = getattr(client, method)(url, json={}, headers=auth(WRITER_KEY))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_admin_may_do_what_agents_do_but_not_the_reverse(client) -> None:
    assert suggest(client, REFUND_TICKET, ADMIN_KEY).status_code == 200
    stats = client.get("/api/v1/articles/request-a-refund/stats", headers=auth(AGENT_KEY))
    assert stats.status_code == 403


def test_suggest_response_shape_and_internal_articles(client) -> None:
    body = suggest(
        client,
        {
            "subject": "Refund approval",
            "body": "Can I approve a $150 refund without a manager?",
            "limit": 3,
        },
    ).get_json()
    assert set(body) == {"request_id", "suggestions", "triage", "requests", "took_ms"}
    assert body["requests"] == []  # one request: no groups
    assert len(body["suggestions"]) <= 3
    top = body["suggestions"][0]
    assert set(top) == {
        "slug",
        "title",
        "url",
        "section",
        "snippet",
        "score",
        "confidence",
        "audience",
        "kind",
    }
    assert top["slug"] == "refund-approval-rules" and top["audience"] == "internal"
    assert top["url"] == "/agent/articles/refund-approval-rules#approval-limits"
    assert 0.0 <= top["confidence"] <= 1.0
    assert body["triage"]["kind"] == "service"
    assert set(body["triage"]) == {"kind", "category", "confidence", "reasons"}
    # the same words in public search never reach the internal article
    public = client.get("/api/v1/search?q=Can+I+approve+a+refund+without+a+manager").get_json()
    assert "refund-approval-rules" not in {r["slug"] for r in public["results"]}


def test_triage_tells_service_from_support(client) -> None:
    support = suggest(
        client,
        {"subject": "Sync error", "body": "Sync fails with DBX-201 on a file name with a colon"},
    )
    triage = support.get_json()["triage"]
    assert (triage["kind"], triage["category"]) == ("support", "sync")
    assert any("DBX-201" in reason for reason in triage["reasons"])
    service = suggest(client, REFUND_TICKET).get_json()["triage"]
    assert (service["kind"], service["category"]) == ("service", "billing")


def test_triage_reads_the_customer_s_words_not_the_quoted_reply_or_signature(client) -> None:
    body = (
        "Hi,\n\nI was charged twice for my plan this month, please refund one payment.\n\n"
        "Thanks,\nPriya\nSent from the Driftbox desktop app\n\n"
        "On Mon, 2 Nov 2026 at 10:14, Driftbox Support <help@driftbox.example> wrote:\n"
        "> Thanks for getting in touch about your sync error. Reset the desktop app's cache\n"
        "> and the error should go away.\n"
    )
    triage = suggest(client, {"subject": "Charged twice", "body": body}).get_json()["triage"]
    assert triage["kind"] == "service"
    assert not any(reason.startswith("support words") for reason in triage["reasons"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"subject": "  ", "body": ""}, "body"),
        ({"subject": 5}, "subject"),
        ({"body": ["x"]}, "body"),
        ({"body": "x", "messages": "hello"}, "messages"),
        ({"body": "x", "messages": [{"author": "bot", "body": "hi"}]}, "messages[0].author"),
        ({"body": "x", "messages": [{"author": "customer"}]}, "messages[0].body"),
        ({"body": "x", "messages": ["hi"]}, "messages[0]"),
        ({"body": "x", "tags": "billing"}, "tags"),
        ({"body": "x", "limit": 0}, "limit"),
        ({"body": "x", "limit": 21}, "limit"),
        ({"body": "x", "limit": "5"}, "limit"),
    ],
)
def test_bad_suggest_requests_name_the_field(client, payload, field) -> None:
    response = suggest(client, payload)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_malformed_json_and_oversized_tickets(client) -> None:
    response = client.post(
        "/api/v1/suggest", data="{oops", content_type="application/json", headers=auth(AGENT_KEY)
    )
    assert response.status_code == 400
    response = suggest(client, {"subject": "big", "body": "word " * 20_001})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    response = client.post(
        "/api/v1/suggest",
        data="x" * 2_000_000,
        content_type="application/json",
        headers=auth(AGENT_KEY),
    )
    assert response.status_code == 413 and "error" in response.get_json()


def test_long_noisy_ticket_works(client) -> None:
    noise = "\n".join(f"2026-11-02 10:{i % 60:02d}:01 DEBUG heartbeat ok" for i in range(400))
    body = (
        f"Hello,\n\nRefunds: how long until the money reaches my bank?\n{noise}\n\nThanks,\nAnn\n"
    )
    response = suggest(client, {"subject": "refund timing", "body": body * 3})
    assert response.status_code == 200
    assert response.get_json()["suggestions"][0]["slug"] == "request-a-refund"


def test_feedback_errors_name_the_field(client) -> None:
    request_id = suggest(client, REFUND_TICKET).get_json()["request_id"]
    bad = [
        ({"request_id": "nope", "slug": "request-a-refund", "action": "linked"}, "request_id"),
        ({"request_id": request_id, "slug": "no-such-article", "action": "linked"}, "slug"),
        ({"request_id": request_id, "slug": "request-a-refund", "action": "loved"}, "action"),
        ({"slug": "request-a-refund", "action": "linked"}, "request_id"),
    ]
    for payload, field in bad:
        response = client.post("/api/v1/suggest/feedback", json=payload, headers=auth(AGENT_KEY))
        assert response.status_code == 400, payload
        assert response.get_json()["error"]["field"] == field


def ranks(client, payload: dict) -> dict[str, tuple[int, float]]:
    body = suggest(client, {**payload, "limit": 20}).get_json()
    return {s["slug"]: (rank, s["score"]) for rank, s in enumerate(body["suggestions"], 1)}


def test_linking_an_article_lifts_it_for_similar_tickets(client) -> None:
    ticket = {
        "subject": "stop paying",
        "body": "I want to stop paying for my plan and get my money back",
    }
    paraphrase = {"subject": "stop paying", "body": "please stop paying my plan, money back wanted"}
    before = ranks(client, paraphrase)
    request_id = suggest(client, ticket).get_json()["request_id"]
    target = "cancel-subscription"
    assert before[target][0] > 1  # not already the top suggestion
    unrelated_ticket = {"subject": "DBX-201", "body": "invalid file name characters colon"}
    unrelated_before = ranks(client, unrelated_ticket)
    assert target in unrelated_before  # so a lift that reached it would show
    response = client.post(
        "/api/v1/suggest/feedback",
        headers=auth(AGENT_KEY),
        json={"request_id": request_id, "slug": target, "action": "linked"},
    )
    assert response.status_code == 201
    after = ranks(client, paraphrase)
    assert after[target][0] < before[target][0]
    assert after[target][1] - before[target][1] <= MAX_ADJUSTMENT + 1e-6
    # a ticket unlike this one is not moved
    assert ranks(client, unrelated_ticket)[target] == unrelated_before[target]


def test_one_not_helpful_vote_cannot_bury_a_good_article(client) -> None:
    before = ranks(client, REFUND_TICKET)
    request_id = suggest(client, REFUND_TICKET).get_json()["request_id"]
    for _ in range(5):  # repeated votes still saturate
        client.post(
            "/api/v1/suggest/feedback",
            headers=auth(AGENT_KEY),
            json={"request_id": request_id, "slug": "request-a-refund", "action": "not_helpful"},
        )
    after = ranks(client, REFUND_TICKET)
    assert "request-a-refund" in after
    assert before["request-a-refund"][1] - after["request-a-refund"][1] <= MAX_ADJUSTMENT + 1e-6
    assert after["request-a-refund"][1] < before["request-a-refund"][1]


def test_stats_count_suggestions_and_feedback(client) -> None:
    request_id = suggest(client, REFUND_TICKET).get_json()["request_id"]
    suggest(client, REFUND_TICKET)
    client.post(
        "/api/v1/suggest/feedback",
        headers=auth(AGENT_KEY),
        json={"request_id": request_id, "slug": "request-a-refund", "action": "helpful"},
    )
    stats = client.get(
        "/api/v1/articles/request-a-refund/stats", headers=auth(ADMIN_KEY)
    ).get_json()
    assert stats["suggestions"] == {"suggested": 2, "linked": 0, "helpful": 1, "not_helpful": 0}
    assert client.get("/api/v1/articles/nope/stats", headers=auth(ADMIN_KEY)).status_code == 404


def test_cli_keys_work_at_once_and_revocation_too(client, runner: CliRunner) -> None:
    created = runner.invoke(main, ["keys", "create", "--role", "agent", "--name", "Ann"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip().splitlines()[0]
    assert key.startswith("kb_")
    assert suggest(client, REFUND_TICKET, key).status_code == 200
    listed = runner.invoke(main, ["keys", "list"])
    assert "Ann" in listed.output and key not in listed.output
    key_id = listed.output.split()[0]
    assert runner.invoke(main, ["keys", "revoke", key_id]).exit_code == 0
    assert suggest(client, REFUND_TICKET, key).status_code == 401
    assert runner.invoke(main, ["keys", "revoke", "999"]).exit_code == 2


def test_keys_never_reach_the_logs(client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    assert suggest(client, REFUND_TICKET).status_code == 200
    assert suggest(client, REFUND_TICKET, "wrong-key-wrong-key-wrong").status_code == 401
    stats = client.get("/api/v1/articles/request-a-refund/stats", headers=auth(AGENT_KEY))
    assert stats.status_code == 403
    # the sign-in form's keys, accepted and refused, reach the code that checks them
    sign_in(client, "agent")
    sign_in(client, "agent", "wrong-key-at-sign-in-wrong", status=401)
    for key in (AGENT_KEY, "wrong-key-wrong-key-wrong", "wrong-key-at-sign-in-wrong"):
        assert key not in caplog.text


def test_bad_operator_keys_are_a_clear_error(tmp_path) -> None:
    with pytest.raises(Exception, match="KB_API_KEYS entry 1"):
        create_app({"DATA_DIR": str(tmp_path), "EMBEDDER": "hashing", "API_KEYS": "boss:short"})


def test_console_sign_in_and_suggestions_through_the_api(client) -> None:
    assert client.get("/agent").status_code == 302  # sends you to sign in
    sign_in(client, "agent", "wrong-key-wrong-key", status=401)
    sign_in(client, "agent", WRITER_KEY, status=401)
    response = sign_in(client, "agent")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and AGENT_KEY not in cookie
    assert "<h1>Inbox</h1>" in client.get("/agent").get_data(as_text=True)
    assert "agent.js" in client.get("/agent/paste").get_data(as_text=True)
    token = csrf_token(client, "/agent/paste")
    # the page's script calls the API with the session cookie and the CSRF header
    without = client.post("/api/v1/suggest", json=REFUND_TICKET)
    assert without.status_code == 400
    with_token = client.post("/api/v1/suggest", json=REFUND_TICKET, headers={"X-CSRFToken": token})
    assert with_token.status_code == 200
    body = with_token.get_json()
    feedback = client.post(
        "/api/v1/suggest/feedback",
        headers={"X-CSRFToken": token},
        json={
            "request_id": body["request_id"],
            "slug": body["suggestions"][0]["slug"],
            "action": "linked",
        },
    )
    assert feedback.status_code == 201
    # internal articles open in the console, never on the public site
    assert client.get("/agent/articles/refund-approval-rules").status_code == 200
    assert client.get("/articles/refund-approval-rules").status_code == 404


def test_console_login_needs_csrf_token(client) -> None:
    response = client.post("/agent/login", data={"key": AGENT_KEY})
    assert response.status_code == 400


def test_cli_suggest(runner: CliRunner, built) -> None:
    result = runner.invoke(
        main, ["suggest", "--json"], input='{"subject": "refund", "body": "money back please"}'
    )
    assert result.exit_code == 0, result.output
    assert '"request_id"' in result.output and "request-a-refund" in result.output
    bad = runner.invoke(main, ["suggest"], input="[1, 2]")
    assert bad.exit_code == 2 and "error:" in bad.output
