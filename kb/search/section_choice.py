"""Which section of an article answers the query: the one a result links to, shows a snippet of
and offers as the instant answer.

Sections are scored as search scored them (fused), with two nudges for what a query asks for:
- a task ("cancel my subscription", "how do I reset my password", "two factor authentication")
  is answered by the steps: a section with a numbered list of two or more items gains
  STEPS_BONUS, and the introduction, which names the article's topic rather than doing it,
  loses INTRO_PENALTY (its heading vector is the article's title, so it matches any query about
  the topic);
- a question ("what is…", "can I…", "how long…") gets neither: the introduction or a section
  without steps may be what answers it.
The nudges are small beside the fused scores (which differ by 0.05 to 0.2 between a topic's
sections), so they break near-ties and never pull a section with no match above a good one.
Measured on the tuning part of tests/data/demo_sections.jsonl, choosing within the gold article:
111 of 146 sections right without them, 118 with them (README, "Search quality").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from kb.content import markdown
from kb.content.model import Article, Section

STEPS_BONUS = 0.02
INTRO_PENALTY = 0.05
MIN_STEPS = 2
# A question asks about something; anything else (a task, or a topic of a few words) is taken
# to ask how to do it.
_QUESTION = re.compile(
    r"^\s*(what|what's|whats|why|when|which|who|whose|where|is|are|was|were|does|did|can|could"
    r"|will|would|should|if|do (you|they|i need)|how (long|much|many|often|big|soon|old|fast))\b",
    re.IGNORECASE,
)


def is_question(query: str) -> bool:
    """The query asks about something rather than how to do something."""
    return bool(_QUESTION.match(query))


@functools.lru_cache(maxsize=4096)
def numbered_steps(body: str) -> Mapping[str, int]:
    """How many numbered list items each section (by anchor) of an article body holds."""
    tokens = markdown.parse(body)
    markdown.assign_heading_anchors(tokens)
    counts: dict[str, int] = {}
    anchor = ""
    lists: list[str] = []
    for token in tokens:
        if token.type == "heading_open" and token.tag in ("h2", "h3") and token.level == 0:
            anchor = str(token.attrGet("id") or "")
        elif token.type in ("ordered_list_open", "bullet_list_open"):
            lists.append(token.type)
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            lists.pop()
        elif token.type == "list_item_open" and lists and lists[-1] == "ordered_list_open":
            counts[anchor] = counts.get(anchor, 0) + 1
    return counts


def has_steps(article: Article, section: Section) -> bool:
    return numbered_steps(article.body).get(section.anchor, 0) >= MIN_STEPS


def choose_section(
    query: str, article: Article, scored: Mapping[Section, float]
) -> tuple[Section, float]:
    """The section of `article` that answers `query`, from its sections' search scores (only
    sections search found are candidates), and that section's search score."""
    task = not is_question(query)
    several = len(article.sections) > 1

    def preference(section: Section, score: float) -> float:
        if task and has_steps(article, section):
            score += STEPS_BONUS
        if task and several and not section.anchor:
            score -= INTRO_PENALTY
        return score

    # Ties go to the first anchor in sort order, so the choice is the same from run to run.
    best = min(scored, key=lambda section: (-preference(section, scored[section]), section.anchor))
    return best, scored[best]
