"""The deployment of compose.yaml without Docker: two gunicorn nodes and one `kb watch` sharing a
content folder and a data folder (the indexer writes generations, the nodes follow CURRENT), one
real chroma server, one PostgreSQL server, one Redis server. `make test-two-nodes`
(.ci/two-node-tests) starts the three servers; this module starts the rest.

The hashing embedder stands in for the model: what is tested is how the processes share the
index, the state and the limits, and the model adds nothing to that but minutes.

The tests run in order on one deployment; the last ones kill a node and the indexer, and start
them again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from indexer.background import watcher_running
from kb.index.generations import IndexLayout, read_manifest
from tests.browser.server import LiveServer, Site, server_environment
from tests.helpers import ADMIN_KEY, FIGURES, REPO

CHROMA = os.environ.get("KB_TEST_CHROMA_SERVER", "")
POSTGRES = os.environ.get("KB_TEST_POSTGRES_URL", "")
REDIS = os.environ.get("KB_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not (CHROMA and POSTGRES and REDIS),
    reason="needs real chroma, PostgreSQL and Redis servers: make test-two-nodes",
)
METRICS_TOKEN = "two-nodes-metrics-token"
AUTOCOMPLETE_LIMIT = 6  # per minute, over both nodes
EVENTUALLY = 60.0  # seconds: an edit goes through the watcher's debounce and a build


@dataclasses.dataclass
class Answer:
    """What the site answered, and which node answered it."""

    status: int
    body: dict
    node: str


class Indexer:
    """`kb watch` over the shared folders, in its own process group."""

    def __init__(self, site: Site, environment: dict[str, str], log: Path) -> None:
        self.site, self.environment, self.log = site, environment, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", "watch"],
                cwd=REPO,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # Caught up and watching: any save from now on is indexed.
        eventually(lambda: "watching " in self.log.read_text()[offset:], f"the indexer\n{self}")

    def kill(self) -> None:
        """SIGKILL: no chance to finish a build or clean up."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def __str__(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else "(no log)"


@dataclasses.dataclass
class Deployment:
    site: Site
    nodes: dict[str, LiveServer]
    indexer: Indexer
    node_environment: dict[str, str]
    logs: Path

    def start_node(self, name: str) -> LiveServer:
        starts = len(list(self.logs.glob(f"{name}-*.log")))
        log = self.logs / f"{name}-{starts + 1}.log"  # a new log: LiveServer reads its port there
        node = LiveServer(self.site, log, self.node_environment)
        node.start()
        self.nodes[name] = node
        return node

    def get(self, name: str, path: str, key: str | None = None) -> Answer:
        return request(self.nodes[name].url, name, path, key=key)

    def post(self, name: str, path: str, body: dict) -> Answer:
        return request(self.nodes[name].url, name, path, body=body)

    def generation(self) -> str | None:
        return IndexLayout(self.site.data_dir).current_generation()


def request(
    url: str, node: str, path: str, *, key: str | None = None, body: dict | None = None
) -> Answer:
    """One request to one node; HTTP errors are answers, a refused connection raises."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    call = urllib.request.Request(f"{url}{path}", data=data, headers=headers)
    try:
        with urllib.request.urlopen(call, timeout=30) as response:
            return Answer(response.status, json.loads(response.read() or b"{}"), node)
    except urllib.error.HTTPError as error:
        text = error.read()
        return Answer(error.code, json.loads(text) if text.startswith(b"{") else {}, node)


class Proxy:
    """What compose.yaml's nginx does: round robin over the nodes, and a request whose
    connection to one node is refused or broken goes to the next (proxy_next_upstream error)."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.turn = 0
        self.lock = threading.Lock()

    def send(self, path: str, body: dict | None = None) -> Answer:
        with self.lock:
            names = sorted(self.deployment.nodes)
            self.turn += 1
            order = names[self.turn % len(names) :] + names[: self.turn % len(names)]
        for name in order:
            url = self.deployment.nodes[name].url
            try:
                return request(url, name, path, body=body)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                continue  # this node is gone: the next one
        raise AssertionError(f"no node answered {path}")


