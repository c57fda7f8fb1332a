"""Safe HTML for an article: escaped raw HTML, no script links, article links resolved by
the caller's link policy (who reads decides which articles they may open, and where)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from markdown_it.token import Token

from kb.content import markdown
from kb.content.loading import resolve_article_link
from kb.content.model import Article


@dataclasses.dataclass(frozen=True)
class TocEntry:
    level: int
    anchor: str
    title: str


@dataclasses.dataclass(frozen=True)
class RenderedArticle:
    html: str
    toc: tuple[TocEntry, ...]


# Where a link to another article goes: (slug, fragment) -> the href, or None when this
# reader may not open that article; the link then shows as its text alone, so a hidden
# article's slug never reaches the page and no reader meets a dead link.
LinkPolicy = Callable[[str, str], str | None]


def render_article(
    article: Article, links: Mapping[str, str], link_href: LinkPolicy
) -> RenderedArticle:
    """Render the body; `links` maps file paths to slugs (see content.article_link_map) and
    `link_href` says where each article link goes for this reader."""
    tokens, headings = _tokens(article, links, link_href)
    md = markdown.parser()
    html = md.renderer.render(tokens, md.options, {})
    toc = tuple(TocEntry(level, anchor, title) for level, anchor, title in headings if level <= 3)
    return RenderedArticle(html=html, toc=toc)


def render_section(
    article: Article, anchor: str, links: Mapping[str, str], link_href: LinkPolicy
) -> str:
    """The HTML under one heading (without the heading), up to the next heading of the same or
    a higher level; `anchor` "" is the text before the first heading."""
    md = markdown.parser()
    return md.renderer.render(section_tokens(article, anchor, links, link_href), md.options, {})


def section_tokens(
    article: Article, anchor: str, links: Mapping[str, str], link_href: LinkPolicy
) -> list[Token]:
    """The parsed Markdown under one heading (as render_section shows it), links resolved by
    the policy; empty when no heading has that anchor."""
    tokens, _ = _tokens(article, links, link_href)
    start, level = 0, 0
    if anchor:
        found = [
            i
            for i, token in enumerate(tokens)
            if token.type == "heading_open" and token.attrGet("id") == anchor
        ]
        if not found:
            return []
        level = int(tokens[found[0]].tag[1])
        start = found[0] + 3  # heading_open, inline, heading_close
    end = start
    while end < len(tokens):
        token = tokens[end]
        if token.type == "heading_open" and (not anchor or int(token.tag[1]) <= level):
            break
        end += 1
    return tokens[start:end]


def _tokens(
    article: Article, links: Mapping[str, str], link_href: LinkPolicy
) -> tuple[list[Token], list[tuple[int, str, str]]]:
    tokens = markdown.parse(article.body)
    headings = markdown.assign_heading_anchors(tokens)
    for token in tokens:
        if token.children:
            token.children = _resolve_links(token.children, article, links, link_href)
    return tokens, headings


def _resolve_links(
    children: list, article: Article, links: Mapping[str, str], link_href: LinkPolicy
) -> list:
    """Article links get the policy's href; one it refuses loses its <a> and keeps its text."""
    kept, unlinking = [], False
    for child in children:
        if child.type == "link_open":
            href = _href(str(child.attrGet("href") or ""), article, links, link_href)
            if href is None:
                unlinking = True  # links do not nest: the next link_close is this one's
                continue
            child.attrSet("href", href)
        elif child.type == "link_close" and unlinking:
            unlinking = False
            continue
        kept.append(child)
    return kept


def _href(
    href: str, article: Article, links: Mapping[str, str], link_href: LinkPolicy
) -> str | None:
    """`other.md#part` goes where the policy says, or nowhere when no article is there (a
    draft is never indexed); every other link is left as written."""
    path, _, fragment = href.partition("#")
    if not path.endswith(".md") or "://" in path:
        return href
    slug = resolve_article_link(path, article.path, links)
    return None if slug is None else link_href(slug, fragment)
