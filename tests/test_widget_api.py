"""The help widget's API: conversations with the answer bot (start, follow up, resolve, rate,
hand over to a person), contextual suggestions for a page, CORS only for KB_WIDGET_ORIGINS,
rate limits, and conversations nobody else's browser can reach."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from kb.analytics.figures import DateRange
from kb.analytics.insights import Insights
from kb.bot.figures import bot_figures
from kb.delivery.outbox import Deliverer
from kb.tickets.store import TicketStore
from tests.helpers import FIXTURES, HIDDEN_SLUGS, app_config, rows, services
from tests.receiver import SECRET as RECEIVER_SECRET
from tests.receiver import Receiver
from web import create_app

SITE = "https://shop.example.com"
START = "/api/v1/conversations"
PAGE = f"{SITE}/billing/refunds?order=123#top"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """The fixture corpus, the refund article saying it helps on the shop's billing pages."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURES / "content", target)
    refund = target / "billing" / "request-a-refund.md"
    refund.write_text(refund.read_text().replace("tags:", 'context: ["/billing/*"]\ntags:', 1))
    return target


@pytest.fixture
def app(built, content_dir, data_dir, embedder, database_url):
    config = app_config(content_dir, data_dir, embedder, database_url, WIDGET_ORIGINS=SITE)
    return create_app(config)


def start(client, message: str = "how do I ask for a refund", **headers):
    return client.post(START, json={"message": message, "page_url": PAGE}, headers=headers)


def test_a_conversation_answers_follows_up_and_is_resolved_and_rated(client) -> None:
    response = start(client)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    conversation_id, reply = body["conversation_id"], body["reply"]
    assert len(conversation_id) >= 32
    assert reply["answer"]["slug"] == "request-a-refund"
    assert reply["answer"]["url"].startswith("http://localhost/articles/request-a-refund#")
    assert "<li>" in reply["answer"]["html"] and len(reply["alternatives"]) <= 2
    assert reply["no_good_match"] is False and reply["offer_handoff"] is False
    cookie = response.headers["Set-Cookie"]
    assert "kb_widget=" in cookie and "HttpOnly" in cookie
    follow_up = client.post(f"{START}/{conversation_id}/messages", json={"message": "how long?"})
    assert follow_up.status_code == 200
    assert follow_up.get_json()["reply"]["answer"]["slug"] == "request-a-refund"
    rate = client.post(f"{START}/{conversation_id}/rating", json={"rating": 5})
    assert rate.status_code == 409 and rate.get_json()["error"]["field"] == "rating"
    done = client.post(f"{START}/{conversation_id}/resolved")
    assert done.get_json() == {"conversation_id": conversation_id, "status": "resolved",
                               "rating": None}  # fmt: skip
    assert client.post(f"{START}/{conversation_id}/rating", json={"rating": 4}).status_code == 200
    ended = client.post(f"{START}/{conversation_id}/messages", json={"message": "and more?"})
    assert ended.status_code == 409
    assert rows(client.application, "SELECT status, rating, page_url FROM conversations") == [
        ("resolved", 4, f"{SITE}/billing/refunds")
    ]


def test_nothing_answers_is_honest_and_joins_the_no_result_searches(client) -> None:
    reply = start(client, "qwxzv plokmn").get_json()["reply"]
    assert reply == {"answer": None, "alternatives": [], "no_good_match": True,
                     "offer_handoff": True}  # fmt: skip
    assert rows(client.application, "SELECT query, mode, results FROM search_log") == [
        ("qwxzv plokmn", "bot", 0)
    ]


def test_handing_over_creates_a_triaged_ticket_with_the_whole_conversation(client) -> None:
    conversation_id = start(client).get_json()["conversation_id"]
    client.post(f"{START}/{conversation_id}/messages", json={"message": "talk to a person"})
    response = client.post(
        f"{START}/{conversation_id}/handoff",
        json={"email": "jane@example.com", "message": "I paid for a year by mistake"},
    )
    assert response.status_code == 201, response.get_json()
    handed = response.get_json()
    assert handed["queue"] == "service" and handed["conversation_id"] == conversation_id
    ticket = TicketStore(services(client.application).database).get(handed["ticket_id"])
    assert ticket is not None and ticket.channel == "widget" and ticket.status == "new"
    text = ticket.customer_text()
    assert text.startswith("I paid for a year by mistake")
    assert "Customer: how do I ask for a refund" in text and "Customer: talk to a person" in text
    assert "Bot answered: Request a refund" in text and "/articles/request-a-refund#" in text
    assert f"{SITE}/billing/refunds" in text
    assert rows(client.application, "SELECT queue FROM tickets") == [("service",)]  # the inbox's
    shown = rows(client.application, "SELECT shown_articles, requester FROM tickets")
    assert "request-a-refund" in shown[0][0] and "jane@example.com" in shown[0][1]
    assert rows(client.application, "SELECT status, ticket_id, queue FROM conversations") == [
        ("handed_over", handed["ticket_id"], "service")
    ]
    again = client.post(f"{START}/{conversation_id}/handoff", json={"email": "jane@example.com"})
    assert again.status_code == 409


