"""The agents' inbox: tickets from every source newest first, triaged into queues, filtered and
paged, in the API and the console; agents set status and queue; solving keeps the articles they
linked and runs closing the loop; searching and a section as a reply."""

from __future__ import annotations

import re
import time

import pytest

from kb.errors import ConfigurationError
from kb.settings import Settings
from kb.tickets.inbox import Inbox
from tests.helpers import AGENT_KEY, WRITER_KEY, app_config, auth
from web import create_app

AGENT = auth(AGENT_KEY)


def ticket(ticket_id: str, body: str, **fields) -> dict:
    return {"id": ticket_id, "messages": [{"author": "customer", "body": body}], **fields}


REFUND = "I bought the yearly plan last week by mistake. How do I get a refund to my card?"
SYNC = "The app shows DBX-201 for report:final.docx and the file never syncs, what is wrong?"
OLD, NEWER, NEWEST = "2026-11-01T09:00:00Z", "2026-11-20T09:00:00+01:00", "2026-11-25T10:00:00Z"


def send(client, *tickets: dict) -> None:
    response = client.post("/api/v1/tickets", json={"tickets": list(tickets)}, headers=AGENT)
    assert response.status_code == 200, response.get_json()


def listing(client, query: str = "") -> dict:
    response = client.get(f"/api/v1/tickets{query}", headers=AGENT)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.fixture
def filled(client):
    send(
        client,
        ticket("T-1", REFUND, status="open", created_at=OLD, subject="Refund please"),
        ticket("T-2", SYNC, status="new", created_at=NEWEST),
        ticket("help/desk#3", "Cancel my plan, please stop the renewal.", created_at=NEWER),
    )
    return client


def test_newest_first_with_queue_category_and_how_long_each_waited(filled) -> None:
    body = listing(filled)
    assert [t["id"] for t in body["tickets"]] == ["T-2", "help/desk#3", "T-1"]
    assert body["total"] == 3
    by_id = {t["id"]: t for t in body["tickets"]}
    assert by_id["T-1"]["queue"] == "service" and by_id["T-1"]["category"] == "billing"
    assert by_id["T-2"]["queue"] == "support"
    assert by_id["T-1"]["queue_set_by"] == "triage"
    assert by_id["T-2"]["subject"].startswith("The app shows DBX-201")  # no subject: its words
    assert by_id["T-1"]["received_at"] == "2026-11-01T09:00:00+00:00"
    assert by_id["help/desk#3"]["received_at"] == "2026-11-20T08:00:00+00:00"  # read as UTC
    assert by_id["T-1"]["waited_seconds"] > by_id["T-2"]["waited_seconds"] > 0
    assert by_id["help/desk#3"]["status"] == "solved" and by_id["help/desk#3"]["waited_seconds"]


def test_filters_and_pages(filled) -> None:
    assert [t["id"] for t in listing(filled, "?queue=support")["tickets"]] == ["T-2"]
    assert [t["id"] for t in listing(filled, "?status=open")["tickets"]] == ["T-1"]
    assert listing(filled, "?category=billing&status=new")["total"] == 0
    page = listing(filled, "?limit=2&offset=2")
    assert [t["id"] for t in page["tickets"]] == ["T-1"] and page["total"] == 3
    for query, field in (("?status=x", "status"), ("?queue=sales", "queue"), ("?limit=0", "limit")):
        response = filled.get(f"/api/v1/tickets{query}", headers=AGENT)
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    assert filled.get("/api/v1/tickets", headers=auth(WRITER_KEY)).status_code == 403
    assert filled.get("/api/v1/tickets").status_code == 401


def test_a_ticket_with_its_messages_triage_and_suggestions(filled) -> None:
    response = filled.get("/api/v1/tickets/help/desk%233", headers=AGENT)
    assert response.status_code == 200
    body = response.get_json()
    assert body["ticket"]["id"] == "help/desk#3"
    assert body["messages"] == [
        {"author": "customer", "body": "Cancel my plan, please stop the renewal."}
    ]
    assert body["assist"]["suggestions"][0]["slug"] == "cancel-subscription"
    assert body["assist"]["triage"]["kind"] == "service"
    missing = filled.get("/api/v1/tickets/no-such-ticket", headers=AGENT)
    assert missing.status_code == 404


def test_an_agent_s_queue_is_kept_whatever_the_triage_says_later(filled) -> None:
    response = filled.patch("/api/v1/tickets/T-1", json={"queue": "support"}, headers=AGENT)
    assert response.status_code == 200
    assert response.get_json()["queue"] == "support"
    assert response.get_json()["queue_set_by"] == "agent"
    send(filled, ticket("T-1", REFUND + " Still waiting!", status="open", created_at=OLD))
    inbox = Inbox(filled.application.extensions["kb"].database)
    inbox.record_triage("T-1", "service", "billing", 0.9)  # as a later triage would
    assert listing(filled, "?queue=support")["total"] == 2


