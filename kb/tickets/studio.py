"""What the writer studio shows, without the web: the draft list filtered, sorted and paged;
a draft's front matter from its form's fields; and what an update draft would add to its
article, each line marked new or already there."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kb.content.loading import content_files
from kb.tickets.draft_files import ARCHIVE, DRAFTS, Draft, draft_slug, file_text, slug_for

PER_PAGE = 20
SIZES = (1, 3, 10)  # "at least this many tickets" filters
SORTS = ("customers", "newest", "oldest", "title")
KINDS = ("new", "update")


@dataclasses.dataclass(frozen=True)
class DraftRow:
    id: str
    title: str
    kind: str  # new or update
    update_of: str | None
    category: str
    customers: int  # tickets behind it: each a customer who had the problem
    generated: str
    edited: bool
    review: str | None  # "in review" or "merged" (KB_PUBLISH=branch), else None

    @classmethod
    def of(cls, draft: Draft, review: str | None = None) -> DraftRow:
        update_of = draft.meta.get("update_of")
        return cls(
            draft.id,
            str(draft.meta.get("title") or draft.id),
            "update" if update_of else "new",
            str(update_of) if update_of else None,
            str(draft.meta.get("category") or "general"),
            len(draft.source_tickets),
            str(draft.meta.get("generated") or ""),
            draft.edited,
            review,
        )


@dataclasses.dataclass(frozen=True)
class ListQuery:
    kind: str = ""
    category: str = ""
    size: int = 1
    sort: str = "customers"
    page: int = 1

    @classmethod
    def of(cls, args: dict[str, str]) -> ListQuery:
        """From a request's query string; a value out of range is the default, not an error
        (the list is a view, and an old bookmark should still open)."""
        size = int(args["size"]) if args.get("size", "").isdigit() else 1
        page = int(args["page"]) if args.get("page", "").isdigit() else 1
        category = args.get("category", "")
        return cls(
            args.get("kind", "") if args.get("kind") in KINDS else "",
            category if re.fullmatch(r"[a-z0-9_-]{1,64}", category) else "",
            size if size in SIZES else 1,
            args.get("sort", "") if args.get("sort") in SORTS else "customers",
            max(1, min(page, 10_000)),
        )


@dataclasses.dataclass(frozen=True)
class DraftPage:
    rows: list[DraftRow]
    total: int
    page: int
    pages: int


def select(rows: Sequence[DraftRow], query: ListQuery) -> DraftPage:
    """The rows the filters keep, in the order asked for, one page of them."""
    kept = [
        row
        for row in rows
        if (not query.kind or row.kind == query.kind)
        and (not query.category or row.category == query.category)
        and row.customers >= query.size
    ]
    orders: dict[str, Any] = {
        "customers": lambda r: (-r.customers, r.title.lower()),
        "newest": lambda r: (_negated(r.generated), -r.customers, r.title.lower()),
        "oldest": lambda r: (r.generated, -r.customers, r.title.lower()),
        "title": lambda r: r.title.lower(),
    }
    kept.sort(key=orders[query.sort])
    pages = max(1, math.ceil(len(kept) / PER_PAGE))
    page = min(query.page, pages)
    return DraftPage(kept[(page - 1) * PER_PAGE : page * PER_PAGE], len(kept), page, pages)


def _negated(day: str) -> tuple[int, ...]:
    return tuple(-int(part) for part in re.findall(r"\d+", day)) or (0,)


def categories(content_dir: Path) -> list[str]:
    """The categories articles are in: the content folder's folders that hold articles."""
    found = {
        relative.split("/", 1)[0]
        for relative in content_files(content_dir)
        if "/" in relative and not relative.startswith((f"{DRAFTS}/", f"{ARCHIVE}/"))
    }
    return sorted(found)


def compose(draft: Draft, fields: dict[str, Any], body: str) -> str:
    """The draft's file with the form's fields (title, slug, category, audience, type, tags)
    and body; what the form does not show (source tickets, the generator's hash) is kept. A
    slug equal to the title's is not stored, so the slug follows the title until set."""
    meta = dict(draft.meta)
    for name in ("title", "category", "audience", "type", "tags"):
        meta[name] = fields[name]
    slug = str(fields.get("slug") or "").strip()
    if slug and slug != slug_for(str(fields["title"])):
        meta["slug"] = slug
    else:
        meta.pop("slug", None)
    return file_text(meta, body.replace("\r\n", "\n").rstrip("\n") + "\n")


def form_values(draft: Draft) -> dict[str, Any]:
    """The form's fields as the draft has them; `slug_follows` while no slug was set."""
    tags = draft.meta.get("tags") or []
    return {
        "title": str(draft.meta.get("title") or ""),
        "slug": draft_slug(draft),
        "slug_follows": not draft.meta.get("slug"),
        "category": str(draft.meta.get("category") or "general"),
        "audience": str(draft.meta.get("audience") or "public"),
        "type": str(draft.meta.get("type") or "troubleshooting"),
        "tags": ", ".join(str(t) for t in tags) if isinstance(tags, list) else str(tags),
    }


@dataclasses.dataclass(frozen=True)
class Addition:
    section: str
    text: str
    new: bool  # not already in the article


_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+(.*\S)\s*$")


def proposed_additions(draft_body: str, article_text: str) -> list[Addition]:
    """Each line an update draft proposes (its list items and paragraphs, by section), marked
    new unless the article already says it (its words, ignoring case and punctuation)."""
    known = _plain(article_text)
    found: list[Addition] = []
    section = ""
    for line in draft_body.splitlines():
        if line.startswith("#"):
            section = line.lstrip("#").strip()
            continue
        item = _ITEM.match(line)
        text = item.group(1) if item else line.strip()
        if not text or not section or section.lower() == "related articles":
            continue
        found.append(Addition(section, text, _plain(text) not in known))
    return found


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))
