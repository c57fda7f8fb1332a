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
    tokens = markdown.parse(article.body)
    headings = markdown.assign_heading_anchors(tokens)
    for token in tokens:
        for child in token.children or []:
            if child.type == "link_open":
                child.attrSet(
                    "href", _rewrite_href(str(child.attrGet("href") or ""), article, links)
                )
    md = markdown.parser()
    html = md.renderer.render(tokens, md.options, {})
    toc = tuple(TocEntry(level, anchor, title) for level, anchor, title in headings if level <= 3)
    return RenderedArticle(html=html, toc=toc)


def _rewrite_href(href: str, article: Article, links: Mapping[str, str]) -> str:
    """`other.md#part` becomes `/articles/<slug>#part`; every other link is left as written."""
    path, _, fragment = href.partition("#")
    if not path.endswith(".md") or "://" in path:
        return href
    slug = resolve_article_link(path, article.path, links)
    if slug is None:
        return href
    return f"/articles/{slug}" + (f"#{fragment}" if fragment else "")
