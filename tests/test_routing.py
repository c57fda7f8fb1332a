"""Routing tickets to their queue: the queue settings are checked at start, the contact form
hands each ticket to the queue its triage names (in the transaction that writes it), /metrics
shows the outbox's backlog, and `kb outbox deliver` sends it."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kb.assist.suggestions import AgentAssist
from kb.delivery.outbox import Deliverer, notify_queue
from kb.errors import ConfigurationError
from kb.settings import Settings
from kb.state.database import Database
from kb.tickets.store import TicketStore
from tests.helpers import app_config, csrf_token, rows, services
from tests.receiver import SECRET, Receiver
from web import create_app

WEBHOOK = "https://hooks.example.com/kb"
CONTACT = {
    "name": "Jane Doe",
    "email": "jane@example.com",
    "confirm": "1",  # sent after the suggestions were seen
}
BILLING = {
    "subject": "Refund for a double charge",
    "description": "My card was charged twice for the yearly plan; please refund one payment.",
}
TECHNICAL = {
    "subject": "Sync fails with an error",
    "description": "The desktop app crashes with a sync error whenever I upload a large file.",
}


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"KB_QUEUE_SERVICE_WEBHOOK": "ftp://hooks.example.com/kb"}, "KB_QUEUE_SERVICE_WEBHOOK"),
        ({"KB_QUEUE_SUPPORT_WEBHOOK": "hooks.example.com/kb"}, "KB_QUEUE_SUPPORT_WEBHOOK"),
        ({"KB_QUEUE_SUPPORT_WEBHOOK": WEBHOOK}, "KB_QUEUE_WEBHOOK_SECRET"),
        (
            {"KB_QUEUE_SERVICE_WEBHOOK": WEBHOOK, "KB_QUEUE_WEBHOOK_SECRET": "short"},
            "KB_QUEUE_WEBHOOK_SECRET",
        ),
        (
            {"KB_QUEUE_SERVICE_EMAIL": "billing team", "KB_SMTP_URL": "smtp://127.0.0.1:25"},
            "KB_QUEUE_SERVICE_EMAIL",
        ),
        ({"KB_QUEUE_SUPPORT_EMAIL": "support@example.com"}, "KB_QUEUE_SUPPORT_EMAIL"),
    ],
)
def test_bad_queue_settings_name_the_variable(environ: dict, named: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env(environ)
    assert named in str(error.value)


def test_the_app_and_the_cli_refuse_to_start_with_a_bad_queue_setting(runner, monkeypatch):
    from cli import main  # noqa: PLC0415

    monkeypatch.setenv("KB_QUEUE_SERVICE_WEBHOOK", "not a url")
    result = runner.invoke(main, ["outbox", "status"])
    assert result.exit_code == 2 and "KB_QUEUE_SERVICE_WEBHOOK" in result.output
    with pytest.raises(ConfigurationError, match="KB_QUEUE_SERVICE_WEBHOOK"):
        create_app({"QUEUE_SERVICE_WEBHOOK": "not a url"})


@pytest.fixture
def routed(built, content_dir, data_dir, embedder, database_url):
    """The app with a webhook for each queue (no receiver: the tests deliver themselves)."""
    return create_app(
        app_config(
            content_dir, data_dir, embedder, database_url,
            QUEUE_SERVICE_WEBHOOK=WEBHOOK, QUEUE_SUPPORT_WEBHOOK=WEBHOOK + "/support",
            QUEUE_WEBHOOK_SECRET=SECRET, METRICS_TOKEN="metrics-token-0123456789",
        )
    )  # fmt: skip


def send_contact(app, form: dict) -> str:
    client = app.test_client()
    token = csrf_token(client, "/contact")
    response = client.post("/contact", data={**CONTACT, **form, "csrf_token": token})
    html = response.get_data(as_text=True)
    found = re.search(r"Your reference is <strong>([\w-]+)</strong>", html)
    assert response.status_code == 200 and found, html
    return found.group(1)


def test_a_contact_ticket_goes_to_the_queue_its_triage_names(routed) -> None:
    billing = send_contact(routed, BILLING)
    technical = send_contact(routed, TECHNICAL)
    outbox = rows(routed, "SELECT ticket_id, destination, status FROM outbox ORDER BY id")
    assert outbox == [
        (billing, "service:webhook", "pending"),
        (technical, "support:webhook", "pending"),
    ]


def test_a_contact_ticket_is_triaged_once_and_listed_in_the_queue_it_was_sent_to(
    routed, monkeypatch
) -> None:
    searches = []
    ranked = AgentAssist.ranked
    monkeypatch.setattr(
        AgentAssist, "ranked", lambda self, *a: searches.append(1) or ranked(self, *a)
    )
    billing = send_contact(routed, BILLING)
    assert len(searches) == 1  # one search decides the queue it is sent to and the inbox's
    listed = rows(routed, "SELECT queue, queue_set_by, category FROM tickets WHERE id = ?", billing)
    (destination,) = rows(routed, "SELECT destination FROM outbox WHERE ticket_id = ?", billing)
    assert listed[0][:2] == ("service", "triage") and listed[0][2]
    assert destination == ("service:webhook",)


def test_the_routed_ticket_reaches_the_receiver_whole(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    receiver = Receiver()
    app = create_app(
        app_config(
            content_dir, data_dir, embedder, database_url,
            QUEUE_SERVICE_WEBHOOK=receiver.url, QUEUE_WEBHOOK_SECRET=SECRET,
        )
    )  # fmt: skip
    ticket_id = send_contact(app, {**BILLING, "shown": "request-a-refund"})
    send_contact(app, TECHNICAL)  # support has no destination: the agent inbox only
    run = Deliverer(services(app).database, services(app).settings).deliver_all_due()
    receiver.stop()
    assert (run.delivered, run.attempted) == (1, 1)
    (sent,) = receiver.bodies.values()
    assert sent["delivery_id"] == f"{ticket_id}/service:webhook"
    assert sent["ticket"] == {
        "id": ticket_id,
        "subject": BILLING["subject"],
        "channel": "web-form",
        "requester": {"name": "Jane Doe", "email": "jane@example.com"},
        "messages": [{"author": "customer", "body": BILLING["description"]}],
        "shown_articles": ["request-a-refund"],
        "category": sent["ticket"]["category"],  # the triage's, from the fixture corpus
    }
    assert sent["ticket"]["category"]


def test_without_destinations_a_ticket_stays_in_the_inbox_only(client, app) -> None:
    send_contact(app, BILLING)
    assert rows(app, "SELECT COUNT(*) FROM tickets") == [(1,)]
    assert rows(app, "SELECT COUNT(*) FROM outbox") == [(0,)]


def test_the_ticket_and_its_delivery_are_written_together_or_not_at_all(
    tmp_path, make_database
) -> None:
    database = make_database()
    settings = Settings.from_mapping(
        {"DATA_DIR": tmp_path, "QUEUE_SERVICE_WEBHOOK": WEBHOOK, "QUEUE_WEBHOOK_SECRET": SECRET}
    )

    def route(connection, ticket_id: str) -> None:
        notify_queue(database, settings, ticket_id, "service", {"id": ticket_id}, within=connection)
        raise RuntimeError("the process died here")

    with pytest.raises(RuntimeError):
        TicketStore(database).create_from_contact("Jane", "j@example.com", "S", "D", [], then=route)
    with database.connect() as connection:
        counts = [
            connection.execute(f"SELECT COUNT(*) FROM {t}").scalar() for t in ("tickets", "outbox")
        ]
    assert counts == [0, 0]


def test_metrics_show_the_outbox_backlog(routed) -> None:
    send_contact(routed, BILLING)
    send_contact(routed, TECHNICAL)
    response = routed.test_client().get(
        "/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"}
    )
    figures = {
        sample.name: sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }
    assert figures["kb_outbox_backlog"] == 2 and figures["kb_outbox_failed"] == 0
    assert figures["kb_outbox_oldest_pending_age_seconds"] >= 0


def test_kb_outbox_deliver_sends_what_is_due(runner, monkeypatch, database_url, data_dir) -> None:
    from cli import main  # noqa: PLC0415

    receiver = Receiver()
    monkeypatch.setenv("KB_QUEUE_SUPPORT_WEBHOOK", receiver.url)
    monkeypatch.setenv("KB_QUEUE_WEBHOOK_SECRET", SECRET)
    settings = Settings.from_env()
    database = Database.for_settings(settings)
    notify_queue(database, settings, "web-1", "support", {"subject": "Sync fails"})
    delivered = runner.invoke(main, ["outbox", "deliver"])
    status = runner.invoke(main, ["outbox", "status", "--json"])
    receiver.stop()
    assert delivered.exit_code == 0, delivered.output
    assert "1 delivered, 0 to retry, 0 failed" in delivered.output
    assert list(receiver.processed) == ["web-1"]
    assert status.exit_code == 0 and '"delivered": 1' in status.output
