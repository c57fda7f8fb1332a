"""Background jobs as rows in the database: the process doing the work writes its stage and
progress, and any worker or node reads them for the page that polls. At most one job of a kind
runs at a time; a job whose process died (on this machine) or that stopped reporting is failed
when next read, so a crash never leaves the studio waiting for ever."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import secrets
import socket
from typing import Any

import sqlalchemy as sa

from kb.errors import Conflict, NotFound
from kb.state.database import Database, now

SILENT_MINUTES = 30  # a running job that reported nothing for this long has stopped
_COLUMNS = ("id, kind, state, stage, done, total, message, started_by, started_at, updated_at,"
            " finished_at, host, pid")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Job:
    id: str
    kind: str
    state: str  # running, done or failed
    stage: str
    done: int
    total: int
    message: str
    started_by: str
    started_at: str
    updated_at: str
    finished_at: str | None
    host: str
    pid: int

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "percent": self.percent}


def _alive(job: Job) -> bool:
    """Whether a running job's process still runs: checked on its own machine; elsewhere, by
    whether it reported anything lately."""
    silent = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(job.updated_at)
    if silent > dt.timedelta(minutes=SILENT_MINUTES):
        return False
    if job.host != socket.gethostname() or job.pid <= 0:
        return True
    try:
        os.kill(job.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    def start(self, kind: str, started_by: str) -> Job:
        """A new running job of this kind; a Conflict while another one runs."""
        current = self.running(kind)
        if current is not None:
            raise Conflict(f"a {kind} job is already running (started by {current.started_by})")
        job_id, stamp = secrets.token_hex(8), now()
        try:
            with self.database.connect() as connection:
                connection.execute(
                    "INSERT INTO jobs (id, kind, state, stage, started_by, started_at,"
                    " updated_at, host) VALUES (?, ?, 'running', 'starting', ?, ?, ?, ?)",
                    (job_id, kind, started_by, stamp, stamp, socket.gethostname()),
                )
        except sa.exc.IntegrityError:  # another start won the race (jobs_one_running)
            raise Conflict(f"a {kind} job is already running") from None
        return self.get(job_id)

    def attach(self, job_id: str, pid: int) -> None:
        """The process that does the job's work (so a crash of it can be told)."""
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE jobs SET pid = ?, host = ?, updated_at = ? WHERE id = ?",
                (pid, socket.gethostname(), now(), job_id),
            )

    def progress(self, job_id: str, stage: str, done: int, total: int) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE jobs SET stage = ?, done = ?, total = ?, updated_at = ?"
                " WHERE id = ? AND state = 'running'",
                (stage, done, total, now(), job_id),
            )

    def finish(self, job_id: str, message: str, *, failed: bool = False) -> None:
        stamp = now()
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE jobs SET state = ?, message = ?, updated_at = ?, finished_at = ?"
                " WHERE id = ? AND state = 'running'",
                ("failed" if failed else "done", message[:2000], stamp, stamp, job_id),
            )

    def get(self, job_id: str) -> Job:
        with self.database.connect() as connection:
            row = connection.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).first()
        if row is None:
            raise NotFound(f"no job '{job_id[:40]}'")
        return self._checked(Job(*row))

    def latest(self, kind: str) -> Job | None:
        with self.database.connect() as connection:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? ORDER BY started_at DESC, id LIMIT 1",
                (kind,),
            ).first()
        return self._checked(Job(*row)) if row else None

    def running(self, kind: str) -> Job | None:
        with self.database.connect() as connection:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE kind = ? AND state = 'running'", (kind,)
            ).first()
        job = self._checked(Job(*row)) if row else None
        return job if job is not None and job.running else None

    def _checked(self, job: Job) -> Job:
        if job.running and not _alive(job):
            self.finish(job.id, "stopped before it finished (its process ended)", failed=True)
            return self.get(job.id)
        return job
