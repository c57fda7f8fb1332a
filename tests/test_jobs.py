"""Background jobs: one of a kind at a time, progress any process can read, a job whose process
died is failed, and draft generation run as `kb drafts generate --job` in a process of its own."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.background import start_draft_generation
from kb.errors import Conflict, NotFound
from kb.settings import Settings
from kb.state.database import Database
from kb.state.jobs import JobStore
from kb.tickets import background, generation
from kb.tickets.drafts import GenerationReport
from kb.tickets.generation import GENERATION, generation_lock, run_generation
from kb.tickets.store import TicketStore
from kb.tickets.unanswered import UnansweredGroups
from tests.helpers import CHROMA_URL
from tests.test_drafts import PRINTER, VAULT, ticket


def test_one_job_of_a_kind_runs_at_a_time(make_database) -> None:
    jobs = JobStore(make_database())
    job = jobs.start(GENERATION, "Dana")
    assert (job.state, job.stage, job.started_by) == ("running", "starting", "Dana")
    with pytest.raises(Conflict, match="already running"):
        jobs.start(GENERATION, "Sam")
    jobs.progress(job.id, "writing drafts", 3, 4)
    assert (jobs.get(job.id).percent, jobs.latest(GENERATION).stage) == (75, "writing drafts")
    jobs.finish(job.id, "2 drafts")
    assert jobs.get(job.id).state == "done" and jobs.running(GENERATION) is None
    assert jobs.start(GENERATION, "Sam").started_by == "Sam"  # the next one may start
    with pytest.raises(NotFound):
        jobs.get("no-such-job")


def test_generations_of_one_data_folder_take_turns(make_database, tmp_path, monkeypatch) -> None:
    """The studio's job (or `kb drafts generate`) waits for a generation already running, such
    as the background one after a solved gap: both would write the same draft files."""
    started = threading.Event()

    def generate_drafts(*args, **kwargs) -> GenerationReport:
        started.set()
        return GenerationReport([], [], [])

    monkeypatch.setattr(generation, "generate_drafts", generate_drafts)
    database, data_dir = make_database(), tmp_path / "data"
    job = JobStore(database).start(GENERATION, "Dana")
    run = threading.Thread(
        target=run_generation,
        args=([], None, tmp_path / "content", database, data_dir),
        kwargs={"job_id": job.id},
    )
    with generation_lock(data_dir):  # another generation is running
        run.start()
        assert not started.wait(0.5)
        assert JobStore(database).get(job.id).stage.startswith("waiting")
    assert started.wait(30)
    run.join(30)
    assert JobStore(database).get(job.id).state == "done"


def test_a_solved_gap_waits_for_its_turn_and_one_waiting_run_is_enough(
    tmp_path, monkeypatch
) -> None:
    """The run after a solved gap waits for a generation already running; a request made while
    one waits returns at once (the waiting run will see it), so no queue of processes forms."""
    settings = Settings(data_dir=tmp_path / "data")
    ran: list[Path] = []
    record = lambda _, folder: ran.append(folder) or 1  # noqa: E731 - the generation's stand-in
    monkeypatch.setattr(background, "_generate_while_asked", record)

    def held(path: Path) -> bool:
        with open(path, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False

    waiting = threading.Thread(target=background.generate_while_asked, args=(settings,))
    with generation_lock(settings.data_dir):  # a studio job is running
        waiting.start()
        deadline = time.monotonic() + 30
        while not held(settings.data_dir / background.WAITING):
            assert time.monotonic() < deadline, "the run never waited for its turn"
            time.sleep(0.01)
        answers: list[int] = []
        second = threading.Thread(
            target=lambda: answers.append(background.generate_while_asked(settings))
        )
        second.start()
        second.join(30)
        assert answers == [0] and ran == []  # a second request returns: the waiting run sees it
    waiting.join(30)
    assert ran == [settings.data_dir]


def test_a_job_whose_process_ended_is_failed_when_read(make_database) -> None:
    jobs = JobStore(make_database())
    job = jobs.start(GENERATION, "Dana")
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    jobs.attach(job.id, int(ended.stdout))
    read = jobs.get(job.id)
    assert read.state == "failed" and "process ended" in read.message
    assert jobs.running(GENERATION) is None


def test_draft_generation_runs_in_a_process_of_its_own(
    built, database_url, content_dir, data_dir
) -> None:
    unanswered = [
        ticket(f"q{i}", "The photo vault shows a blank screen after the update",
               "Can you DM us your email? We'll take a look.")
        for i in range(2)
    ]  # fmt: skip
    settings = Settings(
        content_dir=content_dir, data_dir=data_dir, embedder="hashing", chroma_url=CHROMA_URL,
        database_url=database_url, min_confidence=0.0,
    )  # fmt: skip
    database = Database.for_settings(settings)
    TicketStore(database).upsert([*VAULT, *PRINTER, *unanswered])
    jobs = JobStore(database)
    job = jobs.start(GENERATION, "Dana")
    start_draft_generation(settings, job.id)
    deadline = time.monotonic() + 120
    log = data_dir / "index" / "draft-generation.log"
    while (seen := jobs.get(job.id)).running:
        assert time.monotonic() < deadline, f"never finished: {seen}\n{log.read_text()}"
        time.sleep(0.05)
    assert seen.state == "done", (seen.message, log.read_text())
    assert (
        seen.message.startswith("2 drafts (2 created)")
        and "1 groups need an answer" in seen.message
    )
    # The job's own record of its progress (polling could miss every stage of a fast run).
    assert seen.done == seen.total > 0 and seen.stage == "writing drafts"
    [group] = UnansweredGroups(database).all()
    assert group.ticket_ids == ["q0", "q1"]
    titles = [json.dumps(p.read_text()) for p in (content_dir / "drafts").glob("*.md")]
    assert sum("source_tickets" in t for t in titles) == 2
