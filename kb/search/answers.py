"""What a search page and the API show first: how sure search is of each result, whether anything
answers at all, the instant answer, and whether to propose a corrected query.

Three logistic models, of the hybrid fused score (kb.search.fusion: cosine similarity and damped
BM25 on fixed scales, so comparable across queries) and of the share of the query's words the
help center never uses (kb.search.vocabulary), fitted on the tuning part of
tests/data/demo_sections.jsonl and unanswerable.jsonl (`kb eval ... --calibrate` refits them and
prints these constants):
- answerable: the probability that anything answers the query, from its best score and its
  unknown share ("cancel amazon prime" scores like a real question, but the help center never
  says "amazon"). It is the top result's confidence; when it is below FLOOR there is no good
  match. When neither of the top two articles names the query's most specific word (its known
  word fewest sections use, kb.search.vocabulary), it is multiplied by UNNAMED: real answers
  nearly always name it. FLOOR keeps 97% of the answerable tuning queries;
- relevance: the probability that a result's article answers, from its score; the other results'
  confidences are the top's scaled by their relevance against the top's, and they count as
  found (in "N articles found") when their relevance reaches LIST_FLOOR (which, as the floor of
  the relevance model alone, kept 97% of the answerable tuning queries' top results);
- answer: the probability that the top result's section is the one that answers: it also rises
  with the top result's lead over the next article, the chosen section's lead over the
  article's other sections, and when the keyword side on its own ranks that very section first
  of all (the two retrievers agree on the answer, not only on the article). An instant answer
  needs ANSWER_CONFIDENCE, set for the precision of the instant answer over its coverage
  (README, "Search quality").
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

from kb.content.model import Article, Section

# RELEVANCE, LIST_FLOOR, ANSWERABLE, UNNAMED and FLOOR were refitted (`--calibrate`) on the model
# adapted to the demo content (kb.index.adaptation; README, "Search quality"); ANSWER and
# section_choice.CHOICE were kept from the shipped model, whose refit did no better.
# Relevance: intercept and weight of the fused score.
RELEVANCE = (-12.746, 22.956)
LIST_FLOOR = 0.051
# Answerable: intercept and weights of the best fused score and the query's unknown share.
ANSWERABLE = (-5.877, 14.574, -2.236)
# The answerable confidence is multiplied by UNNAMED when none of the first NAMING_ARTICLES
# articles names the query's most specific word.
UNNAMED = 0.502
NAMING_ARTICLES = 2
# Answer: intercept and weights of the top score, its lead over the next article (capped at
# LEAD_CAP), its section's lead over the article's other sections (capped likewise), the
# query's unknown share, and the keyword side's best section being the answer's (1 or 0).
ANSWER = (-4.152, 4.368, 11.036, 4.795, -1.979, 1.113)
LEAD_CAP = 0.2
FLOOR = 0.354
ANSWER_CONFIDENCE = 0.7
# A corrected query is proposed when the original's best fused score is below GOOD_RESULTS (where
# the relevance model gives about even odds), and the correction's best result passes the floor
# and beats the original's by this much fused score (about what separates an answer from a near
# miss).
GOOD_RESULTS = 0.6
CLEARLY_BETTER = 0.1
WEAK_MATCHES = 3  # shown under "no good match" as things to try


@dataclasses.dataclass(frozen=True)
class AnswerEvidence:
    """What the answer's confidence is computed from (kept for `kb eval --calibrate`)."""

    score: float  # the top result's fused score
    lead: float  # over the next article's, capped
    section_lead: float  # of the chosen section over the article's other sections, capped
    unknown: float = 0.0  # the weighted share of the query's words no public section uses
    keyword_agrees: float = 0.0  # 1 when the keyword side's best section is this one


