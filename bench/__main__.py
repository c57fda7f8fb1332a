"""Index the demo content with the real model and time indexing, search and suggestions.

    python -m bench [--content content | --articles N | --reuse DIR] [--runs 200]
                    [--keyword-engine tantivy]

Prints tables and writes them to bench/RESULTS.md with the machine, date and command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from indexer import BuildOptions, build_index
from kb.assist.suggestions import AgentAssist
from kb.content.loading import load_content
from kb.index.embeddings import MiniLMEmbedder
from kb.search.engine import open_engine
from kb.search.modes import MODE_NAMES
from kb.settings import KEYWORD_ENGINES, Settings

SHORT_QUERIES = [
    "cancel subscription",
    "sync stuck",
    "refund",
    "DBX-301",
    "share a folder",
    "reset password",
    "slow upload",
    "invoice",
    "two step verification",
    "proxy settings",
]
NOISE = [
    "Hi there,",
    "Thanks in advance!",
    "Best regards,",
    "Sent from my iPhone",
    "2026-11-02 10:22:01 INFO sync engine heartbeat ok",
    "I have tried everything I could think of.",
    "This is really frustrating because I need these files for work tomorrow.",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def row(label: str, figures: dict[str, float]) -> str:
    return f"| {label} | {figures['p50']:.1f} | {figures['p95']:.1f} | {figures['p99']:.1f} |"


def timings(function, inputs: list, runs: int) -> dict[str, float]:
    for item in inputs[:3]:
        function(item)  # warm up
    samples = []
    for number in range(runs):
        item = inputs[number % len(inputs)]
        started = time.perf_counter()
        function(item)
        samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "p99": percentile(samples, 0.99),
    }


def make_ticket(rng: random.Random, sentences: list[str], words: int) -> dict:
    parts: list[str] = [rng.choice(NOISE[:1])]
    while sum(len(p.split()) for p in parts) < words:
        parts.append(rng.choice(sentences) if rng.random() < 0.7 else rng.choice(NOISE))
    text = " ".join(" ".join(parts).split()[:words])
    return {"subject": " ".join(rng.choice(sentences).split()[:8]), "body": text}


def paragraphs(text: str, words: int) -> str:
    said = text.split()
    return "\n\n".join(" ".join(said[n : n + words]) for n in range(0, len(said), words))


def edit_to_search(content: Path, embedder, built: Path, keyword_engine: str) -> float:
    """Seconds from saving an edited article to a search that finds the edit, with `kb watch`."""
    import shutil  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from indexer.watch import watch_content  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as temporary:
        folder, data = Path(temporary) / "content", Path(temporary) / "data"
        shutil.copytree(content, folder)
        shutil.copytree(built, data)  # with its embedding cache: nothing is embedded again
        ready, stop = threading.Event(), threading.Event()
        thread = threading.Thread(
            target=watch_content,
            args=(BuildOptions(folder, data, keyword_engine=keyword_engine), embedder),
            kwargs={"on_ready": ready.set, "stop": stop},
            daemon=True,
        )
        thread.start()
        ready.wait()
        engine = open_engine(Settings(data_dir=data), embedder)
        engine.search("quokka")  # a running server has the index open
        article = sorted(folder.rglob("*.md"))[0]
        started = time.perf_counter()
        article.write_text(article.read_text() + "\n## Quokka mode\nQuokka test paragraph.\n")
        while not any(r.section.anchor == "quokka-mode" for r in engine.search("quokka").results):
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        stop.set()
        thread.join(timeout=10)
        return elapsed


def report_build(options: BuildOptions, embedder, say) -> None:
    """A full build and an unchanged re-run, timed, as table rows."""
    report = build_index(options, embedder, full=True)
    loaded = load_content(options.content_dir).articles
    say(
        f"## Index: {options.content_dir} ({len(loaded)} articles, {report.sections} sections; "
        f"keyword engine {options.keyword_engine})\n"
    )
    words = sum(len(s.text.split()) for a in loaded if a.is_searchable for s in a.sections)
    say(f"{words:,} words in sections ({words / max(1, report.sections):.0f} per section)\n")
    say("| step | seconds | sections/s | words/s |\n|---|---|---|---|")
    say(
        f"| full build (embeds every section) | {report.seconds:.2f} | "
        f"{report.sections / report.seconds:.0f} | {words / report.seconds:,.0f} |"
    )
    again = build_index(options, embedder)
    say(f"| unchanged re-run | {again.seconds:.2f} | - | - |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=Path("content"))
    parser.add_argument(
        "--articles",
        type=int,
        default=0,
        help="Generate a knowledge base of this many articles instead (seeded).",
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        help="Search the content/ and data/ that `python -m bench.profile --keep DIR` kept, "
        "instead of building (no build or edit figures).",
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keyword-engine", choices=KEYWORD_ENGINES, default="tantivy")
    parser.add_argument("--results", type=Path, default=Path(__file__).parent / "RESULTS.md")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    embedder = MiniLMEmbedder()
    embedder.warm_up()
    with tempfile.TemporaryDirectory() as temporary:
        data = Path(temporary) / "data"
        if args.reuse:
            args.content, data = args.reuse / "content", args.reuse / "data"
        elif args.articles:
            from bench.corpus import generate_corpus  # noqa: PLC0415

            generated = Path(temporary) / "content"
            generate_corpus(generated, args.articles, args.content)
            args.content = generated
        engine_name = args.keyword_engine
        options = BuildOptions(args.content, data, keyword_engine=engine_name)
        if args.reuse:
            say(f"## Index kept in {args.reuse} (keyword engine {engine_name})\n")
        else:
            report_build(options, embedder, say)

        settings = Settings(content_dir=args.content, data_dir=data)
        engine = open_engine(settings, embedder)
        index = engine.current_index()
        sentences = [
            s.text for a in index.articles.values() for s in a.sections if len(s.text) > 40
        ]
        rng = random.Random(7)

        if not args.reuse:
            latency = edit_to_search(args.content, embedder, data, engine_name)
            say(f"| one-article edit → searchable under `kb watch` | {latency:.2f} | - | - |")

        say("\n## Search, in process (ms)\n")
        say("| mode | p50 | p95 | p99 |\n|---|---|---|---|")
        embedder._cache = type(embedder._cache)(size=0)  # time the model on every query
        embed = timings(lambda q: embedder.embed_query(q), SHORT_QUERIES, args.runs)
        say(row("query embedding alone", embed))
        for mode in MODE_NAMES:
            figures = timings(lambda q, m=mode: engine.search(q, mode=m), SHORT_QUERIES, args.runs)
            say(row(mode, figures))

        say("\n## Suggestions for a ticket, in process (ms)\n")
        say("| ticket | p50 | p95 | p99 |\n|---|---|---|---|")
        assist = AgentAssist(engine, None)
        from kb.assist.ticket_text import Ticket  # noqa: PLC0415

        for words in (50, 2000):
            tickets = [Ticket(**make_ticket(rng, sentences, words)) for _ in range(20)]
            figures = timings(lambda t: assist.suggest(t), tickets, max(20, args.runs // 4))
            say(row(f"{words} words", figures))
        # The same 2,000 words in paragraphs of 60: every paragraph reads as a request, so the
        # ticket is searched as a whole and as its first three requests (kb.assist.requests).
        split = [Ticket(t.subject, paragraphs(t.body, 60)) for t in tickets]
        figures = timings(lambda t: assist.suggest(t), split, max(20, args.runs // 4))
        say(row("2000 words in paragraphs (3 requests)", figures))

    header = [
        "# Benchmark results",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"- command: `{' '.join([Path(sys.executable).name, '-m', 'bench', *sys.argv[1:]])}`",
        "- model: all-MiniLM-L6-v2 on the CPU; query embeddings uncached while timing",
        "",
    ]
    args.results.write_text("\n".join(header + lines) + "\n")
    print(f"\nwritten to {args.results}")


if __name__ == "__main__":
    main()
