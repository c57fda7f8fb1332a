"""The outbox: tickets handed to a queue are delivered onward (the queue's webhook, its e-mail
address) from rows in the database, at least once, however long the receiver is away.

A row is written in the transaction that creates the ticket, one per destination, keyed by
ticket and destination (enqueueing twice changes nothing). `Deliverer.deliver_due` claims the
rows that are due (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: its transactions take the write
lock first), moves them past a lease and commits, so a second deliverer skips them; sends each
outside any transaction; then marks it delivered (after a 2xx or the SMTP server's accept) or
due again after a backoff that doubles from 30 s to at most an hour, with jitter. A row still
failing 3 days after it was written is marked failed: kept, counted, never deleted, until a
person puts it back (`retry_failed`, `kb outbox retry`: due at once, with 3 more days). A deliverer
that dies mid-send loses nothing: its lease runs out and the row is due again. Every delivery
of a row carries the same id (`X-KB-Delivery-Id`, and `delivery_id` in the body), so a receiver
that keeps the ids it has seen processes each ticket once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from kb.delivery.sending import send_to
from kb.errors import Conflict, NotFound
from kb.settings import Settings
from kb.state.database import Connection, Database

log = logging.getLogger(__name__)

FIRST_WAIT = dt.timedelta(seconds=30)  # after the first failure
LONGEST_WAIT = dt.timedelta(hours=1)  # the backoff's cap
GIVE_UP_AFTER = dt.timedelta(days=3)  # a row still failing this long after it was written fails
LEASE = dt.timedelta(minutes=10)  # a claimed batch must be sent within it (BATCH x 2 timeouts)
BATCH = 20
STATUSES = ("pending", "delivered", "failed")
_COLUMNS = "id, ticket_id, destination, queue, payload, attempts, created_at, retried_at"

# What `kb outbox status` shows of a row.
_SHOWN_KEYS = ("id", "ticket_id", "destination", "attempts", "created_at", "last_error")
_SHOWN = ", ".join(_SHOWN_KEYS)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The time now, in UTC."""
    return dt.datetime.now(dt.UTC)


def stamp(moment: dt.datetime) -> str:
    """A time as stored: UTC ISO 8601 with microseconds, so the text sorts as the time does."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def delivery_id(ticket_id: str, destination: str) -> str:
    """The id every delivery of one ticket to one destination carries, for receivers to dedupe."""
    return f"{ticket_id}/{destination}"


def backoff(attempts: int, jitter: float) -> dt.timedelta:
    """How long to wait after the `attempts`-th failure: 30 s doubling to at most an hour, then
    drawn between half and all of it (`jitter` in [0, 1]) so retries do not arrive in step."""
    wait = min(LONGEST_WAIT, FIRST_WAIT * 2 ** min(attempts - 1, 20))
    return wait * (0.5 + 0.5 * jitter)


def enqueue(
    connection: Connection,
    settings: Settings,
    ticket_id: str,
    queue: str,
    payload: Mapping[str, Any],
    moment: dt.datetime,
) -> int:
    """Write one outbox row per destination of `queue` in this transaction; returns how many
    destinations the queue has (0: the agent inbox only)."""
    destinations = settings.destinations(queue)
    body = json.dumps(dict(payload), ensure_ascii=False)
    for destination in destinations:
        connection.execute(
            "INSERT INTO outbox (ticket_id, destination, queue, payload, status, attempts,"
            " created_at, next_attempt_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)"
            " ON CONFLICT (ticket_id, destination) DO NOTHING",
            (ticket_id, destination.name, queue, body, stamp(moment), stamp(moment)),
        )
    return len(destinations)


def notify_queue(
    database: Database,
    settings: Settings,
    ticket_id: str,
    queue: str,
    payload: Mapping[str, Any],
    *,
    within: Connection | None = None,
    clock: Clock = utc_now,
) -> None:
    """Hand ticket `ticket_id` to `queue` ("service" or "support"): it is delivered to the
    queue's webhook and e-mail address, if set, from the outbox. Pass `within`, the transaction
    that creates the ticket, so that both are written or neither; called again for the same
    ticket and queue, it changes nothing."""
    if within is not None:
        enqueue(within, settings, ticket_id, queue, payload, clock())
        return
    if not settings.destinations(queue):
        return  # the agent inbox only: no transaction needed
    with database.connect() as connection:
        enqueue(connection, settings, ticket_id, queue, payload, clock())


@dataclasses.dataclass
class DeliveryRun:
    """What one `deliver_due` did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


