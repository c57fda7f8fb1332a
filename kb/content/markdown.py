"""One configured Markdown parser and the heading anchors shared by sections and rendered pages."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

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
    return md


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
