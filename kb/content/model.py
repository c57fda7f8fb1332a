"""The content model: articles and the sections search finds, frozen, and the problems found in
files."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

Audience = Literal["public", "internal"]
AUDIENCES: tuple[Audience, ...] = ("public", "internal")


STATUSES = ("published", "draft")


TYPES = ("how-to", "troubleshooting", "faq", "policy", "reference")


Kind = Literal["service", "support"]
KINDS: tuple[Kind, ...] = ("service", "support")


@dataclasses.dataclass(frozen=True)
class Section:
    """A heading and the text under it: the unit of retrieval, linked as `slug#anchor`."""

    slug: str
    anchor: str  # "" for the text before the first heading
    title: str
    heading_path: tuple[str, ...]
    text: str
    line: int

    @property
    def id(self) -> str:
        return f"{self.slug}#{self.anchor}"


@dataclasses.dataclass(frozen=True)
class Article:
    slug: str
    title: str
    path: str  # relative to the content folder, POSIX style
    category: str
    body: str
    sections: tuple[Section, ...]
    tags: tuple[str, ...] = ()
    audience: Audience = "public"
    type: str | None = None
    kind: Kind | None = None
    status: str = "published"
    updated: str | None = None  # ISO date
    summary: str = ""
    related: tuple[str, ...] = ()
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    content_hash: str = ""
    context: tuple[str, ...] = ()  # the pages of a site it helps on ("/billing/*"), for the widget

    @property
    def is_public(self) -> bool:
        """Customers may see it: public and published."""
        return self.audience == "public" and self.status == "published"

    @property
    def is_searchable(self) -> bool:
        """Agents may find it: anything published (drafts are never indexed)."""
        return self.status == "published"

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Article:
        fields = dict(data)
        fields["sections"] = tuple(
            Section(**{**s, "heading_path": tuple(s["heading_path"])}) for s in data["sections"]
        )
        for name in ("tags", "related", "context"):
            fields[name] = tuple(data.get(name, ()))
        return cls(**fields)


@dataclasses.dataclass(frozen=True)
class ContentProblem:
    """Something wrong with one file, located so a writer can fix it."""

    path: str
    line: int
    message: str
    fatal: bool = True  # a fatal problem keeps the article out of the index

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclasses.dataclass
class LoadedContent:
    articles: list[Article]
    problems: list[ContentProblem]

    @property
    def skipped(self) -> list[ContentProblem]:
        return [problem for problem in self.problems if problem.fatal]
