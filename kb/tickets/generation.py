"""One run of draft generation as `kb drafts generate` does it, in a shell or as the studio's
background job: drafts written, the groups that need an answer stored, and, for a job, its
progress and outcome written where the studio's page reads them.

Generations of one data folder take turns (`generation_lock`), whoever starts them: the studio's
job, `kb drafts generate` in a shell, or the run after a solved gap (kb.tickets.background).
Two at once would write the same draft files and replace each other's groups."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from kb.assist.suggestions import AgentAssist
from kb.state.database import Database
from kb.state.jobs import JobStore
from kb.tickets.drafts import GenerationReport, generate_drafts
from kb.tickets.records import StoredTicket
from kb.tickets.unanswered import UnansweredGroups

GENERATION = "draft-generation"  # the kind of job the studio starts
RUN_LOCK = ".drafts.lock"  # in the data folder, held by the running generation
REPORT_EVERY = 0.5  # seconds between two progress writes (each is a database write)


class JobProgress:
    """Progress written to a job's row: at each new stage, at the end of one, and otherwise at
    most every REPORT_EVERY seconds."""

    def __init__(self, jobs: JobStore, job_id: str) -> None:
        self.jobs, self.job_id = jobs, job_id
        self._stage, self._written = "", 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        moment = time.monotonic()
        new = stage != self._stage or done == total
        if new or moment - self._written >= REPORT_EVERY:
            self.jobs.progress(self.job_id, stage, done, total)
            self._stage, self._written = stage, moment


def summary(report: GenerationReport) -> str:
    actions = [d.action for d in report.drafts]
    made = ", ".join(
        f"{actions.count(action)} {action}"
        for action in ("created", "regenerated", "kept")
        if actions.count(action)
    )
    return (
        f"{len(report.drafts)} drafts ({made or 'none'}), {len(report.unanswered)} groups need "
        f"an answer, {len(report.covered)} tickets already answered by an article"
    )


@contextlib.contextmanager
def generation_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data folder's generation lock while the block runs, after waiting for a
    generation already running."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(data_dir) / RUN_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def run_generation(
    tickets: Sequence[StoredTicket],
    assist: AgentAssist,
    content_dir: Path,
    database: Database,
    data_dir: Path,
    *,
    job_id: str | None = None,
    min_group: int = 2,
) -> GenerationReport:
    """Generate drafts, after any generation of `data_dir` already running; a job's row
    follows along and says how it ended."""
    jobs = JobStore(database) if job_id else None
    if jobs is not None and job_id is not None:
        jobs.attach(job_id, os.getpid())
    progress = JobProgress(jobs, job_id) if jobs and job_id else _silent
    try:
        progress("waiting for the generation already running", 0, 1)
        with generation_lock(data_dir):
            report = generate_drafts(
                tickets, assist, content_dir, min_group=min_group, progress=progress
            )
            UnansweredGroups(database).replace(report.unanswered)
    except Exception as error:
        if jobs is not None and job_id is not None:
            jobs.finish(job_id, f"failed: {error}", failed=True)
        raise
    if jobs is not None and job_id is not None:
        jobs.finish(job_id, summary(report))
    return report


def _silent(stage: str, done: int, total: int) -> None:
    """No job to report to."""
