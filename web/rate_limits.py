"""Rate limits per client address, counted where every worker and node sees them (Redis, with
`KB_RATELIMIT_URL`) or in this process's memory (the single-process default).

Each family (searches, votes, sign-in attempts...) has its own limits (`KB_<FAMILY>_RATE_LIMIT`),
counted over a moving window, so `Retry-After` is exact. Client addresses live only in that store,
each until its window has passed; nothing here writes them anywhere else.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from flask import request
from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from kb.errors import RateLimited
from kb.settings import RATE_LIMITED, Settings, parse_rate_limit
from kb.widget_settings import WIDGET_RATE_LIMITED
from web.services import services

log = logging.getLogger(__name__)
Result = TypeVar("Result")

# How a refusal names what was counted.
COUNTED = {
    "search": "searches",
    "autocomplete": "autocomplete requests",
    "vote": "votes",
    "sign_in": "sign-in attempts",
    "wrong_key": "wrong keys",
    "contact": "messages",
    "lockout": "failed sign-ins",
    "conversation": "messages to the answer bot",
}
# Families counted per account (a hash of the e-mail address typed), not per client address:
# a password guesser moving between addresses still locks the account it tries.
PER_ACCOUNT = ("lockout",)
# A lost Redis must not hold requests up: fail fast, count in memory meanwhile, retry later.
REDIS_TIMEOUT_SECONDS = 0.5
RETRY_SHARED_STORE_AFTER = 30.0


def client_address() -> str:
    """Who is counted: the address the request came from."""
    return request.remote_addr or "unknown"


class RateLimits:
    """Each client's requests per family, checked against that family's limits."""

    def __init__(self, settings: Settings) -> None:
        self.limits = {
            family: parse_rate_limit(getattr(settings, f"{family}_rate_limit"))
            for family in (*RATE_LIMITED, *WIDGET_RATE_LIMITED)
        }
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.shared: MovingWindowRateLimiter | None = None
        if settings.ratelimit_url:
            store = storage_from_string(
                settings.ratelimit_url,
                key_prefix="kb-ratelimit",
                wrap_exceptions=True,  # any Redis failure arrives as StorageError
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self.shared = MovingWindowRateLimiter(store)
        self.shared_down_until = 0.0

    def hit(self, family: str, who: str | None = None) -> None:
        """Count this request, or refuse it (RateLimited) when it would pass a limit. `who` is
        what is counted: the client's address unless given (an account, for lockout)."""
        client = who or client_address()
        for limit in self.limits[family]:
            if not self._on_store(MovingWindowRateLimiter.hit, limit, family, client):
                raise self._refusal(family, limit, client)

    def refuse_if_spent(self, family: str, who: str | None = None) -> None:
        """Refuse (RateLimited) a client that has used up a limit; count nothing."""
        client = who or client_address()
        for limit in self.limits[family]:
            if not self._on_store(MovingWindowRateLimiter.test, limit, family, client):
                raise self._refusal(family, limit, client)

    def count(self, family: str, who: str | None = None) -> None:
        """Count an event after the fact (a wrong key), refusing nothing now."""
        client = who or client_address()
        for limit in self.limits[family]:
            self._on_store(MovingWindowRateLimiter.hit, limit, family, client)

    def _refusal(self, family: str, limit: RateLimitItem, client: str) -> RateLimited:
        stats = self._on_store(MovingWindowRateLimiter.get_window_stats, limit, family, client)
        reset = stats.reset_time
        retry_after = max(1, math.ceil(reset - time.time()))
        source = "for this account" if family in PER_ACCOUNT else "from your address"
        return RateLimited(
            f"Too many {COUNTED[family]} {source} ({limit.amount} per "
            f"{_window(limit)}); try again in {retry_after} seconds.",
            retry_after=retry_after,
        )

    def _on_store(
        self, operation: Callable[..., Result], limit: RateLimitItem, *keys: str
    ) -> Result:
        """`operation` (hit, test...) on the shared store; while that is unreachable, on this
        process's memory (limits then hold per process) rather than refusing or admitting all."""
        if self.shared is not None and time.monotonic() >= self.shared_down_until:
            try:
                return operation(self.shared, limit, *keys)
            except StorageError as error:
                self.shared_down_until = time.monotonic() + RETRY_SHARED_STORE_AFTER
                log.warning(
                    "the rate-limit store (KB_RATELIMIT_URL) is unreachable (%s); counting in "
                    "this process's memory for %.0f s",
                    error.storage_error,
                    RETRY_SHARED_STORE_AFTER,
                )
        return operation(self.memory, limit, *keys)


def _window(limit: RateLimitItem) -> str:
    unit = limit.GRANULARITY.name
    return unit if limit.multiples == 1 else f"{limit.multiples} {unit}s"


def rate_limited(family: str) -> Callable:
    """Count each request to the view against the client's `family` limits (429 past them)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            services().rate_limits.hit(family)
            return view(*args, **kwargs)

        return wrapped

    return decorator
