"""What search shows first: the section that answers, the instant answer, no good match and
did-you-mean, each decision as a pure function."""

from __future__ import annotations

import re

import pytest

from kb.content.model import Article, Section
from kb.content.sections import split_sections
from kb.index.keyword.analysis import query_terms
from kb.search.answers import (
    CLEARLY_BETTER,
    FLOOR,
    LEAD_CAP,
    Judged,
    answer_confidence,
    answer_evidence,
    judge,
    relevance_confidence,
    worth_correcting,
)
from kb.search.engine import SearchEngine
from kb.search.section_choice import choose_section, has_steps, is_question, numbered_steps
from kb.search.snippets import STOP_WORDS, make_snippet
from tests.helpers import make_engine

BODY = """Cancelling stops your plan from renewing.

## Turn off auto-renewal

1. Go to **Settings > Plan**.
2. Click **Cancel plan**.

## Changed your mind

Until the end date you can undo the cancellation: click **Resume plan**.

## Family plans

- Only the manager can cancel.
- Members move to Free.
"""


@pytest.fixture
def engine(built, data_dir, embedder) -> SearchEngine:
    return make_engine(data_dir, embedder)


def article(body: str = BODY) -> Article:
    sections = split_sections("cancel-subscription", "Cancel your subscription", body)
    return Article(
        "cancel-subscription", "Cancel your subscription", "billing/c.md", "billing", body,
        sections,
    )  # fmt: skip


def by_anchor(item: Article) -> dict[str, Section]:
    return {section.anchor: section for section in item.sections}


def test_numbered_steps_are_counted_per_section() -> None:
    assert numbered_steps(BODY) == {"turn-off-auto-renewal": 2}
    sections = by_anchor(article())
    assert has_steps(article(), sections["turn-off-auto-renewal"])
    assert not has_steps(article(), sections["family-plans"])  # a bullet list is not steps


def test_questions_and_tasks() -> None:
    for question in ("what is a conflicted copy", "can I pay with bitcoin", "How long is it kept"):
        assert is_question(question)
    for task in ("how do i cancel", "cancel my subscription", "reset password", "how to export"):
        assert not is_question(task)


def test_a_task_is_answered_by_the_steps_not_a_section_nearby() -> None:
    """ "how do i cancel" once showed *Changed your mind* (how to undo a cancellation): it
    scored a little higher than the steps."""
    item = article()
    sections = by_anchor(item)
    scored = {sections["changed-your-mind"]: 0.688, sections["turn-off-auto-renewal"]: 0.679}
    chosen, score = choose_section("how do i cancel", item, scored)
    assert chosen.anchor == "turn-off-auto-renewal" and score == 0.679
    # a question about undoing gets the section that scored best
    chosen, _ = choose_section("can I undo a cancellation", item, scored)
    assert chosen.anchor == "changed-your-mind"


def test_the_introduction_answers_a_task_only_when_nothing_else_is_close() -> None:
    item = article()
    sections = by_anchor(item)
    scored = {sections[""]: 0.834, sections["turn-off-auto-renewal"]: 0.800}
    assert (
        choose_section("cancel my subscription", item, scored)[0].anchor == "turn-off-auto-renewal"
    )
    assert choose_section("what does cancelling do", item, scored)[0].anchor == ""
    far = {sections[""]: 0.834, sections["family-plans"]: 0.6}
    assert choose_section("cancel my subscription", item, far)[0].anchor == ""


def test_an_article_of_one_section_keeps_it() -> None:
    item = article("Only an introduction, no headings.")
    (only,) = item.sections
    assert choose_section("how do i do it", item, {only: 0.5}) == (only, 0.5)


def test_ties_are_broken_the_same_way_every_time() -> None:
    item = article()
    sections = by_anchor(item)
    scored = {sections["family-plans"]: 0.5, sections["changed-your-mind"]: 0.5}
    assert choose_section("what about it", item, scored)[0].anchor == "changed-your-mind"


# --- confidence, no good match, the instant answer, did-you-mean -----------------------------


