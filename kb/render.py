"""Safe HTML for an article: escaped raw HTML, no script links, article links resolved."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from kb import markdown
from kb.content import Article, resolve_article_link


@dataclasses.dataclass(frozen=True)
class TocEntry:
    level: int
    anchor: str
    title: str


@dataclasses.dataclass(frozen=True)
class RenderedArticle:
    html: str
    toc: tuple[TocEntry, ...]


def render_article(article: Article, links: Mapping[str, str]) -> RenderedArticle:
    """Render the body; `links` maps file paths to slugs (see content.article_link_map)."""
    tokens, headings = _tokens(article, links)
    md = markdown.parser()
    html = md.renderer.render(tokens, md.options, {})
    toc = tuple(TocEntry(level, anchor, title) for level, anchor, title in headings if level <= 3)
    return RenderedArticle(html=html, toc=toc)


def render_section(article: Article, anchor: str, links: Mapping[str, str]) -> str:
    """The HTML under one heading (without the heading), up to the next heading of the same or
    a higher level; `anchor` "" is the text before the first heading."""
    tokens, _ = _tokens(article, links)
    start, level = 0, 0
    if anchor:
        found = [
            i
            for i, token in enumerate(tokens)
            if token.type == "heading_open" and token.attrGet("id") == anchor
        ]
        if not found:
            return ""
        level = int(tokens[found[0]].tag[1])
        start = found[0] + 3  # heading_open, inline, heading_close
    end = start
    while end < len(tokens):
        token = tokens[end]
        if token.type == "heading_open" and (not anchor or int(token.tag[1]) <= level):
            break
        end += 1
    md = markdown.parser()
    return md.renderer.render(tokens[start:end], md.options, {})


def _tokens(article: Article, links: Mapping[str, str]):
    tokens = markdown.parse(article.body)
    headings = markdown.assign_heading_anchors(tokens)
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                child.attrSet(
                    "href", _rewrite_href(str(child.attrGet("href") or ""), article, links)
                )
    return tokens, headings


def _rewrite_href(href: str, article: Article, links: Mapping[str, str]) -> str:
    """`other.md#part` becomes `/articles/<slug>#part`; every other link is left as written."""
    path, _, fragment = href.partition("#")
    if not path.endswith(".md") or "://" in path:
        return href
    slug = resolve_article_link(path, article.path, links)
    if slug is None:
        return href
    return f"/articles/{slug}" + (f"#{fragment}" if fragment else "")
