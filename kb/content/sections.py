"""An article's body split at its H2 and H3 headings: the sections search finds."""

from __future__ import annotations

import dataclasses

from kb.content import markdown
from kb.content.model import Section


@dataclasses.dataclass
class _Open:
    """The section being read: its heading and the text seen under it so far."""

    anchor: str
    title: str
    path: tuple[str, ...]
    line: int
    parts: list[str] = dataclasses.field(default_factory=list)


def split_sections(slug: str, title: str, body: str, line_offset: int = 0) -> tuple[Section, ...]:
    """Split at H2 and H3 headings; each section keeps its heading path and GitHub-style anchor."""
    tokens = markdown.parse(body)
    markdown.assign_heading_anchors(tokens)
    sections: list[Section] = []
    current = _Open("", title, (), 1 + line_offset)
    h2_title: str | None = None

    def close() -> None:
        text = "\n".join(part for part in current.parts if part).strip()
        if text:
            sections.append(
                Section(slug, current.anchor, current.title, current.path, text, current.line)
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
            current = _Open(str(token.attrGet("id")), heading, path, start)
            index += 3  # heading_open, inline, heading_close
            continue
        if token.type == "inline":
            current.parts.append(markdown.inline_text(token))
        elif token.type in ("fence", "code_block"):
            current.parts.append(token.content.rstrip())
        index += 1
    close()
    return tuple(sections)
