"""Closing the loop as tickets are solved, off the request path: when a solved ticket is a gap
(no article answers it), draft generation (`kb drafts generate`, kb.tickets.drafts) runs in a
process of its own over every resolved ticket in the store, so the gap joins a group and a draft
as soon as it has company. One generation at a time per data folder, this one or the studio's
(kb.tickets.generation.generation_lock); a gap solved during a run asks for one more run after
it, so none is missed.

    python -m kb.tickets.background   # what the server starts; reads the KB_* settings
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import threading
from pathlib import Path

from kb.settings import Settings

AGAIN = ".drafts.again"  # a gap solved meanwhile: run once more
WAITING = ".drafts.waiting"  # held by the run waiting for its turn
LOG = "background-drafts.log"


def request_drafts(settings: Settings) -> None:
    """Have drafts generated soon, in a process of its own with this server's settings; its
    output is appended to <data>/background-drafts.log."""
    folder = Path(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / AGAIN).touch()  # whoever runs next (or is running) sees it
    environment = {**os.environ}
    for name in Settings.names():
        environment[f"KB_{name.upper()}"] = str(getattr(settings, name))
    with open(folder / LOG, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kb.tickets.background"],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not stopped with the request's worker
        )
    threading.Thread(target=process.wait, name="kb-background-drafts", daemon=True).start()


def generate_while_asked(settings: Settings) -> int:
    """Generate drafts while a run is asked for, after any generation already running (the
    studio's, a shell's or another of these); returns the runs made (0 when a run before this
    one saw the request). One run waits at most: a request made while one waits is its too."""
    from kb.tickets.generation import generation_lock  # noqa: PLC0415

    folder = Path(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / WAITING, "a") as waiting:
        try:
            fcntl.flock(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0  # another run waits for its turn, and will see this request
        with generation_lock(folder):
            fcntl.flock(waiting, fcntl.LOCK_UN)  # a later request may wait for the next turn
            return _generate_while_asked(settings, folder)


def _generate_while_asked(settings: Settings, folder: Path) -> int:
    """Generate drafts while a run is asked for (the caller holds the generation lock)."""
    from kb.assist.suggestions import AgentAssist  # noqa: PLC0415 - loads the model
    from kb.search.engine import open_engine  # noqa: PLC0415
    from kb.state.database import Database  # noqa: PLC0415
    from kb.tickets.drafts import generate_drafts  # noqa: PLC0415
    from kb.tickets.store import TicketStore  # noqa: PLC0415

    if not (folder / AGAIN).exists():
        return 0  # only a run holding the lock removes the request: it has been seen
    assist = AgentAssist(open_engine(settings.with_tuned()), None)
    store = TicketStore(Database.for_settings(settings))
    runs = 0
    while (folder / AGAIN).exists():
        with contextlib.suppress(FileNotFoundError):
            (folder / AGAIN).unlink()
        report = generate_drafts(store.all(), assist, settings.content_dir)
        runs += 1
        print(
            f"{len(report.drafts)} drafts, {len(report.covered)} tickets covered, "
            f"{len(report.singletons)} singletons",
            flush=True,
        )
    return runs


if __name__ == "__main__":
    generate_while_asked(Settings.from_env())
