"""Answer quality: is the section shown the one that answers, is the instant answer right, and does
search admit when nothing answers. Labelled files (tests/data/README.md) are read here; the
figures are pure functions of what search showed for each query.

- section hit@1: the top result's section is the gold one (or one of its equals, `also`);
- instant-answer precision: of the answerable queries given an instant answer, the share whose
  answer is a gold section; coverage: the share of answerable queries given one;
- false-answer rate: the share of unanswerable queries given an instant answer or not told
  "no good match"; answerable kept: the share of answerable queries not told "no good match".
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import BadRequest
from kb.evaluation.metrics import ndcg_at_k

if TYPE_CHECKING:
    from kb.search.engine import SearchEngine
    from kb.search.results import SearchResults

# Every third line of a labelled file is held out (tests/data/README.md): scored, never tuned on.
HELD_OUT_EVERY = 3
PARTS = ("tuning", "held-out", "all")


@dataclasses.dataclass(frozen=True)
class LabelledAnswer:
    """An answerable query and the section that answers it."""

    line: int
    text: str
    slug: str
    anchors: frozenset[str]  # the gold anchor and its equals
    relevant: tuple[str, ...]  # every article that answers it
    kind: str
    held_out: bool


@dataclasses.dataclass(frozen=True)
class Unanswerable:
    """A query nothing in the help center answers."""

    line: int
    text: str
    kind: str
    held_out: bool


@dataclasses.dataclass(frozen=True)
class Shown:
    """What search showed for one query: the ranked articles, the top result's section, the
    instant answer (slug, anchor) if any, and whether it said nothing answers."""

    ranking: tuple[str, ...]
    top: tuple[str, str] | None
    answer: tuple[str, str] | None
    no_good_match: bool


def is_held_out(line: int, every: int = HELD_OUT_EVERY) -> bool:
    """Lines every, 2·every, … (counted from 1) are the held-out part."""
    return every > 0 and line % every == 0


def load_answer_file(path: Path, every: int = HELD_OUT_EVERY) -> list[LabelledAnswer]:
    """`{"query", "slug", "anchor", "also"?, "relevant", "kind"}` per line."""
    labelled = []
    for line, record in _records(path):
        try:
            slug, anchor = record["slug"], record["anchor"]
            if not isinstance(slug, str) or not isinstance(anchor, str):
                raise ValueError("'slug' and 'anchor' must be strings")
            relevant = tuple(record.get("relevant") or (slug,))
            anchors = frozenset([anchor, *record.get("also", ())])
            labelled.append(
                LabelledAnswer(
                    line, record["query"], slug, anchors, relevant, record.get("kind", ""),
                    is_held_out(line, every),
                )
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as error:
            raise BadRequest(f"{path}:{line}: not a labelled section ({error})") from error
    return labelled


def load_unanswerable_file(path: Path, every: int = HELD_OUT_EVERY) -> list[Unanswerable]:
    """`{"query", "kind"}` per line."""
    found = []
    for line, record in _records(path):
        if not isinstance(record.get("query"), str):
            raise BadRequest(f"{path}:{line}: needs a 'query' string")
        found.append(
            Unanswerable(line, record["query"], record.get("kind", ""), is_held_out(line, every))
        )
    return found


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except ValueError as error:
            raise BadRequest(f"{path}:{line}: not JSON ({error})") from error
        if not isinstance(record, dict) or not isinstance(record.get("query"), str):
            raise BadRequest(f"{path}:{line}: needs a 'query' string")
        yield line, record


def is_gold(label: LabelledAnswer, place: tuple[str, str] | None) -> bool:
    return place is not None and place[0] == label.slug and place[1] in label.anchors


def answer_figures(
    answerable: Sequence[tuple[LabelledAnswer, Shown]],
    unanswerable: Sequence[tuple[Unanswerable, Shown]],
) -> dict[str, float | int]:
    """Every answer figure over one set of queries (see the module's docstring)."""
    answered = [(label, shown) for label, shown in answerable if shown.answer is not None]
    false_answers = [
        shown for _, shown in unanswerable if shown.answer is not None or not shown.no_good_match
    ]
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "section hit@1": _share(sum(is_gold(lbl, s.top) for lbl, s in answerable), answerable),
        "article hit@1": _share(
            sum(bool(s.ranking) and s.ranking[0] in lbl.relevant for lbl, s in answerable),
            answerable,
        ),
        "answer precision": _share(sum(is_gold(lbl, s.answer) for lbl, s in answered), answered),
        "answer coverage": _share(len(answered), answerable),
        "false-answer rate": _share(len(false_answers), unanswerable),
        "answerable kept": _share(sum(not s.no_good_match for _, s in answerable), answerable),
        "ndcg@10": _share(
            sum(ndcg_at_k(s.ranking, {slug: 1 for slug in lbl.relevant}) for lbl, s in answerable),
            answerable,
        ),
    }


