"""One Markdown file's YAML front matter and body as an Article, or the line at fault."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

import frontmatter
import yaml

from kb.content.model import AUDIENCES, KINDS, STATUSES, TYPES, Article, ContentProblem
from kb.content.sections import split_sections

KNOWN_KEYS = {
    "title",
    "slug",
    "category",
    "tags",
    "audience",
    "type",
    "kind",
    "status",
    "updated",
    "summary",
    "related",
    "context",
}


# A page path the widget is shown on, `*` for any characters: "/billing/*", "/checkout".
PAGE_PATTERN = re.compile(r"/[^\s?#]{0,200}")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


# A category is a folder name and a URL part: never a path.
CATEGORY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class InvalidArticle(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def article_problem(text: str, relative_path: str) -> ContentProblem | None:
    """What is wrong with one article's text, with its line, or None when it is valid."""
    try:
        parse_article(text, relative_path)
    except InvalidArticle as invalid:
        return ContentProblem(relative_path, invalid.line, invalid.message)
    return None


def parse_article(text: str, relative_path: str) -> Article:
    """Parse one file's front matter and body. Raises InvalidArticle with the line at fault."""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        # The context mark is where the broken construct began (an unclosed '['), which is
        # where a writer should look; the problem mark is where the parser gave up.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 2 - _leading_newlines(text) if mark is not None else 1
        problem = getattr(error, "problem", None) or "could not be parsed"
        raise InvalidArticle(line, f"invalid YAML front matter: {problem}") from error
    meta = post.metadata
    if not isinstance(meta, dict):
        raise InvalidArticle(2, "front matter must be a mapping of keys to values")

    def fail(key: str, message: str) -> InvalidArticle:
        return InvalidArticle(key_line(text, key) or 1, message)

    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("title", "missing required 'title'")
    stem = PurePosixPath(relative_path).stem
    slug = str(meta.get("slug") or stem).strip()
    if not _SLUG.match(slug):
        raise fail("slug", f"slug '{slug}' must be lower-case letters, digits, '-', '_' or '.'")
    folder = PurePosixPath(relative_path).parent.as_posix()
    category = str(meta.get("category") or ("" if folder == "." else folder.split("/")[0]))
    if category and not CATEGORY.fullmatch(category):
        raise fail(
            "category",
            f"category '{category[:80]}' must be 1 to 64 lower-case letters, digits, '-' or '_'",
        )
    audience = _choice(meta, "audience", AUDIENCES, "public", fail)
    status = _choice(meta, "status", STATUSES, "published", fail)
    article_type = _choice(meta, "type", TYPES, None, fail)
    kind = _choice(meta, "kind", KINDS, None, fail)
    tags = _string_list(meta, "tags", fail)
    related = _string_list(meta, "related", fail)
    context = _page_patterns(meta, fail)
    updated = meta.get("updated")
    if isinstance(updated, (dt.date, dt.datetime)):
        updated = updated.isoformat()[:10]
    elif updated is not None:
        try:
            updated = dt.date.fromisoformat(str(updated)).isoformat()
        except ValueError as error:
            raise fail("updated", f"updated: '{updated}' is not a date (YYYY-MM-DD)") from error
    summary = meta.get("summary") or ""
    if not isinstance(summary, str):
        raise fail("summary", "summary must be text")
    body_offset = _body_line_offset(text)
    extra = {key: value for key, value in meta.items() if key not in KNOWN_KEYS}
    return Article(
        slug=slug,
        title=title.strip(),
        path=relative_path,
        category=category,
        body=post.content,
        sections=split_sections(slug, title.strip(), post.content, body_offset),
        tags=tags,
        audience=audience,
        type=article_type,
        kind=kind,
        status=status,
        updated=updated,
        summary=summary.strip(),
        related=related,
        context=context,
        extra=_json_safe(extra),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


Failure = Callable[[str, str], InvalidArticle]  # (front-matter key, message) -> the error


def _choice(
    meta: dict, key: str, allowed: tuple[str, ...], default: str | None, fail: Failure
) -> Any:
    value = meta.get(key)
    if value is None:
        return default
    if value not in allowed:
        raise fail(key, f"{key}: '{value}' is not one of {', '.join(allowed)}")
    return value


def _string_list(meta: dict, key: str, fail: Failure) -> tuple[str, ...]:
    value = meta.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise fail(key, f"{key} must be a list of text values")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _page_patterns(meta: dict, fail: Failure) -> tuple[str, ...]:
    """`context`: the pages of a site the article helps on, as URL paths that may hold `*`
    ("/billing/*", "/checkout"); the help widget suggests the article on those pages."""
    patterns = _string_list(meta, "context", fail)
    for pattern in patterns:
        if not PAGE_PATTERN.fullmatch(pattern):
            raise fail(
                "context",
                f"context: '{pattern[:80]}' is not a page path: start it with '/', with no "
                "spaces, '?' or '#' ('*' matches any characters, e.g. /billing/*)",
            )
    return patterns


def _json_safe(value: Any) -> Any:
    """Unknown front-matter keys are kept; dates become ISO strings so snapshots stay JSON."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _leading_newlines(text: str) -> int:
    """Newlines python-frontmatter leaves at the start of the YAML block it hands to the parser."""
    try:
        block, _ = frontmatter.YAMLHandler().split(text)
    except ValueError:
        return 0
    return len(block) - len(block.lstrip("\n"))


def key_line(text: str, key: str) -> int | None:
    """The 1-based line of a top-level front-matter key, for error messages."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return None
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return None


def _body_line_offset(text: str) -> int:
    """How many lines precede the body (the front matter block), to report body line numbers."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return 0
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return number + 1
    return 0
