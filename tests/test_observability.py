"""What an operator watches: /metrics (behind its token), /readyz beside /healthz, a request id
on every answer, and JSON logs that carry it."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.parse
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

import kb.analytics.events as events
from kb.errors import ConfigurationError
from kb.index.generations import IndexLayout, read_manifest
from kb.settings import Settings
from tests.browser.server import Site, running_server
from tests.helpers import CHROMA_URL, app_config
from web import create_app
from web.logs import configure_logging

TOKEN = "metrics-token-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}


def metric_samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of an exposition, keyed by its name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def watched(built, content_dir, data_dir, embedder, database_url):
    """The app with a metrics token."""
    return create_app(
        app_config(content_dir, data_dir, embedder, database_url, METRICS_TOKEN=TOKEN)
    )


def scrape(app) -> dict:
    response = app.test_client().get("/metrics", headers=SCRAPE)
    assert response.status_code == 200, response.data
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    return metric_samples(response.get_data(as_text=True))


def test_metrics_are_not_served_without_a_token_setting(client) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=SCRAPE).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token-0123456789"}, {"Authorization": f"Basic {TOKEN}"}],
    ids=["none", "wrong", "not bearer"],
)
def test_metrics_need_the_token(watched, headers) -> None:
    response = watched.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert b"kb_" not in response.data


def test_wrong_metrics_tokens_count_as_wrong_keys(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    config = app_config(
        content_dir, data_dir, embedder, database_url, METRICS_TOKEN=TOKEN,
        WRONG_KEY_RATE_LIMIT="2 per minute",
    )  # fmt: skip
    client = create_app(config).test_client()
    assert client.get("/metrics").status_code == 401  # no token: not counted
    wrong = {"Authorization": "Bearer wrong-token-0123456789"}
    assert [client.get("/metrics", headers=wrong).status_code for _ in range(2)] == [401, 401]
    assert client.get("/metrics", headers=SCRAPE).status_code == 429  # that address waits


def test_metrics_count_requests_searches_and_their_stages(watched) -> None:
    client = watched.test_client()
    for query in ("refund", "cancel my subscription"):
        assert client.get("/api/v1/search", query_string={"q": query}).status_code == 200
    assert client.get("/api/v1/search?q=refund&mode=keyword").status_code == 200
    nothing = client.get("/api/v1/search?q=qqzzxxvv").get_json()
    assert nothing["no_good_match"] is True
    assert client.get("/search?q=refund").status_code == 200  # the results page counts too
    assert client.get("/api/v1/search?q=").status_code == 400
    assert client.get("/no-such-page").status_code == 404

    samples = scrape(watched)
    searches = "kb_searches_total"
    assert sample(samples, searches, mode="hybrid", no_good_match="false") == 3
    assert sample(samples, searches, mode="keyword", no_good_match="false") == 1
    assert sample(samples, searches, mode="hybrid", no_good_match="true") == 1
    requests = "kb_http_request_duration_seconds_count"
    api = {"endpoint": "/api/v1/search", "method": "GET"}
    assert sample(samples, requests, **api, status="200") == 4
    assert sample(samples, requests, **api, status="400") == 1
    assert sample(samples, requests, endpoint="/search", method="GET", status="200") == 1
    assert sample(samples, requests, endpoint="unmatched", method="GET", status="404") == 1
    bucket = "kb_http_request_duration_seconds_bucket"
    assert sample(samples, bucket, **api, status="200", le="+Inf") == 4
    # Every search asks both retrievers (its confidence is judged on hybrid scores).
    for stage in ("embedding", "keyword", "vector"):
        assert sample(samples, "kb_search_stage_duration_seconds_count", stage=stage) >= 5
        assert sample(samples, "kb_search_stage_duration_seconds_sum", stage=stage) > 0


def test_metrics_describe_the_index_served(watched, data_dir) -> None:
    samples = scrape(watched)
    assert sample(samples, "kb_index_state", state="ok") == 1
    assert sum(sample(samples, "kb_index_state", state=s) for s in ("degraded", "starting")) == 0
    layout = IndexLayout(data_dir)
    manifest = read_manifest(layout.root / layout.current_generation())
    assert manifest["build_seconds"] > 0
    assert sample(samples, "kb_index_build_duration_seconds") == manifest["build_seconds"]
    assert 0 <= sample(samples, "kb_index_generation_age_seconds") < 3600  # built in this test
    articles = watched.test_client().get("/healthz").get_json()["articles"]
    assert sample(samples, "kb_index_articles") == articles == len(manifest["articles"])


def test_metrics_without_an_index(tmp_path) -> None:
    app = create_app(
        {"DATA_DIR": str(tmp_path / "empty"), "EMBEDDER": "hashing", "METRICS_TOKEN": TOKEN}
    )
    samples = scrape(app)
    assert sample(samples, "kb_index_state", state="starting") == 1
    assert ("kb_index_generation_age_seconds", frozenset()) not in samples


def test_the_event_queue_depth_follows_the_queue(watched, monkeypatch) -> None:
    """Searches recorded while the writer is stuck in a slow database write wait in the queue,
    and the gauge says how many; once written, it is back to 0."""
    writing, release = threading.Event(), threading.Event()
    write = events.write_events
    recorder = watched.extensions["kb"].events

    def slow_write(database, batch) -> None:
        if database is recorder.database:  # not another app's writer, left from another test
            writing.set()
            assert release.wait(30)
        write(database, batch)

    monkeypatch.setattr(events, "write_events", slow_write)
    client = watched.test_client()
    assert client.get("/api/v1/search?q=refund").status_code == 200
    assert writing.wait(10)  # the writer holds that search's batch and is stuck writing it
    for _ in range(3):
        assert client.get("/api/v1/search?q=refund").status_code == 200
    assert sample(scrape(watched), "kb_event_queue_depth") == 3
    release.set()
    recorder.flush()
    assert sample(scrape(watched), "kb_event_queue_depth") == 0


def test_every_answer_has_a_request_id(client) -> None:
    first = client.get("/api/v1/search?q=refund").headers["X-Request-ID"]
    second = client.get("/no-such-page").headers["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0 and first != second
    # The proxy's id is kept, so its log and the app's can be joined...
    kept = client.get("/healthz", headers={"X-Request-ID": "0f3c-proxy.id:42"})
    assert kept.headers["X-Request-ID"] == "0f3c-proxy.id:42"
    # ...unless it is no id at all.
    for sent in ("short", "a b c d e f g h", "x" * 129, '"},{"level":"forged'):
        answer = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
        assert answer != sent and len(answer) == 32


@pytest.fixture
def json_logs():
    yield
    configure_logging("text")  # the root logger as it was


def test_json_logs_carry_the_request_id(
    json_logs, built, content_dir, data_dir, embedder, database_url, capsys
) -> None:
    config = app_config(content_dir, data_dir, embedder, database_url, LOG_FORMAT="json")
    app = create_app(config)

    def noisy():
        logging.getLogger("kb.example").warning("something to look at: %s", "details")
        return "ok"

    app.add_url_rule("/noisy", view_func=noisy)
    capsys.readouterr()
    request_id = app.test_client().get("/noisy").headers["X-Request-ID"]
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 1, lines
    entry = lines[0]
    assert entry["request_id"] == request_id
    assert entry["message"] == "something to look at: details"
    assert (entry["level"], entry["logger"]) == ("WARNING", "kb.example")
    assert entry["time"].endswith("Z") and isinstance(entry["pid"], int)


def test_text_logs_stay_as_they_were(json_logs) -> None:
    configure_logging("json")
    configure_logging("text")
    assert not [h for h in logging.getLogger().handlers if type(h).__name__ == "_AppHandler"]


def test_readyz_waits_for_an_index_and_a_warm_up(tmp_path, watched, embedder) -> None:
    empty = create_app({"DATA_DIR": str(tmp_path / "empty"), "EMBEDDER": "hashing"})
    response = empty.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["status"] == "starting"
    client = watched.test_client()
    embedder.embedded.clear()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "generation": embedder_generation(watched)}
    assert embedder.embedded == ["warm up"]  # it searched before saying ready...
    assert client.get("/readyz").status_code == 200
    assert embedder.embedded == ["warm up"]  # ...once
    assert client.get("/healthz").get_json()["status"] == "ok"


def embedder_generation(app) -> str:
    return app.extensions["kb"].index.get().name


def test_readyz_fails_while_the_index_cannot_be_searched(watched, monkeypatch) -> None:
    engine = watched.extensions["kb"].engine

    def broken(*args, **kwargs):
        raise OSError("the vector store went away")

    monkeypatch.setattr(engine, "rank", broken)
    response = watched.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["status"] == "warming"
    assert watched.test_client().get("/healthz").status_code == 200  # still serving


@pytest.mark.parametrize(
    "environ",
    [{"KB_LOG_FORMAT": "xml"}, {"KB_METRICS_TOKEN": "short"}],
)
def test_bad_observability_settings_name_the_variable(environ: dict) -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env(environ)
    assert next(iter(environ)) in str(error.value)


def test_settings_do_not_show_the_metrics_token() -> None:
    assert TOKEN not in repr(Settings(metrics_token=TOKEN))


def test_under_gunicorn_a_scrape_adds_up_every_worker_and_logs_are_json(
    built, content_dir, data_dir, database_url, tmp_path
) -> None:
    """Each of the two workers serves half the searches and answers scrapes; every scrape counts
    all the searches. Every line of gunicorn's logs is JSON, and each request's access line
    carries the id its answer had."""
    environment = {
        "KB_EMBEDDER": "hashing",
        "KB_MIN_CONFIDENCE": "0",
        "KB_CHROMA_URL": CHROMA_URL,
        "KB_DATABASE_URL": database_url,
        "KB_METRICS_TOKEN": TOKEN,
        "KB_LOG_FORMAT": "json",
    }
    site = Site(content_dir, data_dir)
    half = 20
    with running_server(site, tmp_path / "server.log", environment) as server:
        # One worker held by a request that never ends: the other serves the first half...
        first = stalled_request(server.url)
        answered = [search(server.url, n) for n in range(half)]
        scrapes = [get_text(f"{server.url}/metrics", SCRAPE) for _ in range(3)]
        # ...then the only idle worker takes a second stalled request, the first is let go, and
        # that worker serves the second half.
        second = stalled_request(server.url)
        first.close()
        answered += [search(server.url, n) for n in range(half, 2 * half)]
        scrapes += [get_text(f"{server.url}/metrics", SCRAPE) for _ in range(3)]
        second.close()
    for text in scrapes[3:]:  # the first three were before the second half
        samples = metric_samples(text)
        hybrid = {"mode": "hybrid", "no_good_match": "false"}
        assert sample(samples, "kb_searches_total", **hybrid) == 2 * half
        count = sample(
            samples,
            "kb_http_request_duration_seconds_count",
            endpoint="/api/v1/search",
            method="GET",
            status="200",
        )
        assert count == 2 * half
    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    logged = [json.loads(line) for line in lines]  # every line: a JSON object
    access = [e for e in logged if e["logger"] == "gunicorn.access"]
    searches = [e for e in access if e["path"] == SEARCH_PATH]
    assert [e["request_id"] for e in searches] == answered
    assert {e["status"] for e in searches} == {200}
    assert "q=" not in json.dumps(access)  # never the query string
    first_half = {e["pid"] for e in searches[:half]}
    second_half = {e["pid"] for e in searches[half:]}
    assert len(first_half) == len(second_half) == 1 and first_half != second_half
    scraped_by = {e["pid"] for e in access if e["path"] == "/metrics"}
    assert scraped_by == first_half | second_half  # each worker answered scrapes
    assert any(e["logger"] == "gunicorn.error" for e in logged)


def stalled_request(url: str) -> socket.socket:
    """A request whose headers never end, which keeps the sync worker that took it busy until
    the socket is closed."""
    host, port = urllib.parse.urlsplit(url).hostname, urllib.parse.urlsplit(url).port
    connection = socket.create_connection((host, port), timeout=30)
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
    time.sleep(1.0)  # for a worker to take it (the other one is idle, and may)
    return connection


SEARCH_PATH = "/api/v1/search"


def search(url: str, number: int) -> str:
    """One search; returns the request id of its answer."""
    with urllib.request.urlopen(f"{url}{SEARCH_PATH}?q=refund+{number}", timeout=30) as answer:
        answer.read()
        return answer.headers["X-Request-ID"]


def get_text(url: str, headers: dict[str, str]) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as answer:
        return answer.read().decode()