def test_a_technical_problem_goes_to_the_support_queue(client) -> None:
    conversation_id = start(client, "sync error DBX-201 invalid file name").get_json()[
        "conversation_id"
    ]
    handed = client.post(f"{START}/{conversation_id}/handoff", json={"email": "a@example.com"})
    assert handed.get_json()["queue"] == "support"


def test_another_browser_or_an_unknown_id_gets_404(app, client) -> None:
    conversation_id = start(client).get_json()["conversation_id"]
    stranger = app.test_client()
    for path, body in (
        ("messages", {"message": "hello"}),
        ("handoff", {"email": "x@example.com"}),
        ("rating", {"rating": 5}),
    ):
        response = stranger.post(f"{START}/{conversation_id}/{path}", json=body)
        assert response.status_code == 404, path
    unknown = client.post(f"{START}/{'x' * 32}/messages", json={"message": "hello"})
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"page_url": PAGE}, "message"),
        ({"message": "", "page_url": PAGE}, "message"),
        ({"message": "   ", "page_url": PAGE}, "message"),
        ({"message": "x" * 1001, "page_url": PAGE}, "message"),
        ({"message": "refund", "page_url": "javascript:alert(1)"}, "page_url"),
        ({"message": 7, "page_url": PAGE}, "message"),
    ],
)
def test_bad_input_names_the_field(client, body: dict, field: str) -> None:
    response = client.post(START, json=body)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field


def test_bad_handoff_and_rating_name_the_field(client) -> None:
    conversation_id = start(client).get_json()["conversation_id"]
    handoff = client.post(f"{START}/{conversation_id}/handoff", json={"email": "not-an-address"})
    assert handoff.status_code == 400 and handoff.get_json()["error"]["field"] == "email"
    client.post(f"{START}/{conversation_id}/resolved")
    for rating in (0, 6, "5", 2.5):
        response = client.post(f"{START}/{conversation_id}/rating", json={"rating": rating})
        assert response.status_code == 400 and response.get_json()["error"]["field"] == "rating"


