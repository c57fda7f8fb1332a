"""Help desks' "ticket solved" webhooks: Zendesk's signature (a known answer computed with
openssl), the generic X-KB-Signature, the replay window, idempotency by ticket id, and closing
the loop as tickets are solved."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from kb.delivery.webhooks import signature, verify_zendesk, zendesk_signature
from kb.errors import Unauthorized
from tests.helpers import AGENT_KEY, app_config, auth
from web import create_app

GENERIC_SECRET = "generic-webhook-secret-0123"
ZENDESK_SECRET = "dGhpcyBpcyBhIHNlY3JldA=="


def test_zendesk_signature_is_base64_hmac_of_timestamp_and_body() -> None:
    """`printf '%s' "$timestamp$body" | openssl dgst -sha256 -hmac "$secret" -binary | base64`,
    Zendesk's documented base64(HMACSHA256(TIMESTAMP + BODY))."""
    body = (
        b'{"type":"zen:event-type:ticket.status_changed","detail":{"id":"35436","status":"SOLVED"}}'
    )
    stamp = "2026-12-01T10:00:00Z"
    assert zendesk_signature(ZENDESK_SECRET, body, stamp) == (
        "F+23Y98T33GEcmtBmFWZlcOI6CZMn56FDZ9kB0M74wI="
    )
    assert zendesk_signature("sec", b"{}", stamp) == "KrzCydjlf9sJOWcSLq2qYn2COZP53k5v1AY2xHRSjQ0="


def test_zendesk_verification_refuses_wrong_old_and_missing_signatures() -> None:
    stamp = "2026-12-01T10:00:00Z"
    sent = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC).timestamp()
    good = zendesk_signature(ZENDESK_SECRET, b"{}", stamp)
    verify_zendesk(ZENDESK_SECRET, b"{}", good, stamp, now=sent + 299)
    for body, sig, when, now in (
        (b'{"x":1}', good, stamp, sent),  # another body
        (b"{}", zendesk_signature("other", b"{}", stamp), stamp, sent),  # another secret
        (b"{}", good, stamp, sent + 301),  # replayed after the window
        (b"{}", good, stamp, sent - 301),  # from the future
        (b"{}", None, stamp, sent),
        (b"{}", good, None, sent),
        (b"{}", zendesk_signature(ZENDESK_SECRET, b"{}", "yesterday"), "yesterday", sent),
    ):
        with pytest.raises(Unauthorized):
            verify_zendesk(ZENDESK_SECRET, body, sig, when, now=now)


@pytest.fixture
def hooked(built, content_dir, data_dir, embedder, database_url):
    config = app_config(
        content_dir, data_dir, embedder, database_url,
        TICKET_WEBHOOK_SECRET=GENERIC_SECRET, ZENDESK_WEBHOOK_SECRET=ZENDESK_SECRET,
    )  # fmt: skip
    return create_app(config).test_client()


