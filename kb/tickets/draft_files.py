"""Draft files under content/drafts/: read, saved against the version a writer opened, published
under content/<category>/ or archived; never written outside content/."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from kb.content.front_matter import CATEGORY, article_problem
from kb.errors import BadRequest, Conflict, InvalidContent, NotFound
from kb.tickets.placeholders import describe, unfilled

DRAFTS = "drafts"


ARCHIVE = ".archive"


_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


# A published article's slug is its file name and its URL.
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
SLUG_RULE = "1 to 100 lower-case letters, digits, '-' or '_'"
# What only the generator reads; a published article does not carry it.
_INTERNAL = {"generated_hash", "generated"}


# A draft's id is its file name: letters, digits, '.', '_', '-' (so never a path), not too long
# for a file system (a 300-character name was a 500).
DRAFT_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")


@dataclasses.dataclass(frozen=True)
class Draft:
    """A draft file as it is on disk."""

    id: str
    path: Path
    meta: dict[str, Any]
    body: str
    text: str

    @property
    def version(self) -> str:
        return text_version(self.text)

    @property
    def edited(self) -> bool:
        return self.meta.get("generated_hash") != body_hash(self.body)

    @property
    def source_tickets(self) -> list[str]:
        return [str(t) for t in self.meta.get("source_tickets") or []]


def text_version(text: str) -> str:
    """What a file held when a writer opened it: saving or publishing over another is refused."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def body_hash(body: str) -> str:
    return hashlib.sha256(body.strip().encode("utf-8")).hexdigest()[:16]


def free_draft_path(folder: Path, title: str) -> Path:
    base = slug_for(title)
    path, number = folder / f"{base}.md", 1
    while path.exists():
        number += 1
        path = folder / f"{base}-{number}.md"
    return path


def write_draft_file(path: Path, meta: dict[str, Any], body: str) -> None:
    write_atomically(path, file_text(meta, body))


def file_text(meta: dict[str, Any], body: str) -> str:
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    return f"---\n{header}---\n{body}"


def write_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside `path`, then rename it over: a reader never sees half a
    file, and a link at `path` is replaced, never written through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".md.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def list_drafts(content_dir: Path) -> list[Draft]:
    folder = content_dir / DRAFTS
    if not folder.exists():
        return []
    return [
        read_draft(path)
        for path in sorted(folder.glob("*.md"))
        if DRAFT_ID.fullmatch(path.stem) and inside(content_dir, path)
    ]


def read_draft(path: Path) -> Draft:
    text = path.read_text(encoding="utf-8")
    post = frontmatter.loads(text)
    return Draft(path.stem, path, dict(post.metadata), post.content, text)


def get_draft(content_dir: Path, draft_id: str) -> Draft:
    if not DRAFT_ID.fullmatch(draft_id):
        raise BadRequest(
            "a draft id is 1 to 100 lower-case letters, digits, '.', '_' or '-'", field="draft_id"
        )
    path = content_dir / DRAFTS / f"{draft_id}.md"
    if not path.exists() or not inside(content_dir, path):
        raise NotFound(f"no draft '{draft_id}'")
    return read_draft(path)


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, links followed, stays inside `root`: a file or folder linked to somewhere
    else in content/ is neither read nor written through."""
    return path.resolve().is_relative_to(root.resolve())


def writable_target(content_dir: Path, path: Path, field: str) -> Path:
    """`path` if writing it stays inside the content folder, else a 400 naming the field."""
    if not inside(content_dir, path.parent) or path.is_symlink():
        relative = path.relative_to(content_dir)
        raise BadRequest(f"{relative} leads outside the content folder", field=field)
    return path


def save_draft(content_dir: Path, draft_id: str, text: str, version: str) -> Draft:
    """A writer's edit, refused when the file changed since they opened it (version check)."""
    draft = get_draft(content_dir, draft_id)
    check_version(draft, version)
    problem = article_problem(text, f"{DRAFTS}/{draft_id}.md")
    if problem is not None:
        raise InvalidContent(
            problem.message, path=problem.path, line=problem.line, field="markdown"
        )
    write_atomically(writable_target(content_dir, draft.path, "draft_id"), text)
    return read_draft(draft.path)


