"""One configured Markdown parser and the heading anchors shared by sections and rendered pages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

_UNSAFE_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)
_NOT_ANCHOR_CHARS = re.compile(r"[^\w\- ]", re.UNICODE)


class _Parser(MarkdownIt):
    """markdown-it with this project's check on link targets."""

    def validateLink(self, url: str) -> bool:
        """Drop links a reader could be tricked by: script and data URLs are never links."""
        return not _UNSAFE_SCHEMES.match(unicodedata.normalize("NFKC", url))


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with tables and strikethrough; raw HTML is escaped, never passed through."""
    md = _Parser("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("code_block", _render_code_block)
    return md


# What is wider than a phone's screen scrolls sideways in its own box, not the whole page: a
# table in a box of its own, code in its <pre>. A box that scrolls must be reachable with the
# keyboard (tabindex) to be scrolled without a mouse, and a table's box is named by its columns.
TABLE_BOX = '<div class="table-scroll" role="region" aria-label="{label}" tabindex="0">'
FOCUSABLE_PRE = '<pre tabindex="0"'


def _render_table_open(
    renderer: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    columns = []
    for token in tokens[index + 1 :]:
        if token.type == "thead_close":
            break
        if token.type == "inline":
            columns.append(inline_text(token))
    label = "Table: " + ", ".join(columns) if any(columns) else "Table"
    box = TABLE_BOX.format(label=escapeHtml(label))
    return box + renderer.renderToken(tokens, index, options, env)


def _render_table_close(
    renderer: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    return renderer.renderToken(tokens, index, options, env) + "</div>\n"


def _render_fence(
    renderer: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    html = RendererHTML.fence(renderer, tokens, index, options, env)
    return html.replace("<pre", FOCUSABLE_PRE, 1)


def _render_code_block(
    renderer: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    html = RendererHTML.code_block(renderer, tokens, index, options, env)
    return html.replace("<pre", FOCUSABLE_PRE, 1)


def parse(markdown: str) -> list[Token]:
    return parser().parse(markdown)


def inline_text(token: Token) -> str:
    """The visible text of an inline token (emphasis, code and link text included)."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def github_anchor(text: str, seen: dict[str, int]) -> str:
    """GitHub-style heading anchor: lower case, no punctuation, hyphens, -1 on repeats."""
    base = _NOT_ANCHOR_CHARS.sub("", text.strip().lower()).replace(" ", "-")
    count = seen.get(base, 0)
    seen[base] = count + 1
    return base if count == 0 else f"{base}-{count}"


def assign_heading_anchors(tokens: list[Token]) -> list[tuple[int, str, str]]:
    """Give every heading an `id`; return (level, anchor, text) for each, in order."""
    seen: dict[str, int] = {}
    headings = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = inline_text(tokens[index + 1])
        anchor = github_anchor(text, seen)
        token.attrSet("id", anchor)
        headings.append((int(token.tag[1]), anchor, text))
    return headings
