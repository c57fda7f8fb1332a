"""The answer bot on the scripted conversations, with the real model on the demo content:
answer and follow-up accuracy, correct and wrong hand-overs per part, and turn latency.

    python -m bench.bot [--conversations tests/data/conversations.jsonl] [--boost 0.1] [--runs 3]
                        [--shipped]  (the model as shipped, not fine-tuned on the content)
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from indexer import BuildOptions, build_index
from kb.bot.answering import FOLLOW_UP_BOOST, AnswerBot
from kb.bot.evaluation import PARTS, figures, latency, load_conversations, play
from kb.index.embeddings import MiniLMEmbedder
from kb.search.engine import open_engine
from kb.settings import Settings

REPO = Path(__file__).resolve().parent.parent


def sweep(engine, conversations: list[dict]) -> None:
    """The tuning part's figures for each follow-up boost."""
    for boost in (0.0, 0.05, 0.1, 0.2, 0.3):
        bot = AnswerBot(engine, follow_up_boost=boost)
        turns = [turn for c in conversations for turn in play(bot, c)]
        shown = figures(turns)
        print(
            f"boost {boost}: answer {shown['answer accuracy']} follow-up "
            f"{shown['follow-up accuracy']} right hand-over {shown['correct hand-over']} "
            f"wrong {shown['wrong hand-over (a person instead of an answer)']}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=REPO / "content")
    parser.add_argument(
        "--conversations", type=Path, default=REPO / "tests" / "data" / "conversations.jsonl"
    )
    parser.add_argument("--boost", type=float, default=FOLLOW_UP_BOOST)
    parser.add_argument("--data", type=Path, help="A folder to keep the built index in (reused).")
    parser.add_argument("--runs", type=int, default=3, help="Plays of the set, for latency.")
    parser.add_argument(
        "--sweep", action="store_true", help="Try follow-up boosts (tuning part only)."
    )
    parser.add_argument("--misses", action="store_true", help="List the tuning part's misses.")
    parser.add_argument(
        "--shipped", action="store_true", help="The model as shipped, not adapted to the content."
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    embedder = MiniLMEmbedder(adapt=not args.shipped)  # as KB_EMBEDDER=minilm builds, or not
    embedder.warm_up()
    conversations = load_conversations(args.conversations)
    with tempfile.TemporaryDirectory() as temporary:
        data = args.data or Path(temporary)
        build_index(BuildOptions(args.content, data), embedder)  # incremental when kept
        engine = open_engine(Settings(content_dir=args.content, data_dir=data), embedder)
        if args.sweep:
            sweep(engine, [c for c in conversations if c["part"] == "tuning"])
            return
        bot = AnswerBot(engine, follow_up_boost=args.boost)
        for conversation in conversations[:3]:
            play(bot, conversation)  # warm up
        turns = {part: [] for part in PARTS}
        for run in range(args.runs):
            for conversation in conversations:
                played = play(bot, conversation)
                if run == 0:
                    turns[conversation["part"]] += played
                else:
                    turns.setdefault("timing", []).extend(played)
    rows = {part: figures(turns[part]) for part in PARTS}
    counts = {part: sum(c["part"] == part for c in conversations) for part in PARTS}
    print(f"conversations: {counts}; follow-up boost {args.boost}")
    print("| figure | tuning | held_out |\n|---|---|---|")
    for name in rows["tuning"]:
        print(f"| {name} | {rows['tuning'][name]} | {rows['held_out'][name]} |")
    timed = [t for part in turns.values() for t in part]
    spread = latency(timed)
    cpu = latency(timed, cpu=True)
    print(f"turn latency over {len(timed)} turns: p50 {spread['p50']} ms, p95 {spread['p95']} ms")
    print(f"processor time per turn (all threads): p50 {cpu['p50']} ms, p95 {cpu['p95']} ms")
    print(f"load average while it ran: {', '.join(f'{n:.1f}' for n in os.getloadavg())}")
    if args.misses:
        for turn in turns["tuning"]:
            wrong = (turn.expect == "answer" and (not turn.right or turn.reply.offer_handoff)) or (
                turn.expect != "answer" and not turn.reply.offer_handoff
            )
            if wrong:
                print(
                    f"{turn.conversation}#{turn.position} {turn.kind}/{turn.expect}: "
                    f"gold {turn.gold} got {turn.answered} handoff={turn.reply.offer_handoff} "
                    f"ngm={turn.reply.no_good_match} searched={turn.reply.searched!r}"
                )


if __name__ == "__main__":
    main()
