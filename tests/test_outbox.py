"""The outbox delivers every ticket handed to a queue, at least once, to real receivers: an HTTP
receiver that fails, times out, is down and recovers (deduplicating by delivery id), an SMTP
server that is down and then up, and two deliverers running at once. Time is a clock the tests
move: nothing sleeps for a backoff."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections import Counter

import pytest

from kb.delivery.outbox import (
    GIVE_UP_AFTER,
    Backlog,
    Deliverer,
    backlog,
    backoff,
    notify_queue,
    rows_with_status,
)
from kb.delivery.sending import DELIVERY_ID_HEADER
from kb.settings import Settings
from tests.mailbox import Mailbox
from tests.receiver import SECRET, Receiver

START = dt.datetime(2026, 12, 1, 5, 0, tzinfo=dt.UTC)


class Clock:
    """The deliverer's time: moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def queue_settings(tmp_path, **values: str) -> Settings:
    return Settings.from_mapping(
        {"DATA_DIR": tmp_path, "QUEUE_WEBHOOK_SECRET": SECRET, "SMTP_URL": "", **values}
    )


def hand_over(database, settings: Settings, clock: Clock, *ticket_ids: str) -> None:
    for ticket_id in ticket_ids:
        payload = {"id": ticket_id, "subject": f"Refund for {ticket_id}"}
        notify_queue(database, settings, ticket_id, "service", payload, clock=clock)


def test_no_ticket_is_lost_or_processed_twice_while_the_receiver_fails_times_out_and_is_down(
    tmp_path, make_database, receiver: Receiver
) -> None:
    clock = Clock()
    database = make_database()
    settings = queue_settings(tmp_path, QUEUE_SERVICE_WEBHOOK=receiver.url)
    tickets = ("web-1", "web-2", "web-3")
    hand_over(database, settings, clock, *tickets)
    hand_over(database, settings, clock, "web-2")  # again: changes nothing
    deliverer = Deliverer(database, settings, clock=clock, jitter=lambda: 1.0, timeout=0.3)

    receiver.mode = "fail"
    assert deliverer.deliver_all_due().retrying == 3
    assert deliverer.deliver_all_due().attempted == 0  # not due again before its backoff
    clock.advance(hours=2)
    receiver.mode = "slow"  # processed, but the answer comes after the sender gave up
    assert deliverer.deliver_all_due().retrying == 3
    clock.advance(hours=2)
    receiver.stop()  # down: connection refused
    assert deliverer.deliver_all_due().retrying == 3
    assert all("Connection refused" in row["last_error"] for row in _rows(database))
    clock.advance(hours=2)
    receiver.start()  # back, at the same address, and answering
    receiver.mode = "ok"
    assert deliverer.deliver_all_due().delivered == 3
    clock.advance(hours=2)
    assert deliverer.deliver_all_due().attempted == 0

    # Each ticket was sent again after every failure it saw (at least once: the slow answers
    # made the receiver see each twice) and was processed once.
    assert Counter(receiver.receipts) == dict.fromkeys(
        [f"{ticket}/service:webhook" for ticket in tickets], 3
    )
    assert dict(receiver.processed) == dict.fromkeys(tickets, 1)
    assert {row["status"] for row in _rows(database)} == {"delivered"}
    assert [row["attempts"] for row in _rows(database)] == [4, 4, 4]
    sent = receiver.bodies["web-2/service:webhook"]
    assert sent["queue"] == "service" and sent["ticket"]["subject"] == "Refund for web-2"
    assert backlog(database, clock) == Backlog(pending=0, delivered=3, failed=0,
                                               oldest_pending_seconds=0.0)  # fmt: skip


