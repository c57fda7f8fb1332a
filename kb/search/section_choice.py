"""Which section of an article answers the query: the one a result links to, shows a snippet of
and offers as the instant answer.

Each section search found is scored by a linear model over general evidence, fitted on the
tuning part of tests/data/demo_sections.jsonl (`kb eval tests/data/demo_sections.jsonl
--unanswerable tests/data/unanswerable.jsonl --calibrate` refits and prints CHOICE):
- the fused search score (weight 1: the other weights are in its units);
- how much of the query the section names: the weighted share of the query's words in its
  heading, and in its heading and text (kb.search.vocabulary), so "not receiving the reset
  e-mail" wins over "request a reset link" when the query is about the e-mail;
- a task ("cancel my subscription", "how do I reset my password", "two factor authentication")
  is answered by the steps: a section with a numbered list of two or more items gains, and the
  introduction, which names the article's topic rather than doing it, loses (its heading vector
  is the article's title, so it matches any query about the topic);
- a question ("what is…", "can I…", "how long…") gets neither: the introduction or a section
  without steps may be what answers it.
Measured on the tuning part, the top article's section right: 99 of 146 by fused score alone,
with the steps and introduction nudges 103 (before this model), with the model 107; held out
0.667 → 0.681 (README, "Search quality").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence, Set

from kb.content import markdown
from kb.content.model import Article, Section
from kb.search.hits import Hit
from kb.search.vocabulary import Vocabulary

# Weights of (fused score, heading coverage, text coverage, steps for a task, the introduction
# for a task), fitted as a pairwise logistic model and divided by the fused score's weight.
CHOICE = (1.0, 0.064, 0.051, 0.051, -0.102)
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


def section_features(
    query: str,
    terms: tuple[str, ...],
    article: Article,
    section: Section,
    score: float,
    vocabulary: Vocabulary,
) -> tuple[float, ...]:
    """The evidence CHOICE weighs for `section` answering `query` (`terms` are its words)."""
    task = not is_question(query)
    heading, text = vocabulary.coverage(terms, section)
    steps = task and has_steps(article, section)
    intro = task and len(article.sections) > 1 and not section.anchor
    return score, heading, text, float(steps), float(intro)


def choose_section(
    query: str,
    article: Article,
    scored: Mapping[Section, float],
    vocabulary: Vocabulary | None = None,
) -> tuple[Section, float]:
    """The section of `article` that answers `query`, from its sections' search scores (only
    sections search found are candidates), and that section's search score. `vocabulary` is
    the help center's (without it, the article's own words weigh the query's)."""
    best = rank_sections(query, article, scored, vocabulary)[0]
    return best, scored[best]


def rank_sections(
    query: str,
    article: Article,
    scored: Mapping[Section, float],
    vocabulary: Vocabulary | None = None,
) -> list[Section]:
    """The sections search found in `article`, the one that answers `query` first (see
    `choose_section`)."""
    vocabulary = vocabulary or Vocabulary([article])
    terms = vocabulary.terms(query)

    def preference(section: Section) -> float:
        evidence = section_features(query, terms, article, section, scored[section], vocabulary)
        return sum(weight * value for weight, value in zip(CHOICE, evidence, strict=True))

    # Ties go to the first anchor in sort order, so the choice is the same from run to run.
    return sorted(scored, key=lambda section: (-preference(section), section.anchor))


def next_section(
    query: str,
    article: Article,
    hits: Sequence[Hit],
    sections: Mapping[str, tuple[Article, Section]],
    vocabulary: Vocabulary,
    skip: Set[str],
) -> Section | None:
    """The section of `article` that best answers `query` among those `hits` found, less the
    ones in `skip` (section ids): what the bot offers beside its answer from the same article."""
    scored: dict[Section, float] = {}
    for hit in hits:
        place = sections.get(hit.section_id)
        if place and place[0].slug == article.slug and hit.section_id not in skip:
            scored.setdefault(place[1], hit.score)
    return rank_sections(query, article, scored, vocabulary)[0] if scored else None
