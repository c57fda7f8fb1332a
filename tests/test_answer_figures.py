"""Answer figures as pure functions of what search showed, the labelled files they read, and
`kb eval` printing them per part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main
from kb.errors import BadRequest
from kb.evaluation.answers import (
    LabelledAnswer,
    Shown,
    Unanswerable,
    answer_figures,
    failures,
    figures_by_part,
    is_held_out,
    load_answer_file,
    load_unanswerable_file,
)

DATA = Path(__file__).parent / "data"


def label(slug: str, anchor: str, also=(), held_out=False, line=1) -> LabelledAnswer:
    return LabelledAnswer(
        line, f"q{line}", slug, frozenset([anchor, *also]), (slug,), "original", held_out
    )


def shown(top=None, answer=None, no_good_match=False, ranking=()) -> Shown:
    return Shown(tuple(ranking), top, answer, no_good_match)


def test_figures_count_what_was_shown() -> None:
    answerable = [
        # right section on top and as the answer
        (label("a", "steps"), shown(("a", "steps"), ("a", "steps"), ranking=["a"])),
        # an equal section (also) counts as gold
        (label("b", "x", also=["y"]), shown(("b", "y"), None, ranking=["b"])),
        # right article, wrong section, wrong answer
        (label("c", "steps"), shown(("c", ""), ("c", ""), ranking=["c"])),
        # nothing found: told no good match
        (label("d", "z"), shown(None, None, no_good_match=True)),
    ]
    unanswerable = [
        (Unanswerable(1, "x", "mash", False), shown(None, None, no_good_match=True)),
        # results above the floor are a false answer even without an instant answer
        (Unanswerable(2, "y", "general", False), shown(("a", ""), None, no_good_match=False)),
        # an instant answer is a false answer even if also flagged
        (Unanswerable(3, "z", "near_miss", False), shown(("a", ""), ("a", ""), True)),
        (Unanswerable(4, "w", "uncovered", False), shown(None, None, no_good_match=True)),
    ]
    figures = answer_figures(answerable, unanswerable)
    assert figures["section hit@1"] == 2 / 4
    assert figures["article hit@1"] == 3 / 4
    assert figures["answer precision"] == 1 / 2
    assert figures["answer coverage"] == 2 / 4
    assert figures["false-answer rate"] == 2 / 4
    assert figures["answerable kept"] == 3 / 4
    assert figures["ndcg@10"] == 3 / 4
    assert (figures["answerable"], figures["unanswerable"]) == (4, 4)


def test_no_queries_give_zeros_not_errors() -> None:
    figures = answer_figures([], [])
    assert figures["answer precision"] == 0.0 and figures["false-answer rate"] == 0.0


def test_parts_split_by_line() -> None:
    assert [line for line in range(1, 10) if is_held_out(line)] == [3, 6, 9]
    assert not any(is_held_out(line, every=0) for line in range(1, 10))
    answerable = [
        (label("a", "s", line=1), shown(("a", "s"))),
        (label("a", "s", held_out=True, line=3), shown(("a", "t"))),
    ]
    parts = figures_by_part(answerable, [])
    assert parts["tuning"]["section hit@1"] == 1.0
    assert parts["held-out"]["section hit@1"] == 0.0
    assert parts["all"]["section hit@1"] == 0.5


def test_failures_come_from_the_tuning_part_only() -> None:
    answerable = [
        (label("a", "s", line=1), shown(("a", "t"), ("a", "t"))),
        (label("a", "s", held_out=True, line=3), shown(("a", "t"), ("a", "t"))),
    ]
    unanswerable = [(Unanswerable(3, "held", "mash", True), shown(("a", "")))]
    found = failures(answerable, unanswerable, 10)
    assert [(f["why"], f["query"]) for f in found] == [("wrong answer", "q1")]
    assert found[0]["gold"] == "a#s" and found[0]["answer"] == "a#t"


def test_the_labelled_files_load_with_their_parts() -> None:
    answerable = load_answer_file(DATA / "demo_sections.jsonl")
    unanswerable = load_unanswerable_file(DATA / "unanswerable.jsonl")
    assert len(answerable) >= 200 and len(unanswerable) >= 40
    assert sum(a.held_out for a in answerable) == len(answerable) // 3
    first = answerable[0]
    assert first.slug == "request-a-refund" and "how-to-ask-for-a-refund" in first.anchors
    assert "our-refund-policy" in first.anchors  # `also`


def test_a_bad_line_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "sections.jsonl"
    bad.write_text('{"query": "a", "slug": "x", "anchor": ""}\n{"query": "b", "slug": "x"}\n')
    with pytest.raises(BadRequest, match=f"{bad}:2"):
        load_answer_file(bad)


def test_eval_prints_answer_figures_per_part(runner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["index"]).exit_code == 0
    sections = tmp_path / "sections.jsonl"
    sections.write_text(
        "\n".join(
            json.dumps(
                {"query": q, "relevant": [slug], "slug": slug, "anchor": anchor, "kind": "x"}
            )
            for q, slug, anchor in [
                ("how do I ask for a refund", "request-a-refund", "how-to-ask-for-a-refund"),
                ("turn off automatic renewal", "cancel-subscription", "turn-off-automatic-renewal"),
                ("DBX-301", "sync-error-codes", ""),
            ]
        )
    )
    unanswerable = tmp_path / "unanswerable.jsonl"
    unanswerable.write_text('{"query": "qwfpgj zxcvb", "kind": "mash"}\n')
    result = runner.invoke(
        main, ["eval", str(sections), "--unanswerable", str(unanswerable), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)["answers"]
    assert set(report["parts"]) == {"tuning", "held-out", "all"}
    assert report["parts"]["held-out"]["answerable"] == 1
    assert report["parts"]["all"]["unanswerable"] == 1
    assert 0.0 <= report["parts"]["all"]["section hit@1"] <= 1.0
    text = runner.invoke(main, ["eval", str(sections), "--unanswerable", str(unanswerable)])
    assert "held-out" in text.output and "sect@1" in text.output