class Deliverer:
    """Sends what is due. Several may run at once (processes, nodes): none sends a row another
    has claimed. `clock` and `jitter` are injected so tests move time instead of waiting."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        jitter: Callable[[], float] = random.random,
        timeout: float = 10.0,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.jitter = jitter
        self.timeout = timeout

    def deliver_due(self, limit: int = BATCH) -> DeliveryRun:
        """Claim up to `limit` due rows and send each once; returns what became of them."""
        claim = uuid.uuid4().hex
        run = DeliveryRun()
        for row in self._claim(claim, limit):
            row_id, ticket_id, destination, queue, payload, attempts, created_at, retried = row
            envelope = {
                "delivery_id": delivery_id(ticket_id, destination),
                "ticket_id": ticket_id,
                "queue": queue,
                "created_at": created_at,
                "ticket": json.loads(payload),
            }
            try:
                send_to(self.settings, destination, envelope, timeout=self.timeout)
            except Exception as error:  # noqa: BLE001 - any failure is "try again later"
                since = retried or created_at  # a retried row has 3 days from its retry
                gave_up = self._failed(row_id, claim, attempts + 1, since, error)
                run.failed += gave_up
                run.retrying += not gave_up
            else:
                self._delivered(row_id, claim)
                run.delivered += 1
        return run

    def deliver_all_due(self) -> DeliveryRun:
        """Deliver batch after batch until nothing is due (each row is tried once per call)."""
        total = DeliveryRun()
        while True:
            run = self.deliver_due()
            total.delivered += run.delivered
            total.retrying += run.retrying
            total.failed += run.failed
            if run.attempted < BATCH:
                return total

    def _claim(self, claim: str, limit: int) -> list[tuple]:
        moment = self.clock()
        # On SQLite every transaction begins IMMEDIATE (kb.state.database): claims are serial.
        lock = " FOR UPDATE SKIP LOCKED" if self.database.path is None else ""
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE status = 'pending'"
                f" AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?{lock}",
                (stamp(moment), limit),
            ).fetchall()
            connection.executemany(
                "UPDATE outbox SET claimed_by = ?, next_attempt_at = ? WHERE id = ?",
                [(claim, stamp(moment + LEASE), row[0]) for row in rows],
            )
        return [tuple(row) for row in rows]

    def _delivered(self, row_id: int, claim: str) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE outbox SET status = 'delivered', delivered_at = ?,"
                " attempts = attempts + 1, last_error = NULL, claimed_by = NULL"
                " WHERE id = ? AND claimed_by = ?",
                (stamp(self.clock()), row_id, claim),
            )

    def _failed(self, row_id: int, claim: str, attempts: int, since: str, error: Exception) -> bool:
        """Record a failed attempt; True when the row has been tried too long (`since`)."""
        moment = self.clock()
        gave_up = moment - dt.datetime.fromisoformat(since) >= GIVE_UP_AFTER
        reason = f"{type(error).__name__}: {error}"[:500]
        log.warning("outbox row %s: attempt %s failed: %s", row_id, attempts, reason)
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE outbox SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?,"
                " claimed_by = NULL WHERE id = ? AND claimed_by = ?",
                (
                    "failed" if gave_up else "pending",
                    attempts,
                    reason,
                    stamp(moment + backoff(attempts, self.jitter())),
                    row_id,
                    claim,
                ),
            )
        return gave_up


@dataclasses.dataclass(frozen=True)
class Backlog:
    """How the outbox stands: rows per status, and how long the oldest waiting one has waited."""

    pending: int
    delivered: int
    failed: int
    oldest_pending_seconds: float


def backlog(database: Database, clock: Clock = utc_now) -> Backlog:
    """The outbox's figures, for `kb outbox status` and /metrics."""
    with database.connect() as connection:
        counts = dict(
            connection.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
        )
        # A row a person sent again (`kb outbox retry`) waits from then, not from its first write.
        oldest = connection.execute(
            "SELECT MIN(COALESCE(retried_at, created_at)) FROM outbox WHERE status = 'pending'"
        ).scalar()
    waited = (clock() - dt.datetime.fromisoformat(oldest)).total_seconds() if oldest else 0.0
    return Backlog(
        counts.get("pending", 0), counts.get("delivered", 0), counts.get("failed", 0), waited
    )


def rows_with_status(database: Database, status: str, limit: int = 50) -> list[dict[str, Any]]:
    """The newest rows in `status` (the failed ones, to see what went wrong)."""
    with database.connect() as connection:
        rows = connection.execute(
            f"SELECT {_SHOWN} FROM outbox WHERE status = ? ORDER BY created_at DESC, id DESC"
            " LIMIT ?",
            (status, limit),
        ).fetchall()
    return [dict(zip(_SHOWN_KEYS, row, strict=True)) for row in rows]


def retry_failed(
    database: Database, row_id: int | None = None, clock: Clock = utc_now
) -> list[dict[str, Any]]:
    """Put failed rows back to pending, due at once, with 3 more days before they fail again
    (their attempts and last error kept): the one `row_id` names, or every failed one. Returns
    them as `rows_with_status` shows them."""
    moment = stamp(clock())
    with database.connect() as connection:
        if row_id is not None:
            status = connection.execute(
                "SELECT status FROM outbox WHERE id = ?", (row_id,)
            ).scalar()
            if status is None:
                raise NotFound(f"no outbox row {row_id}", field="id")
            if status != "failed":
                raise Conflict(
                    f"row {row_id} is {status}: only failed rows are retried", field="id"
                )
        rows = connection.execute(
            f"SELECT {_SHOWN} FROM outbox WHERE status = 'failed'"
            + (" AND id = ?" if row_id is not None else "")
            + " ORDER BY id",
            (row_id,) if row_id is not None else (),
        ).fetchall()
        connection.executemany(
            "UPDATE outbox SET status = 'pending', next_attempt_at = ?, retried_at = ?,"
            " claimed_by = NULL WHERE id = ? AND status = 'failed'",
            [(moment, moment, row[0]) for row in rows],
        )
    return [dict(zip(_SHOWN_KEYS, row, strict=True)) for row in rows]