def zendesk(client, payload: dict, *, secret: str = ZENDESK_SECRET, at: float | None = None):
    body = json.dumps(payload).encode()
    stamp = dt.datetime.fromtimestamp(at or time.time(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": zendesk_signature(secret, body, stamp),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }
    return client.post("/api/v1/webhooks/zendesk", data=body, headers=headers)


def generic(client, payload, *, secret: str = GENERIC_SECRET, at: int | None = None):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-KB-Signature": signature(secret, body, at)}
    return client.post("/api/v1/webhooks/tickets", data=body, headers=headers)


def event(status: str, **detail) -> dict:
    return {
        "type": "zen:event-type:ticket.status_changed",
        "account_id": 12514403,
        "id": "2b24ef10-19d4-4740-93cf-8f98ec4776c0",
        "detail": {
            "id": "35436",
            "subject": "Refund for my yearly plan",
            "description": "I paid for the yearly plan by mistake, how do I get a refund?",
            "status": status,
            "created_at": "2026-11-30T09:00:00Z",
            "via": {"channel": "email"},
            **detail,
        },
        "event": {"current": status, "previous": "OPEN"},
    }


def stored(client, ticket_id: str) -> dict:
    return client.get(f"/api/v1/tickets/{ticket_id}", headers=auth(AGENT_KEY)).get_json()


def test_a_zendesk_ticket_event_is_stored_once_and_closes_the_loop_when_solved(hooked) -> None:
    opened = zendesk(hooked, event("OPEN"))
    assert opened.status_code == 200, opened.get_json()
    assert opened.get_json()["tickets"] == [
        {"id": "35436", "status": "open", "created": True, "solved_now": False, "covered_by": None}
    ]
    ticket = stored(hooked, "35436")
    assert ticket["ticket"]["queue"] == "service"  # triaged as it arrived
    assert ticket["ticket"]["channel"] == "email"
    # The agent links an article from the ticket's suggestions, then Zendesk says it is solved.
    feedback = {
        "request_id": ticket["assist"]["request_id"],
        "slug": "request-a-refund",
        "action": "linked",
    }
    headers = auth(AGENT_KEY)
    assert (
        hooked.post("/api/v1/suggest/feedback", json=feedback, headers=headers).status_code == 201
    )
    solved = zendesk(hooked, event("SOLVED", description=None)).get_json()["tickets"][0]
    assert solved == {
        "id": "35436", "status": "solved", "created": False, "solved_now": True,
        "covered_by": "request-a-refund",
    }  # fmt: skip
    again = zendesk(hooked, event("SOLVED")).get_json()["tickets"][0]
    assert again["created"] is False and again["solved_now"] is False  # idempotent
    ticket = stored(hooked, "35436")
    assert ticket["ticket"]["linked_articles"] == ["request-a-refund"]
    assert ticket["ticket"]["status"] == "solved" and ticket["ticket"]["covered_by"]
    assert len(ticket["messages"]) == 1  # the conversation is kept, not doubled


def test_a_zendesk_trigger_body_in_this_app_s_ticket_shape(hooked) -> None:
    body = {"id": 981, "subject": "Sync", "status": "solved", "messages": [
        {"author": "customer", "body": "DBX-201 on report:final.docx, never syncs"},
        {"author": "agent", "body": "Rename the file without the colon."},
    ]}  # fmt: skip
    response = zendesk(hooked, body)
    assert response.status_code == 200
    assert response.get_json()["tickets"][0]["solved_now"] is True
    assert stored(hooked, "981")["messages"][1]["author"] == "agent"


def test_unsigned_wrong_and_replayed_deliveries_are_refused(hooked) -> None:
    assert zendesk(hooked, event("SOLVED"), secret="guessed").status_code == 401
    assert zendesk(hooked, event("SOLVED"), at=time.time() - 600).status_code == 401
    plain = hooked.post("/api/v1/webhooks/zendesk", json=event("SOLVED"))
    assert plain.status_code == 401
    assert "X-Zendesk-Webhook-Signature" in plain.get_json()["error"]["message"]
    # A bad signature is refused before the body is read: even a malformed one is a 401.
    malformed = hooked.post(
        "/api/v1/webhooks/tickets", data=b"{", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 401
    assert generic(hooked, {"id": "G-1", "messages": []}, secret="guessed").status_code == 401
    assert generic(hooked, {"id": "G-1"}, at=int(time.time()) - 600).status_code == 401
    # Nothing was stored.
    assert hooked.get("/api/v1/tickets", headers=auth(AGENT_KEY)).get_json()["total"] == 0


def test_the_generic_webhook_keeps_what_agents_linked(hooked) -> None:
    first = {
        "id": "G-7", "status": "open", "linked_articles": ["cancel-subscription"],
        "messages": [{"author": "customer", "body": "Please cancel my plan before it renews."}],
    }  # fmt: skip
    assert generic(hooked, first).get_json()["tickets"][0]["created"] is True
    solved = dict(first, status="solved", linked_articles=[])
    delivered = generic(hooked, {"tickets": [solved]}).get_json()["tickets"][0]
    assert delivered["solved_now"] is True and delivered["covered_by"] == "cancel-subscription"
    assert stored(hooked, "G-7")["ticket"]["linked_articles"] == ["cancel-subscription"]
    bad = generic(hooked, {"tickets": [solved, {"id": "", "messages": []}]})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "tickets[1].id"


def test_a_webhook_without_its_secret_is_off(client) -> None:
    assert client.post("/api/v1/webhooks/zendesk", json=event("SOLVED")).status_code == 404
    assert client.post("/api/v1/webhooks/tickets", json={"id": "x"}).status_code == 404
