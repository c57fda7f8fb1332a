"""`kb outbox retry`: deliveries that gave up (failed after three days) go back to pending, due at
once, with three more days before they give up again; one by id or every failed one; each
reaches a deduplicating receiver once."""

from __future__ import annotations

import pytest

from kb.delivery.outbox import (
    GIVE_UP_AFTER,
    Deliverer,
    backlog,
    retry_failed,
    rows_with_status,
)
from kb.errors import Conflict, NotFound
from tests.receiver import Receiver
from tests.test_outbox import START, Clock, hand_over, queue_settings


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def gave_up(tmp_path, make_database, receiver: Receiver):
    """Two tickets whose deliveries failed for three days (the receiver answered 500)."""
    clock = Clock()
    database = make_database()
    settings = queue_settings(tmp_path, QUEUE_SERVICE_WEBHOOK=receiver.url)
    hand_over(database, settings, clock, "web-1", "web-2")
    deliverer = Deliverer(database, settings, clock=clock, jitter=lambda: 1.0, timeout=0.3)
    receiver.mode = "fail"
    deliverer.deliver_all_due()
    clock.now = START + GIVE_UP_AFTER
    assert deliverer.deliver_all_due().failed == 2
    return database, deliverer, clock


def test_every_failed_delivery_goes_back_and_is_delivered_once(gave_up, receiver) -> None:
    database, deliverer, clock = gave_up
    clock.advance(days=10)
    assert deliverer.deliver_all_due().attempted == 0  # failed rows wait for a person
    retried = retry_failed(database, clock=clock)
    assert sorted(row["ticket_id"] for row in retried) == ["web-1", "web-2"]
    assert backlog(database, clock).failed == 0 and backlog(database, clock).pending == 2
    receiver.mode = "ok"
    assert deliverer.deliver_all_due().delivered == 2  # due at once, no backoff to wait
    assert receiver.processed == {"web-1": 1, "web-2": 1}
    assert retry_failed(database, clock=clock) == []  # nothing failed now


def test_a_retried_delivery_waits_from_its_retry_not_its_first_write(gave_up) -> None:
    database, _, clock = gave_up
    clock.advance(days=10)
    retry_failed(database, clock=clock)
    clock.advance(minutes=5)
    # /metrics' kb_outbox_oldest_pending_age_seconds: five minutes, not thirteen days, so an
    # alert on a stuck outbox does not fire for rows a person has just sent again.
    assert backlog(database, clock).oldest_pending_seconds == 300


def test_a_retried_delivery_gets_three_more_days(gave_up, receiver) -> None:
    database, deliverer, clock = gave_up
    clock.advance(days=10)
    retry_failed(database, clock=clock)
    assert deliverer.deliver_all_due().retrying == 2  # failing again, but not given up at once
    clock.advance(seconds=GIVE_UP_AFTER.total_seconds() - 3600)
    assert deliverer.deliver_all_due().retrying == 2
    clock.advance(hours=1)
    assert deliverer.deliver_all_due().failed == 2
    attempts = {row["ticket_id"]: row["attempts"] for row in rows_with_status(database, "failed")}
    assert attempts["web-1"] > 3  # the record of every attempt is kept


def test_one_delivery_by_its_id(gave_up, receiver) -> None:
    database, deliverer, clock = gave_up
    failed = {row["ticket_id"]: row["id"] for row in rows_with_status(database, "failed")}
    (retried,) = retry_failed(database, failed["web-2"], clock=clock)
    assert retried["ticket_id"] == "web-2"
    receiver.mode = "ok"
    assert deliverer.deliver_all_due().delivered == 1
    assert [row["ticket_id"] for row in rows_with_status(database, "failed")] == ["web-1"]
    with pytest.raises(Conflict, match="delivered"):
        retry_failed(database, failed["web-2"], clock=clock)  # only failed rows go back
    with pytest.raises(NotFound):
        retry_failed(database, 999_999, clock=clock)


def test_kb_outbox_retry(gave_up, runner, monkeypatch) -> None:
    from cli import main  # noqa: PLC0415

    database, _, _ = gave_up
    monkeypatch.setenv("KB_DATABASE_URL", str(database.url))
    assert runner.invoke(main, ["outbox", "retry"]).exit_code == 2  # which ones?
    both = runner.invoke(main, ["outbox", "retry", "--all-failed", "--id", "1"])
    assert both.exit_code == 2 and "--id or --all-failed" in both.output
    row_id = rows_with_status(database, "failed")[0]["id"]
    one = runner.invoke(main, ["outbox", "retry", "--id", str(row_id)])
    assert one.exit_code == 0, one.output
    assert f"row {row_id} (ticket" in one.output and "1 delivery back to pending" in one.output
    again = runner.invoke(main, ["outbox", "retry", "--id", str(row_id)])
    assert again.exit_code == 2 and "pending" in again.output
    rest = runner.invoke(main, ["outbox", "retry", "--all-failed"])
    assert rest.exit_code == 0 and "1 delivery back to pending" in rest.output
    assert runner.invoke(main, ["outbox", "status"]).exit_code == 0  # none failed now
    none = runner.invoke(main, ["outbox", "retry", "--all-failed"])
    assert none.exit_code == 0 and "no failed deliveries" in none.output
