"""Index soon, off the request path: a writer's publish hands the build to `kb watch` when one
is watching the content folder, and otherwise starts `kb index` in a process of its own, so
the request returns at once and the server's workers never run a build beside their searches.
Draft generation (`kb drafts generate --job ID`, which asks the model about every ticket) is
started the same way, and reports its progress in its job's row.

Builds take turns: `build_index` holds the data folder's build lock (a file lock, so a watcher,
`kb index` in a shell and a server's background build never write generations at once).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from kb.errors import ConfigurationError
from kb.settings import Settings

WATCH_LOCK = ".watch.lock"  # held by a running `kb watch`
BUILD_LOCK = ".build.lock"  # held by a running build
BUILD_LOG = "background-build.log"
GENERATION_LOG = "draft-generation.log"
# What a build reads from the settings; passed to the background build as its environment.
BUILD_SETTINGS = ("content_dir", "data_dir", "embedder", "chroma_url", "keyword_engine",
                  "ef_search")  # fmt: skip


def lock_file(data_dir: Path, name: str):
    """A file under <data>/index to lock (or append a log to); the caller closes it."""
    folder = Path(data_dir) / "index"
    folder.mkdir(parents=True, exist_ok=True)
    return open(folder / name, "a")  # noqa: SIM115 - closed by its caller


@contextlib.contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """Wait for any other build of this data folder, then hold the lock for this one."""
    with lock_file(data_dir, BUILD_LOCK) as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def watching(data_dir: Path) -> Iterator[None]:
    """Mark this data folder as watched for as long as the block runs (one watcher at a time)."""
    with lock_file(data_dir, WATCH_LOCK) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigurationError(
                f"another `kb watch` is already watching {Path(data_dir)}"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def watcher_running(data_dir: Path) -> bool:
    """Whether a `kb watch` holds this data folder (it then indexes every save by itself)."""
    return lock_held(data_dir, WATCH_LOCK)


def lock_held(data_dir: Path, name: str) -> bool:
    """Whether another process holds this lock file under <data>/index."""
    with lock_file(data_dir, name) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def request_build(settings: Settings) -> str:
    """Have the content folder indexed soon; returns who does it: "watcher" or "background".

    The background build is `kb index` with this server's settings, its output appended to
    <data>/index/background-build.log; a build that fails leaves the live index as it was."""
    if watcher_running(settings.data_dir):
        return "watcher"
    _start(settings, ["index"], BUILD_SETTINGS, BUILD_LOG)
    return "background"


# Generation reads tickets from the database and asks the search engine about each: every
# setting but the secrets the server alone needs.
_NOT_FOR_GENERATION = {"api_keys", "secret_key", "smtp_url"}


def start_draft_generation(settings: Settings, job_id: str) -> int:
    """`kb drafts generate --job JOB_ID` in a process of its own, with this server's settings,
    its output appended to <data>/index/draft-generation.log; returns its process id."""
    names = [name for name in Settings.names() if name not in _NOT_FOR_GENERATION]
    return _start(settings, ["drafts", "generate", "--job", job_id], names, GENERATION_LOG)


def start_process(settings: Settings, arguments: list[str], log_name: str) -> int:
    """A `kb` command that builds, in a process of its own with this server's build settings,
    its output appended to <data>/index/<log_name>; returns its process id."""
    return _start(settings, arguments, BUILD_SETTINGS, log_name)


def _start(settings: Settings, arguments: list[str], names: Iterable[str], log_name: str) -> int:
    environment = {**os.environ}
    for name in names:
        value = getattr(settings, name)
        environment[f"KB_{name.upper()}"] = str(value)
    with lock_file(settings.data_dir, log_name) as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", *arguments],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not stopped with the request's worker
        )
    # reaped when it ends, so no finished process lingers as a zombie under the worker
    threading.Thread(target=process.wait, name=f"kb-{arguments[0]}", daemon=True).start()
    return process.pid
