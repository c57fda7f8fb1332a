"""The live index for a server: it follows CURRENT, and keeps serving the generation it has while a
new one cannot be opened."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path

from kb.errors import IndexNotReady
from kb.index.generations import NOT_BUILT, BrokenGeneration, IndexLayout
from kb.index.loaded import LoadedIndex, describe_failure
from kb.settings import Settings

# A published generation never changes, so one that cannot be opened stays broken; but opening
# can also fail for a passing reason (a chroma server that is down), so it is tried again this
# often, rather than on every request.
RETRY_SECONDS = 30.0


log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class OpenFailure:
    """Why the generation CURRENT names is not the one served."""

    generation: str | None  # what CURRENT names; None when there is none or it cannot be read
    reason: str  # one line
    tried: float = dataclasses.field(default_factory=time.monotonic)

    @property
    def message(self) -> str:
        return f"the index cannot be opened: {self.reason}"

    def due(self) -> bool:
        return time.monotonic() - self.tried >= RETRY_SECONDS


class IndexHandle:
    """The live index for a server: follows CURRENT, so a finished build is picked up at once.

    A generation that cannot be opened is not served: the handle keeps the one it has, logs why
    once, and tries that generation again every RETRY_SECONDS, or as soon as CURRENT names
    another."""

    def __init__(self, data_dir: Path, chroma_url: str = "") -> None:
        self.layout = IndexLayout(data_dir)
        self.chroma_url = chroma_url
        self._loaded: LoadedIndex | None = None
        self._failure: OpenFailure | None = None
        self._lock = threading.RLock()

    @classmethod
    def for_settings(cls, settings: Settings) -> IndexHandle:
        return cls(settings.data_dir, settings.chroma_url)

    def get(self) -> LoadedIndex:
        """The index to search: the generation CURRENT names or, while that cannot be opened,
        the one served before it; IndexNotReady when there is none."""
        served, failure = self.state()
        if served is None:
            raise IndexNotReady(failure.message if failure else NOT_BUILT)
        return served

    def state(self) -> tuple[LoadedIndex | None, OpenFailure | None]:
        """The generation served (None while none can be), and why it is not the one CURRENT
        names (None when it is, or when nothing was ever built)."""
        try:
            name = self.layout.current_generation()
            if name is None and self._loaded is not None:
                raise BrokenGeneration(None, "CURRENT is missing")
        except BrokenGeneration as error:
            return self._loaded, self._failed(error, retried=False)
        if name is None:
            return None, None  # nothing was ever built
        served, failure = self._loaded, self._failure
        if served is not None and served.name == name:
            if failure is None:
                return served, None
        elif failure is not None and failure.generation == name and not failure.due():
            return served, failure
        with self._lock:
            if self._loaded is None or self._loaded.name != name:
                failure = self._failure
                if failure is not None and failure.generation == name and not failure.due():
                    return self._loaded, failure
                try:
                    opened = LoadedIndex(self.layout.root / name, self.chroma_url, self._loaded)
                except Exception as error:  # noqa: BLE001 - a bad index must not take the site down
                    if not isinstance(error, BrokenGeneration):
                        error = BrokenGeneration(
                            name, f"{name}: {describe_failure(error, self.layout.root)}"
                        )
                    return self._loaded, self._failed(error, retried=True)
                self._loaded = opened
            if self._failure is not None:
                log.info("serving index %s, the one CURRENT names", name)
                self._failure = None
            return self._loaded, None

    def ready(self) -> bool:
        """Whether an index is served (perhaps an older one than CURRENT names)."""
        return self.state()[0] is not None

    def _failed(self, error: BrokenGeneration, *, retried: bool) -> OpenFailure:
        """Remember why CURRENT's generation is not served; log it once, not on every request."""
        known = self._failure
        # A CURRENT that is still broken is met again on every request: nothing new to record.
        if not retried and known is not None and known.reason == error.reason:
            return known
        with self._lock:
            known = self._failure
            self._failure = OpenFailure(error.generation, error.reason)
            if known is None or known.generation != error.generation:
                served = self._loaded
                log.warning(
                    "cannot serve the index CURRENT names: %s; %s",
                    error.reason,
                    f"still serving {served.name}" if served else "no index to serve",
                )
            return self._failure