def test_bad_changes_are_refused_naming_the_field(filled) -> None:
    for body, field in (
        ({}, None),
        ({"status": "lost"}, "status"),
        ({"queue": "sales"}, "queue"),
        ({"linked_articles": ["request-a-refund", "no-such-article"]}, "linked_articles[1]"),
    ):
        response = filled.patch("/api/v1/tickets/T-1", json=body, headers=AGENT)
        assert response.status_code == 400, body
        assert response.get_json()["error"].get("field") == field
    missing = filled.patch("/api/v1/tickets/nope", json={"status": "open"}, headers=AGENT)
    assert missing.status_code == 404


def test_solving_keeps_the_articles_inserted_into_replies_and_closes_the_loop(filled) -> None:
    opened = filled.get("/api/v1/tickets/T-1", headers=AGENT).get_json()
    request_id = opened["assist"]["request_id"]
    feedback = {"request_id": request_id, "slug": "request-a-refund", "action": "linked"}
    assert filled.post("/api/v1/suggest/feedback", json=feedback, headers=AGENT).status_code == 201
    response = filled.patch(
        "/api/v1/tickets/T-1",
        json={"status": "solved", "linked_articles": ["cancel-subscription"]},
        headers=AGENT,
    )
    solved = response.get_json()
    assert solved["status"] == "solved" and solved["solved_at"]
    assert solved["linked_articles"] == ["cancel-subscription", "request-a-refund"]
    assert solved["covered_by"] == "cancel-subscription" and solved["gap"] is False
    # Closing the loop reads the store: the ticket is there, with no import step.
    stored = filled.application.extensions["kb"]
    assert Inbox(stored.database).store.get("T-1").linked_articles == (
        "cancel-subscription",
        "request-a-refund",
    )


def test_a_solved_gap_becomes_a_draft_in_the_background(filled, content_dir) -> None:
    """Two solved tickets no article answers, about the same thing: the second one solved
    starts draft generation in its own process, which groups them into a draft."""
    odd = "The screensaver plugin freezes the quokka widget on my desk lamp every evening."
    # An agent answered both (a group nobody answered is a gap that needs an answer, no draft).
    fix = {"author": "agent", "body": "Turn off the screensaver plugin, then restart the lamp."}
    first, second = (
        ticket("Q-1", odd, status="solved", created_at=OLD),
        ticket("Q-2", odd + " Again today.", status="open", created_at=NEWER),
    )
    first["messages"].append(fix)
    second["messages"].append(fix)
    send(filled, first, second)
    response = filled.patch("/api/v1/tickets/Q-2", json={"status": "solved"}, headers=AGENT)
    assert response.get_json()["gap"] is True
    deadline = time.monotonic() + 60
    drafts = content_dir / "drafts"
    while not any("Q-2" in p.read_text() for p in drafts.glob("*.md") if drafts.exists()):
        assert time.monotonic() < deadline, "no draft was generated for the solved gap"
        time.sleep(0.25)


def test_the_console_inbox_and_a_ticket_page(filled) -> None:
    sign_in(filled)
    page = filled.get("/agent").get_data(as_text=True)
    assert "<h1>Inbox</h1>" in page
    assert page.index("T-2") < page.index("help/desk#3") < page.index("T-1")
    assert "Service</span>" in page and "orders, billing, account" in page
    assert filled.get("/agent?status=lost").status_code == 400
    assert filled.get("/agent?page=x").status_code == 400
    ticket_page = filled.get("/agent/tickets/T-1").get_data(as_text=True)
    assert REFUND in ticket_page
    assert "Service: orders, billing, account" in ticket_page
    assert "best match:" in ticket_page  # the triage's reasons
    assert 'data-slug="request-a-refund"' in ticket_page and "Insert answer" in ticket_page
    assert "ticket.js" in ticket_page and 'id="reply"' in ticket_page
    assert filled.get("/agent/tickets/no-such-ticket").status_code == 404


def test_the_console_form_sets_status_and_queue(filled) -> None:
    token = sign_in(filled)
    response = filled.post(
        "/agent/tickets/T-2",
        data={"status": "open", "queue": "service", "csrf_token": token},
    )
    assert response.status_code == 302
    row = listing(filled, "?status=open&queue=service")["tickets"]
    assert [t["id"] for t in row] == ["T-2", "T-1"]
    assert filled.post("/agent/tickets/T-2", data={"status": "open"}).status_code == 400  # CSRF


def test_agents_search_and_read_internal_articles(client) -> None:
    body = client.get("/api/v1/agent/search?q=approve+refund+manager", headers=AGENT).get_json()
    top = body["results"][0]
    assert top["slug"] == "refund-approval-rules" and top["audience"] == "internal"
    assert top["url"] == "/agent/articles/refund-approval-rules#approval-limits"
    assert client.get("/api/v1/agent/search?q=", headers=AGENT).status_code == 400
    sign_in(client)
    page = client.get("/agent/search?q=approve+refund+manager").get_data(as_text=True)
    assert "Refund approval rules" in page and "Internal" in page
    handbook = client.get("/agent/handbook").get_data(as_text=True)
    assert "/agent/articles/refund-approval-rules" in handbook
    article = client.get("/agent/articles/refund-approval-rules").get_data(as_text=True)
    assert 'href="/agent/handbook">Agent handbook</a>' in article
    assert 'id="agent-header-q"' in article  # the header search covers internal articles
    assert "Contact support" not in article  # the staff footer, not the customers'


