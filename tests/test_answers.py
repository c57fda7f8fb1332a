"""What search shows first: the section that answers, the instant answer, no good match and
did-you-mean, each decision as a pure function."""

from __future__ import annotations

from kb.content.model import Article, Section
from kb.content.sections import split_sections
from kb.search.section_choice import choose_section, has_steps, is_question, numbered_steps

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
    assert choose_section("what about family", item, scored)[0].anchor == "changed-your-mind"
