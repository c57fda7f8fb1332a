"""The content model: Markdown files with YAML front matter become frozen articles and sections."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import frontmatter
import yaml

from kb import markdown

AUDIENCES = ("public", "internal")
STATUSES = ("published", "draft")
TYPES = ("how-to", "troubleshooting", "faq", "policy", "reference")
KINDS = ("service", "support")
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
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
# A category is a folder name and a URL part: never a path.
CATEGORY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


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
    audience: str = "public"
    type: str | None = None
    kind: str | None = None
    status: str = "published"
    updated: str | None = None  # ISO date
    summary: str = ""
    related: tuple[str, ...] = ()
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    content_hash: str = ""

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
        for name in ("tags", "related"):
            fields[name] = tuple(data[name])
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


class _Invalid(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def content_files(root: Path) -> list[str]:
    """Markdown files under root, as POSIX paths relative to it, in path order; dotfiles and
    dot-folders are skipped."""
    found: list[tuple[str, ...]] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        parts = Path(folder).relative_to(root).parts
        found.extend(
            (*parts, name) for name in files if name.endswith(".md") and not name.startswith(".")
        )
    return ["/".join(parts) for parts in sorted(found)]


class ContentReader:
    """How load_content reads, parses and scans files. A long-running watcher keeps one that
    remembers (indexer.build.BuildCache), so a build re-reads only what changed."""

    def read(self, path: Path, relative: str) -> str:
        return path.read_text(encoding="utf-8")

    def parse(self, text: str, relative: str) -> Article:
        return parse_article(text, relative)

    def links(self, text: str) -> list[tuple[int, str]]:
        """(line, target) of each link to another article's file."""
        return list(_markdown_links(text))


def load_content(root: Path, reader: ContentReader | None = None) -> LoadedContent:
    """Read every article under root; bad files are reported, never fatal to the rest."""
    reader = reader or ContentReader()
    articles: list[Article] = []
    problems: list[ContentProblem] = []
    by_slug: dict[str, Article] = {}
    texts: dict[str, str] = {}
    for relative in content_files(root):
        try:
            texts[relative] = reader.read(root / relative, relative)
            article = reader.parse(texts[relative], relative)
        except UnicodeDecodeError:
            problems.append(ContentProblem(relative, 1, "not UTF-8 text"))
            continue
        except OSError as error:  # a dangling link, a file without read permission
            problems.append(ContentProblem(relative, 1, f"cannot be read: {error.strerror}"))
            continue
        except _Invalid as invalid:
            problems.append(ContentProblem(relative, invalid.line, invalid.message))
            continue
        if article.slug in by_slug:
            line = _key_line(texts[relative], "slug") or 1
            first = by_slug[article.slug].path
            problems.append(
                ContentProblem(relative, line, f"duplicate slug '{article.slug}' (also {first})")
            )
            continue
        by_slug[article.slug] = article
        articles.append(article)
    problems.extend(_check_references(texts, articles, reader))
    return LoadedContent(articles, problems)


def _check_references(
    texts: Mapping[str, str], articles: list[Article], reader: ContentReader
) -> Iterable[ContentProblem]:
    """Related slugs and links to other articles must name articles that exist, and links
    should go where their readers may follow them."""
    by_slug = {article.slug: article for article in articles}
    links = article_link_map(articles)
    for article in articles:
        text = texts[article.path]
        for slug in article.related:
            if slug not in by_slug:
                line = _key_line(text, "related") or 1
                yield ContentProblem(
                    article.path, line, f"related: unknown article slug '{slug}'", fatal=False
                )
        for line_number, target in reader.links(text):
            linked = resolve_article_link(target, article.path, links)
            problem = (
                f"link to unknown article '{target}'"
                if linked is None
                else _unfollowable_link(article, by_slug[linked])
            )
            if problem:
                yield ContentProblem(article.path, line_number, problem, fatal=False)


def _unfollowable_link(source: Article, target: Article) -> str | None:
    """Why readers of `source` see a link to `target` as plain text (see render.LinkPolicy)."""
    readers = "customers" if source.audience == "public" else "agents"
    if target.status == "draft" and source.status != "draft":
        return f"links to draft article '{target.slug}': {readers} see plain text"
    if target.audience == "internal" and source.audience == "public":
        return f"links to internal article '{target.slug}': customers see plain text"
    return None


