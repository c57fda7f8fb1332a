"""What the vector side embeds for a section: its heading, and its text in short passages.

One vector for a whole section blurs it: a long settings page whose answer is one line among
thirty scores like a page about none of them, and the model reads only its first 256 word
pieces. So each section gets
- one vector per passage: whole sentences, about PASSAGE_WORDS words, prefixed with the title
  and heading path;
- one vector for the title and heading path alone, which matches a query phrased like the
  heading (an FAQ's question), scaled by HEADING_WEIGHT so a passage that states the answer
  outranks a heading that only names the topic.
A section's similarity is that of its best vector.

Measured on ../shared/eval (semantic nDCG@10, `kb eval`; see README, "Search quality"): one vector
per section 0.767 on emanual-s10 and 0.749 on covidfaq; passages and heading 0.902 and 0.757.
Longer passages helped covidfaq and hurt emanual-s10; 20 words and 0.85 were best on both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kb.content.model import Article, Section

PASSAGE_WORDS = 20
HEADING_WEIGHT = 0.85
LONGEST = 4  # × PASSAGE_WORDS: a longer run without a sentence end is cut by word count
HEADING = "h"  # the vector id suffix of the heading vector; passages are numbered
_SEPARATOR = "~"
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")


def passages(text: str, words: int = PASSAGE_WORDS) -> list[str]:
    """Consecutive whole sentences (or lines) grouped until a passage has `words` words. A run
    of more than LONGEST × `words` words without a sentence end (a log, a code line) is cut into
    pieces of `words` words, or the model would read only its start."""
    grouped: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in _SENTENCE_END.split(text):
        tokens = sentence.split()
        step = words if len(tokens) > LONGEST * words else max(len(tokens), 1)
        for start in range(0, len(tokens), step):
            piece = tokens[start : start + step]
            current.append(" ".join(piece))
            size += len(piece)
            if size >= words:
                grouped.append(" ".join(current))
                current, size = [], 0
    if current:
        grouped.append(" ".join(current))
    return grouped


def section_vectors(article: Article, section: Section) -> Iterator[tuple[str, str]]:
    """(vector id, text to embed) for each vector of a section."""
    heading = " > ".join((article.title, *section.heading_path))
    yield f"{section.id}{_SEPARATOR}{HEADING}", heading
    for number, passage in enumerate(passages(section.text)):
        yield f"{section.id}{_SEPARATOR}{number}", f"{heading}\n{passage}"


def article_vector_ids(article: Article) -> list[str]:
    return [
        vector_id
        for section in article.sections
        for vector_id, _ in section_vectors(article, section)
    ]


def section_of(vector_id: str) -> tuple[str, float]:
    """The section a vector belongs to, and the weight of its similarity."""
    section_id, _, part = vector_id.rpartition(_SEPARATOR)
    return section_id, HEADING_WEIGHT if part == HEADING else 1.0