def test_a_section_as_a_reply(client) -> None:
    response = client.get(
        "/api/v1/agent/articles/request-a-refund/answer?anchor=how-to-ask-for-a-refund",
        headers=AGENT,
    )
    body = response.get_json()
    url = "http://localhost/articles/request-a-refund#how-to-ask-for-a-refund"
    assert body["url"] == url
    assert body["answer"]["text"] == (
        "How to ask for a refund:\n\n"
        "1. Open Settings > Billing.\n"
        "2. Click Request refund and pick a reason.\n\n"
        "Plan · Refund window\nYearly · 14 days\nMonthly · none\n\n"
        "How long it takes:\n\nRefunds take 5-10 business days to reach your bank.\n\n"  # its H3
        f"More in “Request a refund”: {url}"
    )
    assert "1. Open **Settings > Billing**." in body["answer"]["markdown"]
    assert body["link"]["text"] == f"Request a refund › How to ask for a refund: {url}"
    assert "<ol>" in body["html"]
    cancel = client.get(
        "/api/v1/agent/articles/cancel-subscription/answer?anchor=what-happens-to-your-files",
        headers=AGENT,
    ).get_json()
    # a link to another public article goes to its address, for the customer to open
    assert (
        "refunds (http://localhost/articles/request-a-refund#who-can-get-a-refund)"
        in cancel["answer"]["text"]
    )
    internal = client.get(
        "/api/v1/agent/articles/refund-approval-rules/answer?anchor=approval-limits",
        headers=AGENT,
    ).get_json()
    assert internal["answer"] is None and internal["link"] is None  # not for customers
    assert "$200" in internal["html"]  # the preview
    for path in ("no-such/answer", "request-a-refund/answer?anchor=nope"):
        assert client.get(f"/api/v1/agent/articles/{path}", headers=AGENT).status_code == 404


def sign_in(client) -> str:
    """Sign the client in as an agent; returns the session's CSRF token."""

    def token(path: str) -> str:
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    client.post("/agent/login", data={"key": AGENT_KEY, "csrf_token": token("/agent/login")})
    return token("/agent")  # a new session has a new token (the sign-out form carries it)


@pytest.fixture
def framed_app(built, content_dir, data_dir, embedder, database_url):
    origins = "https://acme.zendesk.com, http://127.0.0.1:8123"
    return create_app(
        app_config(content_dir, data_dir, embedder, database_url, SIDEBAR_ORIGINS=origins)
    )


def test_only_the_configured_help_desks_may_frame_the_sidebar(framed_app, client) -> None:
    framed = framed_app.test_client().get("/agent/sidebar")
    assert framed.status_code == 200  # no session: it uses the key the help desk passes it
    policy = framed.headers["Content-Security-Policy"]
    assert "frame-ancestors https://acme.zendesk.com http://127.0.0.1:8123;" in policy + ";"
    assert "script-src 'self'" in policy
    assert "X-Frame-Options" not in framed.headers
    assert 'data-origins="https://acme.zendesk.com http://127.0.0.1:8123"' in framed.get_data(
        as_text=True
    )
    for path in ("/agent/login", "/", "/agent"):  # every other page stays unframeable
        other = framed_app.test_client().get(path)
        assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]
        assert other.headers["X-Frame-Options"] == "DENY"
    unset = client.get("/agent/sidebar")  # no origins configured: nobody may frame it
    assert "frame-ancestors 'none'" in unset.headers["Content-Security-Policy"]
    assert unset.headers["X-Frame-Options"] == "DENY"


def test_sidebar_origins_must_be_origins() -> None:
    assert Settings.from_mapping({"SIDEBAR_ORIGINS": "https://a.zendesk.com, http://b:81"})
    for bad in ("https://a.zendesk.com/agent", "a.zendesk.com", "javascript:alert(1)"):
        with pytest.raises(ConfigurationError, match="KB_SIDEBAR_ORIGINS"):
            Settings.from_mapping({"SIDEBAR_ORIGINS": bad})


def test_a_ticket_with_nothing_to_search_still_opens(filled) -> None:
    # A ticket of blank messages, and one over the suggestions' 100,000 characters: agents
    # still read them (in the API and the console), with no suggestions, instead of an error.
    long = "My export keeps failing with a timeout. " * 2600
    send(filled, ticket("T-blank", "  \n "), ticket("T-long", long, status="open"))
    for ticket_id in ("T-blank", "T-long"):
        response = filled.get(f"/api/v1/tickets/{ticket_id}", headers=AGENT)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["assist"] is None
        assert response.get_json()["messages"][0]["body"].startswith(("  ", "My export"))
    assert listing(filled, "?status=open")["total"] == 2  # listed, though never triaged
    sign_in(filled)
    page = filled.get("/agent/tickets/T-long")
    assert page.status_code == 200
    assert "No suggestions" in page.get_data(as_text=True)
    assert 'id="search-form"' in page.get_data(as_text=True)
