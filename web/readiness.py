"""Whether this worker is ready for customers: it serves an index and has searched it once, so
the model, the keyword index's files and the vector index are in memory (/readyz).

gunicorn warms each worker up before it takes a request (gunicorn.conf.py, post_worker_init). A
worker that started before any index could be opened warms up on the first /readyz after one
can: an orchestrator's probe, not a customer, pays for it.
"""

from __future__ import annotations

import logging
import os
import threading

from kb.search.engine import SearchEngine
from kb.search.hits import Filters

log = logging.getLogger(__name__)
WARM_UP_QUERY = "warm up"
EVERY_AUDIENCE = Filters(include_internal=True)  # the public and the internal collections


class Readiness:
    """Warms a worker up once and remembers it (per process: a fork starts cold)."""

    def __init__(self, engine: SearchEngine) -> None:
        self.engine = engine
        self._warm_in: int | None = None  # the process that warmed up
        self._lock = threading.Lock()

    def warm(self) -> bool:
        """Whether this process has searched an index."""
        return self._warm_in == os.getpid()

    def warm_up(self) -> bool:
        """Open the index served and search it once through both retrievers (public and
        internal collections); False when no index can be served or the search failed."""
        if self.warm():
            return True
        with self._lock:
            if self.warm():
                return True
            served, _ = self.engine.handle.state()
            if served is None:
                return False
            try:
                self.engine.rank(WARM_UP_QUERY, filters=EVERY_AUDIENCE, index=served)
            except Exception:  # noqa: BLE001 - a failed warm-up is "not ready", not a crash
                log.warning("warming up on index %s failed", served.name, exc_info=True)
                return False
            self._warm_in = os.getpid()
            return True