def test_confidence_is_a_probability_that_rises_with_the_score() -> None:
    values = [relevance_confidence(score / 10) for score in range(11)]
    assert all(0.0 <= value <= 1.0 for value in values)
    assert values == sorted(values) and values[0] < 0.01 < 0.9 < values[-1]


def test_the_answer_is_surer_with_a_lead() -> None:
    close = answer_evidence([0.8, 0.79], 0.8, [0.79])
    clear = answer_evidence([0.8, 0.5], 0.8, [0.5])
    assert answer_confidence(clear) > answer_confidence(close)
    alone = answer_evidence([0.8], 0.8, [])
    assert alone.lead == alone.section_lead == LEAD_CAP  # capped: nothing to lead


def judged_for(scores: dict[str, float], floor: float = FLOOR) -> Judged:
    item = article()
    sections = by_anchor(item)
    fused = {sections[anchor].id: score for anchor, score in scores.items()}
    best = max(scores, key=scores.get)
    return judge([(item, sections[best], scores[best])], fused, floor)


def test_no_good_match_when_nothing_passes_the_floor() -> None:
    weak = judged_for({"changed-your-mind": 0.2})
    assert weak.ranked and not weak.found  # a match, but not one that answers
    strong = judged_for({"turn-off-auto-renewal": 0.8, "changed-your-mind": 0.6})
    assert strong.found and strong.best > 0.9
    assert not judged_for({"changed-your-mind": 0.8}, floor=1.0).found


def test_did_you_mean_only_when_clearly_better_and_never_over_good_results() -> None:
    weak = judged_for({"changed-your-mind": 0.3})
    better = judged_for({"turn-off-auto-renewal": 0.3 + CLEARLY_BETTER + 0.1})
    slightly = judged_for({"turn-off-auto-renewal": 0.3 + CLEARLY_BETTER / 2})
    good = judged_for({"turn-off-auto-renewal": 0.75})
    assert worth_correcting(weak, better)
    assert not worth_correcting(weak, slightly)
    assert not worth_correcting(good, judged_for({"turn-off-auto-renewal": 0.95}))
    assert not worth_correcting(weak, Judged([], None))


def test_did_you_mean_proposes_only_the_help_centers_words(engine) -> None:
    # "kubernetes" is no word of the help center and nothing close: no proposal at all, not
    # "kubernetes refund"
    assert engine.search("kubernetes refnud").did_you_mean is None
    assert engine.search("refnud windw").did_you_mean == "refund window"


def test_search_counts_and_lists_only_results_above_the_floor(built, data_dir, embedder) -> None:
    everything = make_engine(data_dir, embedder).search("refund")
    assert everything.total == len(everything.results) > 1 and not everything.no_good_match
    assert all(0.0 <= r.confidence <= 1.0 for r in everything.results)
    assert everything.weak_matches == []
    strict = make_engine(data_dir, embedder, min_confidence=1.0).search("refund")
    assert strict.no_good_match and strict.total == 0 and strict.results == []
    assert strict.answer is None
    assert [r.article.slug for r in strict.weak_matches] == [
        r.article.slug for r in everything.results[: len(strict.weak_matches)]
    ]


# --- snippets ---------------------------------------------------------------------------------


def test_snippets_never_highlight_stop_words() -> None:
    text = "How do I get my money back? Ask for a refund and we send the money back to you."
    snippet = make_snippet(text, set(query_terms("how do I get my money back")))
    assert "<mark>money</mark>" in snippet
    marked = {word.lower() for word in re.findall(r"<mark>(.*?)</mark>", snippet)}
    assert not marked & STOP_WORDS and {"how", "my", "get", "back"} & STOP_WORDS


def test_snippets_separate_table_cells_and_list_items() -> None:
    item = article(
        "| Situation | Refund |\n|---|---|\n| Yearly plan, within 14 days | Full refund |\n\n"
        "1. Open Settings\n2. Click Refund\n"
    )
    (intro,) = item.sections
    snippet = make_snippet(intro.text, set(query_terms("refund")))
    assert "Situation · <mark>Refund</mark> · Yearly plan, within 14 days · Full" in snippet
    assert "Open Settings · Click <mark>Refund</mark>" in snippet