def test_the_wait_doubles_from_30_seconds_to_an_hour_with_jitter() -> None:
    waits = [backoff(attempt, 1.0).total_seconds() for attempt in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff(1, 0.0).total_seconds() == 15 and backoff(200, 0.5).total_seconds() == 2700


def test_a_failed_row_is_due_again_after_its_backoff_only(tmp_path, make_database) -> None:
    clock = Clock()
    database = make_database()
    settings = queue_settings(tmp_path, QUEUE_SERVICE_WEBHOOK=f"http://127.0.0.1:{free_port()}/")
    hand_over(database, settings, clock, "web-1")
    deliverer = Deliverer(database, settings, clock=clock, jitter=lambda: 1.0, timeout=0.3)
    tried = []
    for step in (0, 29, 1, 59, 1, 119, 1):
        clock.advance(seconds=step)
        tried.append(deliverer.deliver_all_due().attempted)
    assert tried == [1, 0, 1, 0, 1, 0, 1]


def test_a_row_failing_for_three_days_is_failed_kept_and_not_retried(
    tmp_path, make_database, runner, monkeypatch
) -> None:
    clock = Clock()
    database = make_database()
    settings = queue_settings(tmp_path, QUEUE_SERVICE_WEBHOOK=f"http://127.0.0.1:{free_port()}/")
    hand_over(database, settings, clock, "web-1", "web-2")
    deliverer = Deliverer(database, settings, clock=clock, timeout=0.3)
    assert deliverer.deliver_all_due().retrying == 2
    clock.now = START + GIVE_UP_AFTER - dt.timedelta(hours=1)
    assert deliverer.deliver_all_due().retrying == 2
    clock.now = START + GIVE_UP_AFTER
    assert deliverer.deliver_all_due().failed == 2
    clock.advance(days=30)
    assert deliverer.deliver_all_due().attempted == 0
    failed = rows_with_status(database, "failed")
    assert sorted(row["ticket_id"] for row in failed) == ["web-1", "web-2"]
    assert all(row["attempts"] == 3 and row["last_error"] for row in failed)
    assert backlog(database, clock).failed == 2

    monkeypatch.setenv("KB_DATABASE_URL", str(database.url))
    status = runner.invoke(_cli(), ["outbox", "status"])
    assert status.exit_code == 1
    assert "0 waiting" in status.output and "2 failed" in status.output
    assert "failed: ticket web-1 to service:webhook after 3 attempts" in status.output


def test_email_waits_for_the_smtp_server_and_carries_the_delivery_id(
    tmp_path, make_database
) -> None:
    clock = Clock()
    database = make_database()
    mailbox = Mailbox()  # not started yet: its port refuses connections
    settings = queue_settings(
        tmp_path, QUEUE_SERVICE_EMAIL="billing-team@example.com", SMTP_URL=mailbox.url
    )
    payload = {
        "subject": "Charged twice",
        "requester": {"name": "Jane Doe", "email": "jane@example.com"},
        "messages": [{"author": "customer", "body": "I was charged twice for March."}],
    }
    notify_queue(database, settings, "web-7", "service", payload, clock=clock)
    deliverer = Deliverer(database, settings, clock=clock, jitter=lambda: 1.0)
    assert deliverer.deliver_all_due().retrying == 1
    clock.advance(minutes=1)
    with mailbox:
        assert deliverer.deliver_all_due().delivered == 1
        (message,) = mailbox.wait_for(1)
        clock.advance(hours=1)
        assert deliverer.deliver_all_due().attempted == 0
    assert message["To"] == "billing-team@example.com"
    assert message[DELIVERY_ID_HEADER] == "web-7/service:email"
    assert "Charged twice" in message["Subject"]
    text = message.get_content()
    assert "Jane Doe <jane@example.com>" in text and "I was charged twice for March." in text


def test_two_deliverers_at_once_never_send_the_same_row_twice(tmp_path, make_database) -> None:
    receiver = Receiver(delay=0.002)  # each answer takes a moment, so the runs overlap
    clock = Clock()
    settings = queue_settings(tmp_path, QUEUE_SERVICE_WEBHOOK=receiver.url)
    tickets = [f"web-{n}" for n in range(40)]
    hand_over(make_database(), settings, clock, *tickets)
    deliverers = [Deliverer(make_database(), settings, clock=clock) for _ in range(2)]
    start = threading.Barrier(2)
    runs = []

    def deliver(deliverer: Deliverer) -> None:
        start.wait()
        runs.append(deliverer.deliver_all_due())

    threads = [threading.Thread(target=deliver, args=(d,)) for d in deliverers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    receiver.stop()
    assert sorted(Counter(receiver.receipts).values()) == [1] * len(tickets)
    assert sum(r.delivered for r in runs) == len(tickets)
    assert all(r.delivered for r in runs), "one deliverer did everything: no overlap was tried"


def _rows(database) -> list[dict]:
    with database.connect() as connection:
        rows = connection.execute(
            "SELECT ticket_id, status, attempts, last_error FROM outbox ORDER BY ticket_id"
        ).fetchall()
    return [
        dict(zip(("ticket_id", "status", "attempts", "last_error"), r, strict=True)) for r in rows
    ]


def _cli():
    from cli import main  # noqa: PLC0415

    return main
