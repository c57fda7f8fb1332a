"""A knowledge base at scale, run as a deployment runs it: the full build, a web worker's memory,
search p50/p95 and edit → searchable, with chroma embedded or on a chroma server.

    python -m bench.scale [--articles 100000] [--embedder hashing] [--server] [--searches 300]
                          [--edits 3] [--folder DIR]

Generates the knowledge base (bench/corpus.py, seeded) and builds it once, timed by step as
bench.profile does, with the building process's peak memory. A web worker then runs in a process
of its own, as one of gunicorn's would: it opens the search engine on the data folder
(`open_engine`), asks every query once to warm up, then times each in hybrid mode; its resident
memory is read before the index is opened, after, and at its peak. Last, edits as `kb watch`
makes them: an article changed, the layered build (with the watcher's warm cache), and the time
until the worker's next search finds the new words.

`--server` starts `chroma run` on loopback and keeps the vectors there (KB_CHROMA_URL): the build
uploads them and the worker holds none of them; the server's own memory is printed too.

`--embedder hashing` (the default) leaves the model out: 100,000 articles take the model about
three hours on 2 cores (ten times bench.profile's model time at 10,000), while the stores, the
searches and the edits do not depend on which vectors they hold (HNSW builds a little differently
on them). A search with the model adds its query embedding (about 6.5 ms, `python -m bench`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.__main__ import percentile
from bench.corpus import generate_corpus
from bench.peers import make_queries
from bench.profile import STEPS, load_average, profile_build
from indexer.build import BuildOptions, build_index
from indexer.cache import BuildCache
from kb.content.loading import load_content
from kb.index.embeddings import make_embedder

REPO = Path(__file__).resolve().parent.parent


def memory_mib(pid: int | str = "self") -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return {"now": fields["VmRSS"], "peak": fields["VmHWM"]}


def worker(data: Path, embedder_name: str, chroma_url: str) -> None:
    """A web worker on stdin/stdout, one JSON line each way: {"queries": [...]} answers the
    searches' p50/p95 in ms; {"find": word} the seconds until a search finds the word."""
    from kb.search.engine import open_engine  # noqa: PLC0415 - after the baseline memory
    from kb.settings import Settings  # noqa: PLC0415

    embedder = make_embedder(embedder_name)
    embedder.warm_up()
    before = memory_mib()
    settings = Settings.from_env(
        {"KB_DATA_DIR": str(data), "KB_EMBEDDER": embedder_name, "KB_CHROMA_URL": chroma_url}
    )
    started = time.perf_counter()
    engine = open_engine(settings, embedder)
    engine.search("open the index")
    opened = {"seconds": time.perf_counter() - started, "before": before, "after": memory_mib()}
    print(json.dumps(opened), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if "queries" in command:
            for query in command["queries"]:
                engine.search(query)  # warm: the figures are a running worker's
            samples = []
            for query in command["queries"]:
                started = time.perf_counter()
                engine.search(query)
                samples.append((time.perf_counter() - started) * 1000)
            answer: dict[str, Any] = {
                "p50": percentile(samples, 0.5), "p95": percentile(samples, 0.95),
                "memory": memory_mib(),
            }  # fmt: skip
        else:
            started, tries = time.perf_counter(), 1
            while not any(
                r.section.title.lower() == command["find"]
                for r in engine.search(command["find"]).results
            ):
                time.sleep(0.01)
                tries += 1
            answer = {"seconds": time.perf_counter() - started, "tries": tries}
        print(json.dumps(answer), flush=True)


class Worker:
    """`worker` in a process of its own."""

    def __init__(self, data: Path, embedder_name: str, chroma_url: str) -> None:
        command = [sys.executable, "-m", "bench.scale", "--worker", str(data),
                   "--embedder", embedder_name, "--chroma-url", chroma_url]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.opened = self._answer()

    def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker ended (exit {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


@contextmanager
def chroma_server(folder: Path) -> Iterator[tuple[str, int]]:
    """`chroma run` on a free loopback port, storing in `folder`: its URL and process id."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    command = [str(chroma), "run", "--path", str(folder), "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    with open(folder.parent / "chroma.log", "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise RuntimeError(f"chroma run did not start: see {folder.parent / 'chroma.log'}")
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=60)


def edits(content: Path, options: BuildOptions, embedder, cache: BuildCache, worker: Worker,
          count: int) -> list[tuple[float, float, int]]:  # fmt: skip
    """Each edit's layered build and the time until the worker's search finds it, in s, and
    the searches it took (the first sees the new generation unless CURRENT is read late)."""
    paths = sorted(content.rglob("*.md"))
    public = (path for path in paths if "audience: public" in path.read_text())
    timed = []
    for number, article in zip(range(1, count + 1), public, strict=False):
        word = f"quokkaedit{number}"
        article.write_text(article.read_text() + f"\n## {word.title()}\nThe {word} steps.\n")
        started = time.perf_counter()
        report = build_index(options, embedder, cache=cache)
        built = time.perf_counter() - started
        assert len(report.updated) == 1, report.summary()
        found = worker.ask({"find": word})
        timed.append((built, found["seconds"], found["tries"]))
    return timed


def run(args: argparse.Namespace, folder: Path, chroma_url: str) -> None:
    content, data = folder / "content", folder / "data"
    embedder = make_embedder(args.embedder)
    embedder.warm_up()
    options = BuildOptions(content, data, chroma_url=chroma_url)
    cache = BuildCache()
    if args.reuse:
        rebuilt(options, embedder, cache, folder, chroma_url)
    else:
        built(args, options, embedder, cache, chroma_url)
    searches_and_edits(args, options, embedder, cache, chroma_url)


def rebuilt(options: BuildOptions, embedder, cache: BuildCache, folder: Path,
            chroma_url: str) -> None:  # fmt: skip
    """--reuse: the watcher's first build on the folder as an earlier run left it (nothing
    changed: every file read and parsed, nothing embedded), then its cache warmed."""
    before = load_average()
    started = time.perf_counter()
    report = build_index(options, embedder, cache=cache)
    cache.warm()  # as `kb watch` does after its first build
    store = "a chroma server" if chroma_url else "chroma embedded"
    print(f"\n## {folder}, reused, {store}; embedder {embedder.name}\n")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"the watcher's first build, nothing changed, and its cache warmed: "
          f"{time.perf_counter() - started:,.1f} s ({report.summary()}); peak memory "
          f"{peak:,.0f} MiB; {before}")  # fmt: skip


def built(args: argparse.Namespace, options: BuildOptions, embedder, cache: BuildCache,
          chroma_url: str) -> None:  # fmt: skip
    """The knowledge base generated and built in full, timed by step."""
    started = time.perf_counter()
    generate_corpus(options.content_dir, args.articles, args.content)
    generated = time.perf_counter() - started
    before = load_average()
    seconds, report = profile_build(options, embedder, cache)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cache.warm()  # as `kb watch` does after its first build
    store = "a chroma server" if chroma_url else "chroma embedded"
    print(f"\n## {args.articles:,} articles at scale, {store}; embedder {embedder.name}\n")
    print(f"{report.sections:,} sections, {report.embedded:,} vectors; content generated in "
          f"{generated:.0f} s; {before}\n")  # fmt: skip
    print("| build step | seconds |\n|---|---|")
    for label, key in (*STEPS, ("the rest (articles, vocabulary, manifest)", "rest")):
        print(f"| {label} | {seconds.get(key, 0.0):,.1f} |")
    print(f"| **full build** | **{seconds['total']:,.1f}** |")
    print(f"\nbuilding process: peak memory {peak:,.0f} MiB")


def searches_and_edits(args: argparse.Namespace, options: BuildOptions, embedder,
                       cache: BuildCache, chroma_url: str) -> None:  # fmt: skip
    """A web worker's memory and searches, then edits as `kb watch` makes them."""
    content, data = options.content_dir, options.data_dir
    articles = [a for a in load_content(content).articles if a.is_searchable]
    queries = make_queries(articles, args.searches)
    worker = Worker(data, args.embedder, chroma_url)
    try:
        opened = worker.opened
        searched = worker.ask({"queries": queries})
        print(f"\nweb worker: opened the index in {opened['seconds']:.1f} s; resident memory "
              f"{opened['before']['now']:,.0f} MiB before it, {opened['after']['now']:,.0f} MiB "
              f"after, {searched['memory']['now']:,.0f} MiB after {len(queries)} searches "
              f"(peak {searched['memory']['peak']:,.0f} MiB)")  # fmt: skip
        print(f"hybrid search in the worker, {len(queries)} queries after a warm-up: "
              f"p50 {searched['p50']:.1f} ms, p95 {searched['p95']:.1f} ms")  # fmt: skip
        timed = edits(content, options, embedder, cache, worker, args.edits)
    finally:
        worker.close()
    print("\n| edit | layered build s | until the worker finds it s (searches) | total s |")
    print("|---|---|---|---|")
    for number, (built, found, tries) in enumerate(timed, 1):
        print(f"| {number} | {built:.2f} | {found:.2f} ({tries}) | {built + found:.2f} |")
    print(f"\nafter: {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--embedder", default="hashing", help="hashing (default) or minilm")
    parser.add_argument("--server", action="store_true", help="vectors on a `chroma run` server")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--content", type=Path, default=REPO / "content")
    parser.add_argument("--folder", type=Path, help="work here (default: a temporary folder)")
    parser.add_argument(
        "--reuse", type=Path, help="a folder an earlier run left (content/, data/, chroma/)"
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chroma-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.worker:
        worker(args.worker, args.embedder, args.chroma_url)
        return
    if args.folder:
        args.folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        folder = args.reuse or Path(
            stack.enter_context(tempfile.TemporaryDirectory(dir=args.folder))
        )
        if not args.server:
            run(args, folder, "")
            return
        (folder / "chroma").mkdir(exist_ok=True)
        with chroma_server(folder / "chroma") as (url, pid):
            run(args, folder, url)
            server = memory_mib(pid)
            print(f"chroma server: resident memory {server['now']:,.0f} MiB "
                  f"(peak {server['peak']:,.0f} MiB)")  # fmt: skip


if __name__ == "__main__":
    main()