def eventually(condition: Callable[[], object], what: str, timeout: float = EVENTUALLY) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("two-nodes")
    site = Site(root / "content", root / "data")
    shutil.copytree(REPO / "content", site.content_dir)
    site.data_dir.mkdir()
    logs = root / "logs"
    logs.mkdir()
    database = f"kb_two_nodes_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(
        POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    shared = {"KB_EMBEDDER": "hashing", "KB_CHROMA_URL": CHROMA, "PYTHONUNBUFFERED": "1"}
    # As the Docker image does: an index built into the data folder, vectors and all, before
    # the deployment names a chroma server. The indexer moves them there.
    built = subprocess.run(
        [sys.executable, "-m", "cli", "index"],
        cwd=REPO,
        env={**server_environment(site), "KB_EMBEDDER": "hashing"},
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    indexer = Indexer(site, server_environment(site, shared), logs / "indexer.log")
    node_environment = {
        **shared,
        "KB_MIN_CONFIDENCE": "0",  # the hashing embedder's scores are not the model's
        "KB_DATABASE_URL": sa.make_url(POSTGRES).set(database=database).render_as_string(False),
        "KB_RATELIMIT_URL": REDIS,
        "KB_AUTOCOMPLETE_RATE_LIMIT": f"{AUTOCOMPLETE_LIMIT} per minute",
        "KB_METRICS_TOKEN": METRICS_TOKEN,
        "KB_LOG_FORMAT": "json",
    }
    deployment = Deployment(site, {}, indexer, node_environment, logs)
    try:
        indexer.start()
        # Both nodes at once: they migrate the one database at the same time.
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(deployment.start_node, ("a", "b")))
        yield deployment
    finally:
        for node in deployment.nodes.values():
            node.stop()
        indexer.kill()
        admin.dispose()  # the database goes with the server .ci/two-node-tests started


def write_article(site: Site, slug: str, body: str, title: str = "") -> None:
    path = site.content_dir / "billing" / f"{slug}.md"
    text = f"---\ntitle: {title or slug.replace('-', ' ').title()}\n---\n{body}\n"
    partial = path.with_suffix(".tmp")  # written whole, as an editor saves
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def found_on(deployment: Deployment, node: str, query: str) -> list[str]:
    answer = deployment.get(node, f"/api/v1/search?q={urllib.parse.quote_plus(query)}")
    assert answer.status == 200, answer
    return [result["slug"] for result in answer.body["results"]]


def test_both_nodes_serve_what_the_indexer_published(deployment: Deployment) -> None:
    # What a node checks before a writer's publish: the watcher's lock, seen from another process.
    assert watcher_running(deployment.site.data_dir)
    generation = deployment.generation()
    manifest = read_manifest(deployment.site.data_dir / "index" / str(generation))
    assert manifest["vectors"]["store"] == "server"  # moved from the data folder to chroma
    for name in ("a", "b"):
        health = deployment.get(name, "/healthz")
        assert (health.status, health.body["status"]) == (200, "ok")
        assert health.body["generation"] == generation
        ready = deployment.get(name, "/readyz")
        assert (ready.status, ready.body) == (200, {"status": "ready", "generation": generation})


def test_an_edit_becomes_searchable_on_both_nodes(deployment: Deployment) -> None:
    site = deployment.site
    saved = time.monotonic()
    write_article(site, "quokka-ledger-export", "Export the quokkaledger report from billing.")
    for name in ("a", "b"):
        eventually(
            lambda name=name: "quokka-ledger-export" in found_on(deployment, name, "quokkaledger"),
            f"a new article searchable on node {name}",
        )
    added = time.monotonic() - saved
    refund = site.content_dir / "billing" / "request-a-refund.md"
    saved = time.monotonic()
    refund.write_text(refund.read_text() + "\nAsk about the wombatcredit voucher.\n")
    for name in ("a", "b"):
        eventually(
            lambda name=name: "request-a-refund" in found_on(deployment, name, "wombatcredit"),
            f"an edited article searchable on node {name}",
        )
    FIGURES["two nodes: save → searchable on both (s, polled every 0.2 s)"] = {
        "new article": round(added, 2),
        "edited article": round(time.monotonic() - saved, 2),
    }
    generation = deployment.generation()
    assert {deployment.get(n, "/healthz").body["generation"] for n in "ab"} == {generation}


def test_a_vote_on_one_node_shows_on_the_others_dashboard(deployment: Deployment) -> None:
    comment = f"two-node vote {uuid.uuid4().hex[:8]}"
    vote = {"helpful": False, "comment": comment}
    assert deployment.post("a", "/api/v1/articles/failed-payment/feedback", vote).status == 201
    figure = deployment.get("b", "/api/v1/analytics/feedback", key=ADMIN_KEY)
    assert figure.status == 200
    entry = next(e for e in figure.body["feedback"] if e["slug"] == "failed-payment")
    assert {"helpful": False, "comment": comment} in entry["comments"]
    # A search on node b reaches node a's dashboard too (written within a second, off the
    # request path).
    query = "invoice " + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:6])
    found_on(deployment, "b", query)

    def searched() -> bool:
        top = deployment.get("a", "/api/v1/analytics/top-queries", key=ADMIN_KEY).body
        return any(row["query"] == query for row in top["top-queries"])

    eventually(searched, "node b's search on node a's dashboard", timeout=15)


