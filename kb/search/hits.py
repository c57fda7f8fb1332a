"""What retrievers return and what searches may be narrowed by."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from kb.errors import BadRequest

MAX_LIMIT = 1000


@dataclasses.dataclass(frozen=True)
class Hit:
    """A section and its retriever score; higher is better within one retriever."""

    section_id: str
    score: float


@dataclasses.dataclass(frozen=True)
class Filters:
    """Narrow a search. Internal articles are reached only with include_internal."""

    category: str | None = None
    tag: str | None = None
    type: str | None = None
    kind: str | None = None
    include_internal: bool = False

    @property
    def narrows(self) -> bool:
        return any((self.category, self.tag, self.type, self.kind))


def first_section(hits: Sequence[Hit]) -> str | None:
    """The id of the first hit's section, if any (a retriever's best)."""
    return hits[0].section_id if hits else None


def check_limit(limit: int, maximum: int = MAX_LIMIT) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= maximum:
        raise BadRequest(f"limit must be a whole number from 1 to {maximum}", field="limit")
    return limit