def slug_for(title: str) -> str:
    """The URL a title gives an article until its writer sets one."""
    return _SLUG_CHARS.sub("-", title.lower()).strip("-")[:60].strip("-") or "article"


def draft_slug(draft: Draft) -> str:
    return str(draft.meta.get("slug") or slug_for(str(draft.meta.get("title", ""))))


def check_version(draft: Draft, version: str | None) -> None:
    """A Conflict when the draft's file changed since the writer opened it (in the studio, in
    their editor, or by a regeneration)."""
    if version is not None and draft.version != version:
        raise Conflict(
            "this draft changed on disk since you opened it; reload it and apply your edit again"
        )


def check_filled(draft: Draft) -> None:
    """A draft still holding a placeholder is not published: the writer fills it in first."""
    if found := unfilled(str(draft.meta.get("title", ""))):
        raise BadRequest(f"replace the placeholder in the title: {describe(found)}", field="title")
    if found := unfilled(draft.body):
        raise BadRequest(
            "fill in or remove what is marked for you before publishing: "
            f"{describe(found)} of the text",
            field="markdown",
        )


def publication(content_dir: Path, draft: Draft, version: str | None = None) -> tuple[Path, str]:
    """Where a new article from this draft goes (content/<category>/<slug>.md) and its text,
    once every check has passed; nothing is written."""
    check_version(draft, version)
    if draft.meta.get("update_of"):
        raise BadRequest(
            f"this draft adds to '{draft.meta['update_of']}': publish it from that article"
        )
    check_filled(draft)
    category = str(draft.meta.get("category") or "general")
    if not CATEGORY.fullmatch(category) or category == DRAFTS:
        raise BadRequest(
            f"category '{category[:80]}' must be 1 to 64 lower-case letters, digits, '-' or '_' "
            f"(and not '{DRAFTS}')",
            field="category",
        )
    slug = draft_slug(draft)
    if not SLUG.fullmatch(slug):
        raise BadRequest(f"slug '{slug[:80]}' must be {SLUG_RULE}", field="slug")
    target = writable_target(content_dir, content_dir / category / f"{slug}.md", "category")
    if target.exists():
        raise Conflict(f"{target.relative_to(content_dir)} already exists: choose another URL")
    meta = {k: v for k, v in draft.meta.items() if k not in _INTERNAL | {"slug"}}
    meta["status"] = "published"
    meta["updated"] = dt.date.today().isoformat()
    return target, file_text(meta, draft.body)


def publish_draft(content_dir: Path, draft_id: str, version: str | None = None) -> Path:
    """Move a draft under content/<category>/<slug>.md as published; the caller re-indexes
    (and commits: kb.tickets.publishing)."""
    draft = get_draft(content_dir, draft_id)
    target, text = publication(content_dir, draft, version)
    write_atomically(target, text)
    draft.path.unlink()
    return target


def archive_draft(content_dir: Path, draft: Draft, **facts: str) -> Path:
    """Move a draft under content/.archive/drafts/, with why (rejected, merged into...)."""
    target = content_dir / ARCHIVE / DRAFTS / f"{draft.id}.md"
    meta = {**draft.meta, **facts}
    write_draft_file(writable_target(content_dir, target, "draft_id"), meta, draft.body)
    draft.path.unlink()
    return target


def reject_draft(content_dir: Path, draft_id: str, reason: str) -> Path:
    if not reason.strip():
        raise BadRequest("a reason is required", field="reason")
    draft = get_draft(content_dir, draft_id)
    return archive_draft(
        content_dir,
        draft,
        rejected_reason=reason.strip(),
        rejected_at=dt.date.today().isoformat(),
    )