def test_the_rate_limit_holds_across_nodes(deployment: Deployment) -> None:
    statuses = [
        deployment.get("ab"[n % 2], f"/api/v1/autocomplete?q=refu{n}").status
        for n in range(AUTOCOMPLETE_LIMIT)
    ]
    assert statuses == [200] * AUTOCOMPLETE_LIMIT  # three on each node
    for name in ("a", "b"):
        refused = deployment.get(name, "/api/v1/autocomplete?q=refund")
        assert refused.status == 429, refused
        assert refused.body["error"]["code"] == "rate_limited"


def test_each_node_reports_its_metrics(deployment: Deployment) -> None:
    for name in ("a", "b"):
        assert deployment.get(name, "/metrics").status == 401
        node = deployment.nodes[name]
        call = urllib.request.Request(
            f"{node.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        with urllib.request.urlopen(call, timeout=30) as response:
            text = response.read().decode()
        assert 'kb_index_state{state="ok"} 1.0' in text
        assert 'kb_searches_total{mode="hybrid",no_good_match="false"}' in text
        assert "kb_index_generation_age_seconds " in text
        assert "kb_index_build_duration_seconds " in text
        assert "kb_event_queue_depth " in text


@contextlib.contextmanager
def traffic(send: Callable[[int], Answer], answers: list[Answer]) -> Iterator[None]:
    """Requests one after another on a thread, for as long as the block runs."""
    stop = threading.Event()

    def run() -> None:
        number = 0
        while not stop.is_set():
            answers.append(send(number))
            number += 1

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(60)


def test_killing_a_node_loses_no_request_the_other_serves(deployment: Deployment) -> None:
    proxy = Proxy(deployment)
    slugs = ["request-a-refund", "failed-payment", "cancel-subscription"]
    votes_before = helpful_votes(deployment, "update-payment-method")
    answers: list[Answer] = []

    def send(number: int) -> Answer:
        if number % 5 == 4:  # writes too: a vote
            return proxy.send("/api/v1/articles/update-payment-method/feedback", {"helpful": True})
        if number % 2:
            return proxy.send(f"/api/v1/articles/{slugs[number % 3]}")
        return proxy.send(f"/api/v1/search?q=payment+{number}")

    with traffic(send, answers):
        eventually(lambda: len(answers) >= 20, "traffic on both nodes", timeout=30)
        deployment.nodes["a"].kill()  # no graceful shutdown
        killed_at = len(answers)
        eventually(lambda: len(answers) >= killed_at + 30, "traffic after the kill", timeout=30)
    assert [a for a in answers if a.status not in (200, 201)] == []
    assert {a.node for a in answers[:killed_at]} == {"a", "b"}
    assert {a.node for a in answers[killed_at + 1 :]} == {"b"}
    votes = sum(1 for a in answers if a.status == 201)
    assert helpful_votes(deployment, "update-payment-method") == votes_before + votes
    deployment.start_node("a")  # back, on another port
    assert deployment.get("a", "/readyz").status == 200


def helpful_votes(deployment: Deployment, slug: str) -> int:
    figure = deployment.get("b", "/api/v1/analytics/feedback", key=ADMIN_KEY).body["feedback"]
    return next((e["helpful"] for e in figure if e["slug"] == slug), 0)


def test_killing_the_indexer_loses_no_request(deployment: Deployment) -> None:
    """Killed as it starts a build for an edit: the nodes go on serving what they served, and
    the indexer, started again, indexes the edit."""
    served = deployment.generation()
    answers: list[Answer] = []

    def send(number: int) -> Answer:
        node = "ab"[number % 2]
        return deployment.get(node, f"/api/v1/search?q=refund+{number}")

    with traffic(send, answers):
        write_article(deployment.site, "numbat-billing-faq", "The numbatfee is charged monthly.")
        time.sleep(0.3)  # the watcher's debounce has passed: its build is under way, or close
        deployment.indexer.kill()
        count = len(answers)
        eventually(lambda: len(answers) >= count + 20, "traffic after the kill", timeout=30)
    assert [a for a in answers if a.status != 200] == []
    current = deployment.generation()
    # Killed mid-build (the build takes over a second here), nothing was published; were the
    # machine fast enough to finish first, the nodes would serve the edit: either is right.
    FIGURES["two nodes: indexer killed before its build published"] = current == served
    for name in ("a", "b"):
        health = deployment.get(name, "/healthz").body
        assert (health["status"], health["generation"]) == ("ok", current)  # never "degraded"
    deployment.indexer.start()
    for name in ("a", "b"):
        eventually(
            lambda name=name: "numbat-billing-faq" in found_on(deployment, name, "numbatfee"),
            f"the edit searchable on node {name} after the indexer came back",
        )