_MD_LINK = re.compile(r"\]\(([^)\s]+\.md)(#[^)\s]*)?\)")


def _markdown_links(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _MD_LINK.finditer(line):
            target = match.group(1)
            if "://" not in target:
                yield number, target


def article_link_map(articles: Iterable[Article]) -> dict[str, str]:
    """Map each article's file path (and bare file name) to its slug, for `[x](other.md)` links."""
    links: dict[str, str] = {}
    for article in articles:
        links[article.path] = article.slug
        links.setdefault(article.path.rpartition("/")[2], article.slug)  # the file name
    return links


def resolve_article_link(target: str, from_path: str, links: Mapping[str, str]) -> str | None:
    """The slug a relative `.md` link points at, or None when no article is there."""
    target = target.split("#", 1)[0]
    joined = PurePosixPath(from_path).parent / target
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    normalised = "/".join(parts)
    return links.get(normalised) or links.get(PurePosixPath(target).name)


def article_problem(text: str, relative_path: str) -> ContentProblem | None:
    """What is wrong with one article's text, with its line, or None when it is valid."""
    try:
        parse_article(text, relative_path)
    except _Invalid as invalid:
        return ContentProblem(relative_path, invalid.line, invalid.message)
    return None


def parse_article(text: str, relative_path: str) -> Article:
    """Parse one file's front matter and body. Raises _Invalid with the line at fault."""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        # The context mark is where the broken construct began (an unclosed '['), which is
        # where a writer should look; the problem mark is where the parser gave up.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 2 - _leading_newlines(text) if mark is not None else 1
        problem = getattr(error, "problem", None) or "could not be parsed"
        raise _Invalid(line, f"invalid YAML front matter: {problem}") from error
    meta = post.metadata
    if not isinstance(meta, dict):
        raise _Invalid(2, "front matter must be a mapping of keys to values")

    def fail(key: str, message: str) -> _Invalid:
        return _Invalid(_key_line(text, key) or 1, message)

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
        extra=_json_safe(extra),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _choice(meta: dict, key: str, allowed: tuple[str, ...], default: str | None, fail) -> Any:
    value = meta.get(key)
    if value is None:
        return default
    if value not in allowed:
        raise fail(key, f"{key}: '{value}' is not one of {', '.join(allowed)}")
    return value


def _string_list(meta: dict, key: str, fail) -> tuple[str, ...]:
    value = meta.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [part for part in value.split(",")]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise fail(key, f"{key} must be a list of text values")
    return tuple(str(v).strip() for v in value if str(v).strip())


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


def _key_line(text: str, key: str) -> int | None:
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


def split_sections(slug: str, title: str, body: str, line_offset: int = 0) -> tuple[Section, ...]:
    """Split at H2 and H3 headings; each section keeps its heading path and GitHub-style anchor."""
    tokens = markdown.parse(body)
    markdown.assign_heading_anchors(tokens)
    sections: list[Section] = []
    current = {"anchor": "", "title": title, "path": (), "line": 1 + line_offset, "parts": []}
    h2_title: str | None = None

    def close() -> None:
        text = "\n".join(part for part in current["parts"] if part).strip()
        if text:
            sections.append(
                Section(
                    slug,
                    current["anchor"],
                    current["title"],
                    current["path"],
                    text,
                    current["line"],
                )
            )

    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open" and token.tag in ("h2", "h3") and token.level == 0:
            close()
            heading = markdown.inline_text(tokens[index + 1])
            if token.tag == "h2":
                h2_title = heading
                path: tuple[str, ...] = (heading,)
            else:
                path = (h2_title, heading) if h2_title else (heading,)
            start = (token.map[0] if token.map else 0) + 1 + line_offset
            current = {
                "anchor": token.attrGet("id"),
                "title": heading,
                "path": path,
                "line": start,
                "parts": [],
            }
            index += 3  # heading_open, inline, heading_close
            continue
        if token.type == "inline":
            current["parts"].append(markdown.inline_text(token))
        elif token.type in ("fence", "code_block"):
            current["parts"].append(token.content.rstrip())
        index += 1
    close()
    return tuple(sections)
