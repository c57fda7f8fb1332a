"""What an agent puts into a reply from an article: Insert link (the section's title and its
address) or Insert answer (the section itself, steps and all, then the address), written the way
the help desk's replies are: plain text, Markdown, or HTML for a rich-text editor.

The section comes as parsed Markdown (kb.content.render.section_tokens) whose article links were
resolved for customers: to an absolute address when they may open it, to plain text otherwise.
Only public articles are for replies: an internal article's text never goes to a customer.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from html import escape

from markdown_it.token import Token

from kb.content.model import Article, Section

_ABSOLUTE = re.compile(r"^(https?|mailto):", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclasses.dataclass(frozen=True)
class Reply:
    """One reply in each style; the console and the sidebar pick the one their help desk uses."""

    text: str
    markdown: str
    html: str

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def link_reply(article: Article, section: Section, url: str) -> Reply:
    """Insert link: the article (and section) by name, with its address."""
    name = article.title + (f" › {section.title}" if section.anchor else "")
    return Reply(
        text=f"{name}: {url}",
        markdown=f"[{_markdown_text(name)}]({url})",
        html=f'<a href="{escape(url)}">{escape(name)}</a>',
    )


def answer_reply(
    article: Article, section: Section, tokens: Sequence[Token], html: str, url: str
) -> Reply:
    """Insert answer: the section under its heading, then where to read more."""
    heading = section.title if section.anchor else article.title
    text = _render(tokens, url, markdown=False)
    markdown = _render(tokens, url, markdown=True)
    more = f"More in “{article.title}”: {url}"
    return Reply(
        text=f"{heading}:\n\n{text}\n\n{more}",
        markdown=f"**{_markdown_text(heading)}**\n\n{markdown}\n\n"
        f"More in [{_markdown_text(article.title)}]({url}).",
        html=f"<p><strong>{escape(heading)}</strong></p>\n{html}"
        f'<p>More in <a href="{escape(url)}">{escape(article.title)}</a>.</p>',
    )


def _render(tokens: Sequence[Token], page_url: str, *, markdown: bool) -> str:
    """Blocks as a reply shows them: paragraphs, numbered and bulleted lists, tables row by row,
    code as code."""
    lines: list[str] = []
    lists: list[int | None] = []  # the next number of each open ordered list; None: bullets
    marker: str | None = None
    row: list[str] | None = None
    columns = 0
    heading = False
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            lists.append(None if kind == "bullet_list_open" else int(start or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                lines.append("")
        elif kind == "list_item_open":
            number = lists[-1]
            marker = "  " * (len(lists) - 1) + ("-" if number is None else f"{number}.") + " "
            if number is not None:
                lists[-1] = number + 1
        elif kind == "heading_open":
            heading = True
        elif kind == "inline":
            said = _inline(token.children or [], page_url, markdown=markdown)
            if row is not None:
                row.append(said)
            elif heading:
                lines += [f"**{said}**" if markdown else f"{said}:", ""]
                heading = False
            elif marker is not None:
                lines.append(marker + said)
                marker = None
            else:
                lines.append("  " * len(lists) + said)
        elif kind == "paragraph_close" and not lists:
            lines.append("")
        elif kind in ("fence", "code_block"):
            code = token.content.rstrip("\n")
            indented = ["    " + line for line in code.splitlines()]
            lines += [*(["```", code, "```"] if markdown else indented), ""]
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            cells = row if markdown else [cell for cell in row if cell]
            lines.append("| " + " | ".join(cells) + " |" if markdown else " · ".join(cells))
            columns = len(row)
            row = None
        elif kind == "thead_close" and markdown:
            lines.append("|" + " --- |" * columns)
        elif kind == "table_close":
            lines.append("")
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _inline(children: Sequence[Token], page_url: str, *, markdown: bool) -> str:
    parts: list[str] = []
    links: list[str] = []
    for child in children:
        kind = child.type
        if kind == "text":
            parts.append(_markdown_text(child.content) if markdown else child.content)
        elif kind == "code_inline":
            parts.append(f"`{child.content}`" if markdown else child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind in ("strong_open", "strong_close") and markdown:
            parts.append("**")
        elif kind in ("em_open", "em_close") and markdown:
            parts.append("*")
        elif kind == "link_open":
            href = str(child.attrGet("href") or "")
            href = page_url.split("#")[0] + href if href.startswith("#") else href
            # a link the customer could not follow (a path on this site) keeps its text alone
            links.append(href if _ABSOLUTE.match(href) else "")
            if markdown and links[-1]:
                parts.append("[")
        elif kind == "link_close" and links:
            href = links.pop()
            if href:
                parts.append(f"]({href})" if markdown else f" ({href})")
        elif kind == "image":
            parts.append(child.content)
    return "".join(parts)


def _markdown_text(text: str) -> str:
    """Text that Markdown shows as written (no accidental emphasis or links)."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)
