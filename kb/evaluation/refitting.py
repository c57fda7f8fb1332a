"""`kb eval ... --calibrate`: refit the constants of kb.search.answers (the confidences and the
floor) and kb.search.section_choice (CHOICE) on labelled queries (the tuning part), and print
them with what they give, to be copied into the code."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kb.evaluation.answers import LabelledAnswer, Unanswerable, is_gold
from kb.evaluation.calibration import (
    fit_choice,
    fit_logistic,
    fit_multiplier,
    floor_keeping,
    logistic,
    precision_coverage,
)
from kb.search.hits import Filters
from kb.search.section_choice import section_features

if TYPE_CHECKING:
    from kb.search.engine import SearchEngine

CHOICE_ARTICLES = 3  # the gold article's sections are learnt from when it is among these


def calibrate(
    engine: SearchEngine,
    answerable: Sequence[LabelledAnswer],
    unanswerable: Sequence[Unanswerable],
    keep: float = 0.97,
) -> dict:
    """Refit on these queries (the tuning part): the relevance of each of the ten best results
    and the answer on the top one; the answerable model and its multiplier for queries whose
    most specific word the top articles do not name; the floor keeping `keep` of the answerable
    queries; the answer's precision and coverage by threshold; and the section choice's
    weights."""
    index = engine.current_index()
    rows, relevant, evidence, right, tops = [], [], [], [], []
    answerable_rows: list[list[float]] = []
    answers: list[bool] = []
    unnamed: list[bool] = []
    queries = [(q.text, q) for q in answerable] + [(q.text, None) for q in unanswerable]
    for text, label in queries:
        judged = engine.judge(text, "hybrid", Filters(), index)
        if judged.evidence is None:
            continue  # no result: refused at any floor, it teaches the models nothing
        best = max(score for _, _, score, _ in judged.ranked)
        answerable_rows.append([best, judged.evidence.unknown])
        answers.append(label is not None)
        unnamed.append(not judged.named)
        top = judged.ranked[0]
        evidence.append(dataclasses.astuple(judged.evidence))
        right.append(label is not None and is_gold(label, (top[0].slug, top[1].anchor)))
        for article, _, score, _ in judged.ranked[:10]:
            rows.append([score])
            relevant.append(label is not None and article.slug in label.relevant)
        if label is not None:
            tops.append((top[2], answerable_rows[-1], unnamed[-1]))
    relevance = fit_logistic(rows, relevant)
    answer = fit_logistic(evidence, right)
    answerable_model = fit_logistic(answerable_rows, answers)
    # Answerable queries with no result at all are not kept at any floor (confidence 0).
    missing = len(answerable) - len(tops)
    multiplier = fit_multiplier(
        [logistic(answerable_model, row) for row in answerable_rows] + [0.0] * missing,
        unnamed + [False] * missing,
        answers + [True] * missing,
        keep,
    )
    # The top result's confidence is the query's answerable confidence (kb.search.answers).
    kept = [logistic(answerable_model, row) * (multiplier if low else 1) for _, row, low in tops]
    listed = [logistic(relevance, [score]) for score, _, _ in tops]
    kept += [0.0] * missing
    listed += [0.0] * missing
    confidences = [logistic(answer, row) for row in evidence]
    return {
        "relevance": relevance,
        "answerable": answerable_model,
        "unnamed": multiplier,
        "answer": answer,
        # Rounded down, so that the rounded confidences of the queries it keeps still pass.
        "floor": math.floor(floor_keeping(kept, keep) * 1000) / 1000,
        "list floor": math.floor(floor_keeping(listed, keep) * 1000) / 1000,
        "answer precision, coverage": {
            threshold: [round(v, 3) for v in precision_coverage(confidences, right, threshold)]
            for threshold in (0.5, 0.6, 0.7, 0.8, 0.9)
        },
        "section choice": fit_choice([choice_group(engine, label) for label in answerable]),
    }


def choice_group(
    engine: SearchEngine, label: LabelledAnswer
) -> tuple[list[tuple[float, ...]], list[bool]]:
    """The evidence for each section search found in the gold article, when that article is
    among the first few, and which of them answer."""
    index = engine.current_index()
    keyword_hits, vector_hits = engine.retrieve(index, label.text, "hybrid", Filters())
    fused = engine.combine("hybrid", keyword_hits, vector_hits)
    slugs = list(dict.fromkeys(hit.section_id.partition("#")[0] for hit in fused))
    if label.slug not in slugs[:CHOICE_ARTICLES] or label.slug not in index.articles:
        return [], []
    article = index.articles[label.slug]
    vocabulary = index.vocabulary
    terms = vocabulary.terms(label.text)
    scores = {hit.section_id: hit.score for hit in fused}
    found = [section for section in article.sections if section.id in scores]
    evidence = [
        section_features(label.text, terms, article, s, scores[s.id], vocabulary) for s in found
    ]
    return evidence, [section.anchor in label.anchors for section in found]
