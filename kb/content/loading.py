"""Every article under the content folder, read in path order, each bad file reported with its
line; links between articles resolved and checked."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from kb.content.front_matter import InvalidArticle, key_line, parse_article
from kb.content.model import Article, ContentProblem, LoadedContent


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
        except InvalidArticle as invalid:
            problems.append(ContentProblem(relative, invalid.line, invalid.message))
            continue
        if article.slug in by_slug:
            line = key_line(texts[relative], "slug") or 1
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
                line = key_line(text, "related") or 1
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
