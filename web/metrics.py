"""/metrics in Prometheus' text format: requests, searches, search stages, the analytics queue,
and the index this node serves.

Under gunicorn each worker counts in its own memory-mapped file in PROMETHEUS_MULTIPROC_DIR
(gunicorn.conf.py makes one per server) and a scrape, whichever worker answers it, adds up
every worker's files: prometheus-client's multiprocess mode. Without that directory (`kb serve`,
tests) the process counts in memory. What is true of the moment rather than counted (the index
served, its age) is read when the scrape comes, by the worker answering it.

/metrics answers only a caller sending `Authorization: Bearer <KB_METRICS_TOKEN>`; without the
setting it is not served at all. No label carries what a customer typed or who they are.
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from collections.abc import Iterable, Iterator

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from kb.delivery.outbox import backlog
from kb.errors import NotFound, Unauthorized
from kb.index.handle import IndexHandle
from kb.state.database import Database
from web.services import services

blueprint = Blueprint("metrics", __name__)

# Requests take milliseconds (a search) to seconds (a suggestion for a long ticket).
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A stage of a search takes from a tenth of a millisecond (a cached query vector) to tens.
STAGE_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
INDEX_STATES = ("ok", "degraded", "starting", "unavailable")
UNMATCHED = "unmatched"  # the endpoint label of a request no route matched (a 404)


def multiprocess() -> bool:
    """Whether this process counts in PROMETHEUS_MULTIPROC_DIR's files. prometheus-client decides
    once, when it is first imported; gunicorn.conf.py sets the variable before that."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


class Metrics:
    """The app's counters and histograms; also the search engine's observer
    (kb.search.observer.SearchObserver) and the analytics queue's depth gauge."""

    def __init__(self) -> None:
        # Its own registry, so two apps in one process (tests) do not collide; in multiprocess
        # mode a scrape reads the files instead, which every metric writes whatever its registry.
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "kb_http_request_duration_seconds",
            "Time the app took to answer a request, by route, method and status.",
            ["endpoint", "method", "status"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.searches = Counter(
            "kb_searches",
            "Searches answered (pages, API, search as you type, contact suggestions), by mode "
            "and whether no result reached the confidence floor.",
            ["mode", "no_good_match"],
            registry=self.registry,
        )
        self.stages = Histogram(
            "kb_search_stage_duration_seconds",
            "Time of each stage of a search: the query embedding, the keyword query, the "
            "vector query (suggestions for tickets included).",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=self.registry,
        )
        self.event_queue = Gauge(
            "kb_event_queue_depth",
            "Analytics events waiting for the background writer, over every worker.",
            multiprocess_mode="livesum",  # a dead worker's queue is gone: leave it out
            registry=self.registry,
        )

    def stage(self, name: str, seconds: float) -> None:
        self.stages.labels(name).observe(seconds)

    def searched(self, mode: str, no_good_match: bool) -> None:
        self.searches.labels(mode, "true" if no_good_match else "false").inc()

    def queue_depth(self, depth: int) -> None:
        self.event_queue.set(depth)


class LiveFigures:
    """What a scrape reads at the moment it comes, in the worker answering it: the index this
    node serves (every worker follows the same CURRENT) and the outbox's backlog."""

    def __init__(self, index: IndexHandle, database: Database | None = None) -> None:
        self.index = index
        self.database = database

    def collect(self) -> Iterator[Metric]:
        yield from self.outbox()
        served, failure = self.index.state()
        state = "ok" if failure is None else "degraded"
        if served is None:
            state = "starting" if failure is None else "unavailable"
        states = GaugeMetricFamily(
            "kb_index_state",
            "1 for the state /healthz reports (ok, degraded, starting, unavailable), 0 for the "
            "others.",
            labels=["state"],
        )
        for name in INDEX_STATES:
            states.add_metric([name], 1.0 if name == state else 0.0)
        yield states
        if served is None:
            return
        manifest = served.manifest
        created = dt.datetime.fromisoformat(manifest["created"])
        yield GaugeMetricFamily(
            "kb_index_generation_age_seconds",
            "Seconds since the generation served was published.",
            value=max(0.0, time.time() - created.timestamp()),
        )
        if "build_seconds" in manifest:  # generations built before it was recorded have none
            yield GaugeMetricFamily(
                "kb_index_build_duration_seconds",
                "How long the build of the generation served took.",
                value=float(manifest["build_seconds"]),
            )
        yield GaugeMetricFamily(
            "kb_index_articles",
            "Articles in the generation served (as /healthz counts them).",
            value=len(served.articles),
        )

    def outbox(self) -> Iterator[Metric]:
        """Tickets handed to a queue and not yet delivered onward: counted in the database when
        the scrape comes, one figure for the whole site (every node sees the same outbox), not a
        per-worker gauge that a scrape would add up."""
        if self.database is None:
            return
        try:
            figures = backlog(self.database)
        except SQLAlchemyError:  # the database being away must not take the other figures
            return
        yield GaugeMetricFamily(
            "kb_outbox_backlog",
            "Tickets waiting to be delivered to a queue's webhook or e-mail address (outbox rows "
            "pending, retries included).",
            value=figures.pending,
        )
        yield GaugeMetricFamily(
            "kb_outbox_oldest_pending_age_seconds",
            "How long the oldest waiting outbox row has waited (0 when none waits).",
            value=figures.oldest_pending_seconds,
        )
        yield GaugeMetricFamily(
            "kb_outbox_failed",
            "Outbox rows given up on (still failing 3 days after they were written): "
            "`kb outbox status` lists them.",
            value=figures.failed,
        )


class _InMemory:
    """The app's own registry, collected as one part of a scrape."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


def exposition(metrics: Metrics, index: IndexHandle, database: Database | None = None) -> bytes:
    """Every metric, in Prometheus' text format (version 0.0.4)."""
    registry = CollectorRegistry()
    if multiprocess():
        MultiProcessCollector(registry)  # every worker's files, the dead ones' counts included
    else:
        registry.register(_InMemory(metrics.registry))
    registry.register(LiveFigures(index, database))
    return generate_latest(registry)


@blueprint.get("/metrics")
def scrape() -> Response:
    """Every metric, to a caller with the metrics token (404 when none is set)."""
    token = services().settings.metrics_token
    if not token:
        raise NotFound("no page /metrics: set KB_METRICS_TOKEN to serve it")
    limits = services().rate_limits
    limits.refuse_if_spent("wrong_key")
    header = request.headers.get("Authorization", "")
    scheme, _, sent = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        if header:  # as with API keys: a wrong token counts, no token does not
            limits.count("wrong_key")
        raise Unauthorized("send the metrics token: Authorization: Bearer <KB_METRICS_TOKEN>")
    body = exposition(services().metrics, services().index, services().database)
    return Response(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)


def register(app: Flask, metrics: Metrics) -> None:
    """Time every request the app answers (from the first before_request hook to the last
    after_request hook, so register this before the others) and serve /metrics."""

    def started() -> None:
        g.metrics_started = time.perf_counter()

    def finished(response: Response) -> Response:
        began = g.pop("metrics_started", None)
        if began is not None:
            rule = request.url_rule
            metrics.requests.labels(
                rule.rule if rule is not None else UNMATCHED, request.method, response.status_code
            ).observe(time.perf_counter() - began)
        return response

    app.before_request(started)
    app.after_request(finished)
    app.register_blueprint(blueprint)