def test_cors_answers_only_the_allowed_sites(client) -> None:
    allowed = start(client, Origin=SITE)
    assert allowed.status_code == 201
    assert allowed.headers["Access-Control-Allow-Origin"] == SITE
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    preflight = client.options(
        START, headers={"Origin": SITE, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    other = start(client, Origin="https://evil.example")
    assert other.status_code == 403 and "Access-Control-Allow-Origin" not in other.headers
    context = client.get(f"/api/v1/widget?page_url={SITE}/", headers={"Origin": "https://x.io"})
    assert context.status_code == 403 and "Access-Control-Allow-Origin" not in context.headers


def test_the_widget_opens_with_the_pages_articles(client) -> None:
    body = client.get("/api/v1/widget", query_string={"page_url": PAGE}).get_json()
    assert [s["slug"] for s in body["suggestions"]] == ["request-a-refund"]
    assert body["suggestions"][0]["url"] == "http://localhost/articles/request-a-refund"
    elsewhere = client.get("/api/v1/widget", query_string={"page_url": f"{SITE}/files"})
    assert elsewhere.get_json()["suggestions"] == []
    bad = client.get("/api/v1/widget", query_string={"page_url": "ftp://x"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "page_url"


def test_only_public_articles_reach_the_widget(client) -> None:
    for message in ("refund approval limits", "offline vault preview"):
        reply = start(client, message).get_json()["reply"]
        shown = [c["slug"] for c in [reply["answer"], *reply["alternatives"]] if c]
        assert not set(shown) & HIDDEN_SLUGS


def test_conversations_are_rate_limited(built, content_dir, data_dir, embedder, database_url):
    config = app_config(
        content_dir, data_dir, embedder, database_url, CONVERSATION_RATE_LIMIT="2 per minute"
    )
    client = create_app(config).test_client()
    assert [start(client).status_code for _ in range(3)] == [201, 201, 429]


def test_the_script_is_served(client) -> None:
    with client.get("/widget.js") as response:
        assert response.status_code == 200 and "attachShadow" in response.get_data(as_text=True)
        assert "javascript" in response.headers["Content-Type"]


def test_the_bots_figures_count_how_conversations_ended(client) -> None:
    database = services(client.application).database
    assert bot_figures(database, DateRange.last(30))["conversations"] == 0
    solved = start(client).get_json()["conversation_id"]
    client.post(f"{START}/{solved}/resolved")
    client.post(f"{START}/{solved}/rating", json={"rating": 4})
    handed = start(client, "qwxzv plokmn").get_json()["conversation_id"]
    client.post(f"{START}/{handed}/handoff", json={"email": "a@example.com"})
    start(client, "cancel my subscription")
    figures = bot_figures(database, DateRange.last(30))
    assert {key: figures[key] for key in figures if key not in ("from", "to")} == {
        "conversations": 3,
        "resolved_by_bot": 1,
        "automated_resolution_rate": 0.333,
        "handed_over": 1,
        "handover_rate": 0.333,
        "ratings": 1,
        "satisfaction": 4.0,
        "unanswered_questions": 1,
        **{f"rated_{score}": int(score == 4) for score in range(1, 6)},
    }


@pytest.mark.parametrize("message", ["?!", "🙂", "-", "a" * 1000, "no", "DBX-302 !!", "'; DROP"])
def test_any_message_gets_a_reply(client, message: str) -> None:
    response = start(client, message)
    assert response.status_code == 201, response.get_json()
    conversation_id = response.get_json()["conversation_id"]
    again = client.post(f"{START}/{conversation_id}/messages", json={"message": message})
    assert again.status_code == 200, again.get_json()


def test_an_unreadable_page_address_is_kept_as_nothing(client) -> None:
    response = client.post(START, json={"message": "refund", "page_url": "http://[oops"})
    assert response.status_code == 201
    context = client.get("/api/v1/widget", query_string={"page_url": "http://[oops"})
    assert context.status_code == 200 and context.get_json()["suggestions"] == []


def test_a_handed_over_ticket_is_delivered_to_its_queue(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    """The hand-over's ticket goes out from the outbox to the service queue's webhook, with the
    transcript, the page and the articles shown; written with the ticket, delivered once."""
    receiver = Receiver()
    app = create_app(
        app_config(
            content_dir, data_dir, embedder, database_url, WIDGET_ORIGINS=SITE,
            QUEUE_SERVICE_WEBHOOK=receiver.url, QUEUE_WEBHOOK_SECRET=RECEIVER_SECRET,
        )
    )  # fmt: skip
    client = app.test_client()
    conversation_id = start(client).get_json()["conversation_id"]
    handed = client.post(
        f"{START}/{conversation_id}/handoff",
        json={"email": "jane@example.com", "message": "I paid for a year by mistake"},
    ).get_json()
    assert handed["queue"] == "service"
    assert rows(app, "SELECT ticket_id, destination FROM outbox") == [
        (handed["ticket_id"], "service:webhook")
    ]
    run = Deliverer(services(app).database, services(app).settings).deliver_all_due()
    receiver.stop()
    assert run.delivered == 1
    (sent,) = receiver.bodies.values()
    ticket = sent["ticket"]
    assert ticket["id"] == handed["ticket_id"] and ticket["channel"] == "widget"
    assert ticket["page_url"] == f"{SITE}/billing/refunds"  # without its query and fragment
    assert "request-a-refund" in ticket["shown_articles"]
    assert ticket["requester"]["email"] == "jane@example.com"
    assert "Customer: how do I ask for a refund" in ticket["messages"][0]["body"]


def test_what_the_bot_could_not_answer_is_a_bot_question_in_the_gap_queue(client) -> None:
    """Listed under "Bot questions" (to start a draft from), not among failed searches."""
    for _ in range(2):
        start(client, "qwxzv plokmn")
    client.application.extensions["kb"].events.flush()
    found = services(client.application)
    today = dt.date.today().isoformat()
    gaps = Insights(found.database, found.settings.content_dir, {}).gaps(DateRange(today, today))
    assert [(g.kind, g.title, g.affected) for g in gaps] == [("bot", "qwxzv plokmn", 1)]
    assert gaps[0].detail == "asked the answer bot 2 times, nothing answered"


def test_the_trends_show_the_share_of_conversations_the_bot_resolved(client) -> None:
    """One conversation marked solved of two started: 50 % in the day's row and the tile."""
    solved = start(client).get_json()["conversation_id"]
    client.post(f"{START}/{solved}/resolved")
    start(client, "talk to a person")
    found = services(client.application)
    today = dt.date.today().isoformat()
    insights = Insights(found.database, found.settings.content_dir, {})
    (row,) = insights.figure("trends", DateRange(today, today))
    assert (row["conversations"], row["resolved_by_bot"]) == (2, 1)
    assert row["automated_resolution_rate"] == 0.5
    summary = insights.figure("summary", DateRange(today, today))
    assert summary["automated_resolution_rate"] == 0.5
