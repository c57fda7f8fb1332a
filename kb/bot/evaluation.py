"""How well the bot converses, on scripted conversations (tests/data/conversations.jsonl, see its
README): each conversation is played turn by turn, and the figures are pure functions of what
the bot replied.

- answer accuracy: turns of answerable conversations whose first answer is the gold section;
- follow-up accuracy: the same over the later turns of follow-up conversations;
- correct hand-over: first turns of unanswerable conversations told "no answer" and offered a
  person, and turns that expect a person offered one;
- wrong hand-over: turns that expect an answer offered a person instead of an answer.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kb.bot.answering import AnswerBot, Reply, State

HELD_OUT_EVERY = 3  # a file without parts: every third conversation is held out
PARTS = ("tuning", "held_out")


@dataclasses.dataclass(frozen=True)
class Turn:
    """One scripted turn and what the bot replied."""

    conversation: str
    kind: str  # of the conversation: answerable, follow_up, unanswerable, handover
    position: int  # 0 for the first turn
    expect: str  # answer, no_answer or handover
    gold: tuple[str, str] | None
    reply: Reply
    milliseconds: float  # wall-clock time of the turn
    cpu_milliseconds: float  # processor time this process spent on it (all its threads)

    @property
    def answered(self) -> tuple[str, str] | None:
        answer = self.reply.answer
        return (answer.article.slug, answer.section.anchor) if answer else None

    @property
    def right(self) -> bool:
        return self.gold is not None and self.answered == self.gold

    @property
    def right_article(self) -> bool:
        return (
            self.gold is not None
            and self.answered is not None
            and (self.answered[0] == self.gold[0])
        )

    @property
    def gold_in_top_three(self) -> bool:
        shown = [self.reply.answer, *self.reply.alternatives]
        return any((c.article.slug, c.section.anchor) == self.gold for c in shown if c is not None)


def load_conversations(path: Path) -> list[dict[str, Any]]:
    """The scripted conversations, each with its `part` (tuning or held_out)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    conversations = []
    for number, line in enumerate(lines):
        record = json.loads(line)
        if record.get("part") not in PARTS:
            record["part"] = (
                "held_out" if number % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else "tuning"
            )
        conversations.append(record)
    return conversations


def play(bot: AnswerBot, conversation: dict[str, Any]) -> list[Turn]:
    """Every turn of one conversation, each reply read with the state the earlier ones left."""
    state, turns = State(), []
    for position, scripted in enumerate(conversation["turns"]):
        started, cpu = time.perf_counter(), time.process_time()
        reply = bot.reply(state, scripted["message"])
        elapsed = (time.perf_counter() - started) * 1000
        cpu_used = (time.process_time() - cpu) * 1000
        turns.append(
            Turn(
                conversation["id"], conversation["kind"], position, scripted["expect"],
                _gold(scripted.get("gold")), reply, elapsed, cpu_used,
            )
        )  # fmt: skip
        state = reply.state
    return turns


def _gold(gold: str | dict[str, str] | None) -> tuple[str, str] | None:
    """A gold section as (slug, anchor), from "slug#anchor" (or {"slug", "anchor"})."""
    if gold is None:
        return None
    if isinstance(gold, dict):
        return gold["slug"], gold["anchor"]
    slug, _, anchor = gold.partition("#")
    return slug, anchor


def _share(hits: Iterable[bool]) -> float | None:
    values = list(hits)
    return round(sum(values) / len(values), 3) if values else None


def figures(turns: list[Turn]) -> dict[str, Any]:
    """The figures over these turns (None where no turn counts)."""
    answers = [t for t in turns if t.expect == "answer" and t.kind == "answerable"]
    follow_ups = [t for t in turns if t.expect == "answer" and t.kind == "follow_up" and t.position]
    declines = [t for t in turns if t.kind == "unanswerable" and t.position == 0]
    to_person = [t for t in turns if t.expect == "handover"]
    expected_answer = [t for t in turns if t.expect == "answer"]
    declined = [t.reply.no_good_match and t.reply.offer_handoff for t in declines]
    handed = [t.reply.offer_handoff for t in to_person]
    return {
        "answer accuracy": _share(t.right for t in answers),
        "  right article": _share(t.right_article for t in answers),
        "  gold in the top 3": _share(t.gold_in_top_three for t in answers),
        "follow-up accuracy": _share(t.right for t in follow_ups),
        "  their first turns": _share(
            t.right for t in turns if t.kind == "follow_up" and not t.position
        ),
        "correct hand-over": _share([*declined, *handed]),
        "  unanswerable: no answer, a person": _share(declined),
        "  handover turns: a person offered": _share(handed),
        "wrong hand-over (a person instead of an answer)": _share(
            t.reply.offer_handoff and t.reply.answer is None for t in expected_answer
        ),
        "  a person offered beside an answer": _share(
            t.reply.offer_handoff and t.reply.answer is not None for t in expected_answer
        ),
        "turns": len(turns),
    }


def latency(turns: list[Turn], cpu: bool = False) -> dict[str, float]:
    """Turn latency in milliseconds (p50, p95); with `cpu`, the processor time instead, which a
    busy machine's other work does not inflate."""
    times = sorted(t.cpu_milliseconds if cpu else t.milliseconds for t in turns)
    if not times:
        return {"p50": 0.0, "p95": 0.0}
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"p50": round(statistics.median(times), 1), "p95": round(p95, 1)}