def _logistic(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


def relevance_confidence(
    score: float, answerable: float = 1.0, best_score: float | None = None
) -> float:
    """The probability that a result with this hybrid fused score answers the query. With the
    query's best score, it is the probability that anything answers (`answerable`) scaled by the
    result's relevance against the best result's: the best result's confidence is `answerable`."""
    intercept, weight = RELEVANCE
    relevance = _logistic(intercept + weight * score)
    if best_score is not None:
        relevance /= _logistic(intercept + weight * max(best_score, score))
    return round(answerable * relevance, 3)


def answerable_confidence(score: float, unknown: float, named: bool = True) -> float:
    """The probability that the help center answers a query whose top result has this fused
    score, whose words are this share unknown, and whose most specific word the top articles
    name or not (kb.search.vocabulary)."""
    intercept, weight, unknown_weight = ANSWERABLE
    confidence = _logistic(intercept + weight * score + unknown_weight * unknown)
    return confidence if named else confidence * UNNAMED


def answer_evidence(
    scores: Sequence[float],
    section_score: float,
    other_section_scores: Sequence[float],
    unknown: float = 0.0,
    keyword_agrees: bool = False,
) -> AnswerEvidence:
    """Evidence for the top result as the answer: `scores` are the articles' fused scores,
    best first; the others are those of the top article's sections that search found;
    `unknown` is the query's unknown share; `keyword_agrees`, whether the keyword side's best
    section is the answer's."""
    top = scores[0]
    lead = top - (scores[1] if len(scores) > 1 else 0.0)
    section_lead = section_score - max(other_section_scores, default=0.0)
    return AnswerEvidence(
        top, min(lead, LEAD_CAP), min(section_lead, LEAD_CAP), unknown, float(keyword_agrees)
    )


def answer_confidence(evidence: AnswerEvidence) -> float:
    """The probability that the top result's section is the one that answers the query."""
    intercept, score, lead, section_lead, unknown, agrees = ANSWER
    value = (
        intercept
        + score * evidence.score
        + lead * evidence.lead
        + section_lead * evidence.section_lead
        + unknown * evidence.unknown
        + agrees * evidence.keyword_agrees
    )
    return round(_logistic(value), 3)


def shows_answer(confidence: float) -> bool:
    return confidence >= ANSWER_CONFIDENCE


@dataclasses.dataclass(frozen=True)
class Judged:
    """Every matching article with its section, search score and confidence, best first, and
    the evidence for the top one as the instant answer."""

    ranked: list[tuple[Article, Section, float, float]]
    evidence: AnswerEvidence | None
    floor: float = FLOOR
    answerable: float = 0.0  # the probability that anything answers the query
    relevance: tuple[float, ...] = ()  # each result's, on its own
    named: bool = True  # the top articles name the query's most specific word

    @property
    def best(self) -> float:
        """The confidence of the top result (0 when nothing matched)."""
        return self.ranked[0][3] if self.ranked else 0.0

    @property
    def best_score(self) -> float:
        """The best fused score (0 when nothing matched)."""
        return self.evidence.score if self.evidence else 0.0

    @property
    def found(self) -> list[tuple[Article, Section, float, float]]:
        """The results that count as found: none when the query is less likely answerable than
        the floor, else the top one and those whose relevance reaches LIST_FLOOR (every match
        at a floor of 0)."""
        if not self.ranked or self.answerable < self.floor:
            return []
        least = min(LIST_FLOOR, self.floor)
        relevance = self.relevance or (1.0,) * len(self.ranked)  # not given: every match
        return [
            item
            for position, (item, own) in enumerate(zip(self.ranked, relevance, strict=True))
            if position == 0 or own >= least
        ]


def judge(
    ranked: Sequence[tuple[Article, Section, float]],
    fused: Mapping[str, float],
    floor: float = FLOOR,
    unknown: float = 0.0,
    named: bool = True,
    keyword_best: str | None = None,
) -> Judged:
    """Confidences for ranked results (in any mode) from the hybrid fused score of each section
    (`fused`, by section id; a section hybrid search did not find scores 0), the query's
    unknown share, whether the top articles name its most specific word
    (kb.search.vocabulary), and the keyword side's best section (its id, if any)."""
    best: dict[str, float] = {}
    for section_id, score in fused.items():
        slug = section_id.partition("#")[0]
        best[slug] = max(score, best.get(slug, score))
    best_score = max(best.values(), default=0.0)
    answerable = answerable_confidence(best_score, unknown, named)
    judged = [
        (
            article,
            section,
            score,
            relevance_confidence(best.get(article.slug, 0.0), answerable, best_score),
        )  # fmt: skip
        for article, section, score in ranked
    ]
    if not judged:
        return Judged([], None, floor, named=named)
    relevance = tuple(relevance_confidence(best.get(a.slug, 0.0)) for a, *_ in judged)
    top, section = judged[0][0], judged[0][1]
    others = [fused[other.id] for other in top.sections if other.id in fused and other != section]
    scores = [best.get(article.slug, 0.0) for article, *_ in judged[:2]]
    agrees = section.id == keyword_best
    evidence = answer_evidence(scores, fused.get(section.id, 0.0), others, unknown, agrees)
    return Judged(judged, evidence, floor, round(answerable, 3), relevance, named)


def worth_correcting(original: Judged, corrected: Judged) -> bool:
    """Propose the corrected query: the original has no good results, and the correction's are
    clearly better and pass the floor."""
    if original.best_score >= GOOD_RESULTS or not corrected.found or corrected.evidence is None:
        return False
    before = original.evidence.score if original.evidence else 0.0
    return corrected.evidence.score >= before + CLEARLY_BETTER
