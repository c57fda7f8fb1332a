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

DRAFTS = "drafts"


ARCHIVE = ".archive"


_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


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
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:16]

    @property
    def edited(self) -> bool:
        return self.meta.get("generated_hash") != body_hash(self.body)

    @property
    def source_tickets(self) -> list[str]:
        return [str(t) for t in self.meta.get("source_tickets") or []]


def body_hash(body: str) -> str:
    return hashlib.sha256(body.strip().encode("utf-8")).hexdigest()[:16]


def free_draft_path(folder: Path, title: str) -> Path:
    base = _SLUG_CHARS.sub("-", title.lower()).strip("-")[:60].strip("-") or "draft"
    path, number = folder / f"{base}.md", 1
    while path.exists():
        number += 1
        path = folder / f"{base}-{number}.md"
    return path


def write_draft_file(path: Path, meta: dict[str, Any], body: str) -> None:
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    _write_atomically(path, f"---\n{header}---\n{body}")


def _write_atomically(path: Path, text: str) -> None:
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
        if DRAFT_ID.fullmatch(path.stem) and _inside(content_dir, path)
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
    if not path.exists() or not _inside(content_dir, path):
        raise NotFound(f"no draft '{draft_id}'")
    return read_draft(path)


def _inside(root: Path, path: Path) -> bool:
    """Whether `path`, links followed, stays inside `root`: a file or folder linked to somewhere
    else in content/ is neither read nor written through."""
    return path.resolve().is_relative_to(root.resolve())


def _writable_target(content_dir: Path, path: Path, field: str) -> Path:
    """`path` if writing it stays inside the content folder, else a 400 naming the field."""
    if not _inside(content_dir, path.parent) or path.is_symlink():
        relative = path.relative_to(content_dir)
        raise BadRequest(f"{relative} leads outside the content folder", field=field)
    return path


def save_draft(content_dir: Path, draft_id: str, text: str, version: str) -> Draft:
    """A writer's edit, refused when the file changed since they opened it (version check)."""
    draft = get_draft(content_dir, draft_id)
    if draft.version != version:
        raise Conflict(
            "this draft changed since you opened it; reload it and apply your edit again"
        )
    problem = article_problem(text, f"{DRAFTS}/{draft_id}.md")
    if problem is not None:
        raise InvalidContent(
            problem.message, path=problem.path, line=problem.line, field="markdown"
        )
    _write_atomically(_writable_target(content_dir, draft.path, "draft_id"), text)
    return read_draft(draft.path)


def publish_draft(content_dir: Path, draft_id: str) -> Path:
    """Move a draft under content/<category>/ as published; the caller re-indexes."""
    draft = get_draft(content_dir, draft_id)
    if draft.meta.get("update_of"):
        raise BadRequest(f"merge this into '{draft.meta['update_of']}' by hand, then reject it")
    category = str(draft.meta.get("category") or "general")
    if not CATEGORY.fullmatch(category) or category == DRAFTS:
        raise BadRequest(
            f"category '{category[:80]}' must be 1 to 64 lower-case letters, digits, '-' or '_' "
            f"(and not '{DRAFTS}')",
            field="category",
        )
    target = _writable_target(content_dir, content_dir / category / f"{draft.id}.md", "category")
    if target.exists():
        raise Conflict(f"{target.relative_to(content_dir)} already exists")
    meta = {k: v for k, v in draft.meta.items() if k not in ("generated_hash",)}
    meta["status"] = "published"
    meta["updated"] = dt.date.today().isoformat()
    write_draft_file(target, meta, draft.body)
    draft.path.unlink()
    return target


def reject_draft(content_dir: Path, draft_id: str, reason: str) -> Path:
    if not reason.strip():
        raise BadRequest("a reason is required", field="reason")
    draft = get_draft(content_dir, draft_id)
    meta = {
        **draft.meta,
        "rejected_reason": reason.strip(),
        "rejected_at": dt.date.today().isoformat(),
    }
    target = content_dir / ARCHIVE / DRAFTS / f"{draft.id}.md"
    write_draft_file(_writable_target(content_dir, target, "draft_id"), meta, draft.body)
    draft.path.unlink()
    return target
