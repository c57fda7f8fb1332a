"""The help center the browser tests drive: the real app under gunicorn, on a copy of the demo
content indexed with the real model, on a free loopback port; and a page on another origin."""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from kb.index.adaptation import MODELS, PARTIAL
from tests.helpers import AGENT_KEY, KEYS, REPO, stop_server

SEED = Path(__file__).parent / "seed"
# What every browser-test server runs with. The one place to change the server's settings for
# the whole browser suite; a test that needs other settings starts its own LiveServer with
# `environment=` (which wins over these).
SERVER_ENVIRONMENT = {
    "KB_EMBEDDER": "minilm",  # the real model: journeys check real answers
    "HF_HUB_OFFLINE": "1",
    "KB_SITE_NAME": "Driftbox Help Center",
    "KB_SECRET_KEY": "browser-tests-secret",
    "KB_API_KEYS": ",".join(f"{role}:{key}" for role, key in KEYS.items()),
    # Every test's browser comes from 127.0.0.1: a limit meant for one customer would trip on
    # the suite. Raise any new per-client limit here too.
    **{
        f"KB_{family}_RATE_LIMIT": "off"
        for family in (
            "CONTACT",
            "SEARCH",
            "AUTOCOMPLETE",
            "VOTE",
            "SIGN_IN",
            "WRONG_KEY",
            "CONVERSATION",
        )
    },
}
WORKERS = 2  # two, as in production: a page and its script's fetch are served side by side
LISTENING = re.compile(r"Listening at: (http://127\.0\.0\.1:\d+)")


@dataclasses.dataclass(frozen=True)
class Site:
    """A content folder and a data folder the app serves."""

    content_dir: Path
    data_dir: Path


def prepare_site(
    root: Path,
    environment: Mapping[str, str] | None = None,
    embedding_cache: Path | None = None,
) -> Site:
    """Copy the demo content and the seed drafts under `root`, then `kb index` it into a new
    data folder. `embedding_cache` (a copy of a data folder's embeddings.sqlite, kept between
    runs) spares embedding unchanged text again, as `kb index` does for an operator: vectors
    are looked up by the text's hash and the model's name, so they are the ones it would make.
    The copy of the model adapted to the content is kept beside it the same way."""
    site = Site(root / "content", root / "data")
    shutil.copytree(REPO / "content", site.content_dir)
    shutil.copytree(SEED / "drafts", site.content_dir / "drafts")
    site.data_dir.mkdir()
    cached = site.data_dir / "embeddings.sqlite"
    if embedding_cache is not None and embedding_cache.exists():
        shutil.copyfile(embedding_cache, cached)
    # the model adapted to this content (kb.index.adaptation), kept beside the vectors: the same
    # content makes the same copy, so `kb index` finds it instead of fine-tuning again
    models = embedding_cache.parent / MODELS if embedding_cache is not None else None
    if models is not None and models.is_dir():
        shutil.copytree(models, site.data_dir / MODELS)
    done = subprocess.run(
        [sys.executable, "-m", "cli", "index"],
        cwd=REPO,
        env=server_environment(site, environment),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kb index failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    if embedding_cache is not None:
        partial = embedding_cache.with_suffix(".partial")
        shutil.copyfile(cached, partial)
        partial.replace(embedding_cache)  # whole or not at all, even with two runs at once
    if models is not None and (site.data_dir / MODELS).is_dir():
        for copy in (site.data_dir / MODELS).iterdir():
            if not (models / copy.name).exists():
                partial = models / f"{copy.name}{PARTIAL}{os.getpid()}"
                shutil.copytree(copy, partial)
                try:
                    partial.rename(models / copy.name)
                except OSError:  # another run kept the same copy first
                    shutil.rmtree(partial, ignore_errors=True)
    return site


def server_environment(site: Site, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without its KB_* settings (a developer's shell must not point
    the tests at their own database), then the suite's settings, then `extra`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    environment.update(SERVER_ENVIRONMENT)
    environment.update(KB_CONTENT_DIR=str(site.content_dir), KB_DATA_DIR=str(site.data_dir))
    environment.update(extra or {})
    return environment


class LiveServer:
    """gunicorn serving `site` with the project's gunicorn.conf.py; its output goes to `log`."""

    def __init__(
        self,
        site: Site,
        log: Path,
        environment: Mapping[str, str] | None = None,
        port: int = 0,
    ):
        self.site = site
        self.log = log
        self.environment = server_environment(site, environment)
        self.port = port  # 0: the kernel picks one (a test that must know it first picks one)
        self.url = ""
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> None:
        """Start gunicorn on its port, and wait until /healthz answers 200."""
        command = [
            sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--preload",
            "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}", "--access-logfile", "-",
            "--no-control-socket",  # its default path is shared by every gunicorn of the user
            "web:create_app()",
        ]  # fmt: skip
        with self.log.open("ab") as output:
            self._process = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() reaches the workers
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self._process.returncode}:\n{self.tail()}"
                )
            if not self.url and (found := LISTENING.search(self.log_since(0))):
                self.url = found.group(1)
            if self.url and self._healthy():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not become healthy in {timeout:.0f} s:\n{self.tail()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, timeout: float = 15) -> None:
        """Ask gunicorn to shut down; kill its process group if it has not within `timeout`."""
        process, self._process = self._process, None
        if process is not None:
            stop_server(process, timeout)

    def kill(self) -> None:
        """SIGKILL gunicorn and its workers at once, as a machine that dies: nothing finishes."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        """What gunicorn and the app wrote after `offset` bytes of the log."""
        with self.log.open("rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_since(0).splitlines()[-lines:])

    def get_json(self, path: str, key: str | None = None) -> dict:
        """GET a JSON answer of the API, with a key if one is given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        request = urllib.request.Request(f"{self.url}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def post_json(self, path: str, body: object, key: str) -> dict:
        """POST JSON to the API with a key, as a help desk or a script would."""
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)


@contextlib.contextmanager
def running_server(
    site: Site, log: Path, environment: Mapping[str, str] | None = None, port: int = 0
) -> Iterator[LiveServer]:
    """A started LiveServer, stopped however the block ends."""
    server = LiveServer(site, log, environment, port)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def import_seed_tickets(server: LiveServer) -> None:
    """The seed drafts' source tickets, sent through the help desk webhook."""
    lines = (SEED / "tickets.jsonl").read_text(encoding="utf-8").splitlines()
    tickets = [json.loads(line) for line in lines if line.strip()]
    answer = server.post_json("/api/v1/tickets", {"tickets": tickets}, AGENT_KEY)
    if answer["inserted"] + answer["updated"] != len(tickets):  # a refused batch raised a 400
        raise RuntimeError(f"seed tickets not all stored: {answer}")


class OtherOrigin:
    """Pages served from another origin (another port), e.g. one that frames the app."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = pages.get(self.path.split("?")[0])
                body = (page or "not found").encode()
                self.send_response(200 if page is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass  # quiet: pytest shows output only on failure, and this is noise there

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def serve(self, path: str, html: str) -> str:
        """Serve `html` at `path`; returns its URL."""
        self.pages[path] = html
        return f"{self.url}{path}"

    def __enter__(self) -> OtherOrigin:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