def figures_by_part(
    answerable: Sequence[tuple[LabelledAnswer, Shown]],
    unanswerable: Sequence[tuple[Unanswerable, Shown]],
) -> dict[str, dict[str, float | int]]:
    """The figures on the tuning part, the held-out part and both."""
    keep: dict[str, Callable[[bool], bool]] = {
        "tuning": lambda held: not held,
        "held-out": lambda held: held,
        "all": lambda held: True,
    }
    return {
        part: answer_figures(
            [pair for pair in answerable if keep[part](pair[0].held_out)],
            [pair for pair in unanswerable if keep[part](pair[0].held_out)],
        )
        for part in PARTS
    }


def _share(count: float, of: Sequence) -> float:
    return count / len(of) if of else 0.0


def shown(results: SearchResults, ranking: Sequence[str]) -> Shown:
    """What a search showed, as the figures need it."""
    # With no good match, the top result is the first of the weak matches shown instead.
    shown_first = results.results or results.weak_matches
    top = shown_first[0] if shown_first else None
    answer = results.answer.result if results.answer else None
    return Shown(
        tuple(ranking),
        (top.article.slug, top.section.anchor) if top else None,
        (answer.article.slug, answer.section.anchor) if answer else None,
        results.no_good_match,
    )


def observe(engine: SearchEngine, text: str) -> Shown:
    """Search as a customer would (hybrid, public, first page) and keep what was shown; the
    ranking for nDCG is the whole one, before any cut."""
    results = engine.search(text)
    ranking = [article.slug for article, _, _ in engine.rank(text)]
    return shown(results, ranking)


def failures(
    answerable: Sequence[tuple[LabelledAnswer, Shown]],
    unanswerable: Sequence[tuple[Unanswerable, Shown]],
    count: int,
) -> list[dict]:
    """Up to `count` of each kind of failure on the tuning part: a wrong top section, a wrong
    instant answer, an answerable query told "no good match", an unanswerable one answered."""
    found: list[dict] = []
    for label, seen in answerable:
        if label.held_out:
            continue
        gold = f"{label.slug}#{'|'.join(sorted(label.anchors))}"
        place = {"gold": gold, "top": _place(seen.top), "answer": _place(seen.answer)}
        if seen.answer is not None and not is_gold(label, seen.answer):
            found.append({"why": "wrong answer", "query": label.text, **place})
        elif not is_gold(label, seen.top):
            found.append({"why": "wrong top section", "query": label.text, **place})
        if seen.no_good_match:
            found.append({"why": "answerable, no good match", "query": label.text, **place})
    for query, seen in unanswerable:
        if not query.held_out and (seen.answer is not None or not seen.no_good_match):
            found.append(
                {"why": f"{query.kind} answered", "query": query.text, "top": _place(seen.top),
                 "answer": _place(seen.answer)}
            )  # fmt: skip
    kept: dict[str, int] = {}
    limited = []
    for item in found:
        kept[item["why"]] = kept.get(item["why"], 0) + 1
        if kept[item["why"]] <= count:
            limited.append(item)
    return limited


def _place(place: tuple[str, str] | None) -> str:
    return f"{place[0]}#{place[1]}" if place else "-"
