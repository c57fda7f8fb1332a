"""What a search engine reports as it works, for whoever measures it (the web app's /metrics):
how long each stage took and how each search ended. kb/ knows no metrics library; the web
app hands the engine an observer that records these."""

from __future__ import annotations

from typing import Protocol

# The stages a search reports, in the order they run.
STAGES = ("embedding", "keyword", "vector")


class SearchObserver(Protocol):
    """Told of every stage and every search a SearchEngine runs."""

    def stage(self, name: str, seconds: float) -> None:
        """A stage of STAGES took `seconds` (the query embedding, one keyword or vector query)."""
        ...

    def searched(self, mode: str, no_good_match: bool) -> None:
        """A search in `mode` was answered; `no_good_match` when no result reached the floor."""
        ...


class NoObserver:
    """Nobody is measuring (the CLI, benchmarks, tests): reports go nowhere."""

    def stage(self, name: str, seconds: float) -> None:
        pass

    def searched(self, mode: str, no_good_match: bool) -> None:
        pass
