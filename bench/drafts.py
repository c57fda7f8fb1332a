"""Drafts from labelled tickets, measured: grouping and what a writer would not keep.

    python -m bench.drafts [../shared/eval/tickets-twitter-dev] [--out DIR] [--show N]

Indexes the demo content with the real model, generates drafts from the folder's tickets.jsonl
into a copy of it, and prints the pairwise precision, recall and F1 of the groups against
labels.tsv (used only to measure), the drafts, the groups that need an answer, and how many
drafts have each problem of kb/evaluation/drafts.py (all should be 0). `--out` keeps the
drafts; `--show N` prints the N largest in full.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from indexer import BuildOptions, build_index
from kb.assist.suggestions import AgentAssist
from kb.evaluation.drafts import measure_drafts
from kb.index.embeddings import MiniLMEmbedder
from kb.search.engine import open_engine
from kb.settings import Settings
from kb.tickets.drafts import generate_drafts
from kb.tickets.grouping import pairwise_scores
from kb.tickets.sources import read_ticket_file

DEV_TICKETS = Path("../shared/eval/tickets-twitter-dev")  # beside the repository


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=DEV_TICKETS)
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument("--out", type=Path, help="keep the drafts in this folder")
    parser.add_argument("--data", type=Path, help="index here (its embeddings are kept)")
    parser.add_argument("--show", type=int, default=0, help="print the N largest drafts")
    args = parser.parse_args()
    embedder = MiniLMEmbedder()
    with tempfile.TemporaryDirectory() as temporary:
        content, data = Path(temporary) / "content", args.data or Path(temporary) / "data"
        shutil.copytree(args.content, content)
        build_index(BuildOptions(content, data), embedder)
        engine = open_engine(Settings(content_dir=content, data_dir=data), embedder)
        tickets, problems = read_ticket_file(args.folder / "tickets.jsonl")
        assert not problems, problems[:3]
        report = generate_drafts(tickets, AgentAssist(engine, None), content)
        labels = dict(
            line.split("\t")
            for line in (args.folder / "labels.tsv").read_text().splitlines()[1:]
            if line
        )
        unanswered = [group.ticket_ids for group in report.unanswered]
        groups = [d.ticket_ids for d in report.drafts] + unanswered
        groups += [[t] for t in report.singletons + report.covered]
        scores = pairwise_scores(groups, labels)
        paths = [d.path for d in report.drafts]
        counts, which = measure_drafts(paths, tickets, embedder.embed)
        print(f"\n## Drafts from {args.folder.name}: {len(tickets)} tickets\n")
        print("| figure | value |\n|---|---|")
        for name in ("precision", "recall", "f1"):
            print(f"| pairwise {name} | {scores[name]:.3f} |")
        print(f"| drafts | {len(report.drafts)} |")
        print(f"| groups that need an answer | {len(report.unanswered)} |")
        print(f"| tickets covered by an article | {len(report.covered)} |")
        print(f"| tickets alone (candidates) | {len(report.singletons)} |")
        for problem, count in counts.items():
            print(f"| drafts with: {problem.replace('_', ' ')} | {count} |")
        for problem, names in which.items():
            if names:
                print(f"\n{problem}: {', '.join(names[:12])}")
        largest = sorted(report.drafts, key=lambda d: -len(d.ticket_ids))[: args.show]
        for draft in largest:
            print(f"\n### {draft.path.name} ({len(draft.ticket_ids)} tickets)\n")
            print(draft.path.read_text(encoding="utf-8"))
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            for path in paths:
                shutil.copyfile(path, args.out / path.name)


if __name__ == "__main__":
    main()
