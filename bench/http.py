"""Searches over HTTP against gunicorn (--preload, 2 workers) on loopback, and its memory.

    python -m bench.http [--content content] [--seconds 30] [--concurrency 1 4 8]

A bounded load generator: each level runs for --seconds, then stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.__main__ import SHORT_QUERIES, percentile

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process in MiB (PSS splits shared pages, such as the preloaded model)."""
    rss = pss = 0
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    return rss / 1024, pss / 1024


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


SEARCH_API = "/api/v1/search?limit=10&q="


def load(base: str, seconds: float, concurrency: int, path: str = SEARCH_API) -> dict:
    """`concurrency` clients asking `base + path + query` in a loop for `seconds`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        nonlocal errors
        position = number
        while time.monotonic() < deadline:
            # a number makes every query new, so the query-embedding cache never answers
            query = SHORT_QUERIES[position % len(SHORT_QUERIES)] + f" {position}"
            position += concurrency
            url = f"{base}{path}{urllib.parse.quote(query)}"
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                errors += not ok

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    return {
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "errors": errors,
        "requests": len(latencies),
    }


@contextlib.contextmanager
def serve(content: Path, data: str, workers: int, **settings: str) -> Iterator[tuple[str, int]]:
    """Index `content` into `data`, start gunicorn (--preload) on a free loopback port and
    yield (base URL, master pid) once both workers are warm; stop it afterwards."""
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(content),
        "KB_DATA_DIR": data,
        "HF_HUB_OFFLINE": "1",
        # The load comes from one address at 100+ searches/s: a customer would be limited.
        "KB_SEARCH_RATE_LIMIT": "off",
        "KB_AUTOCOMPLETE_RATE_LIMIT": "off",
        **{f"KB_{name.upper()}": value for name, value in settings.items()},
    }
    subprocess.run(
        [sys.executable, "-m", "cli", "index"],
        env=env,
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--preload",
            "--workers",
            str(workers),
            "--config",
            str(REPO / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "web:create_app()",
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        time.sleep(3)  # let both workers finish their warm-up
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=REPO / "content")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as data,
        serve(args.content, data, args.workers) as (
            base,
            master,
        ),
    ):
        print(
            f"\n## HTTP: gunicorn --preload, {args.workers} workers, "
            f"{args.seconds:.0f} s per level\n"
        )
        print("| concurrency | requests/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|")
        for level in args.concurrency:
            r = load(base, args.seconds, level)
            print(
                f"| {level} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                f"{r['p99']:.1f} | {r['errors']} of {r['requests']} |"
            )
        print("\n## Memory (MiB)\n\n| process | RSS | PSS |\n|---|---|---|")
        total = 0.0
        for label, pid in [("master", master)] + [
            (f"worker {n}", p) for n, p in enumerate(children(master), 1)
        ]:
            rss, pss = memory(pid)
            total += pss
            print(f"| {label} | {rss:.0f} | {pss:.0f} |")
        print(f"| total (PSS) | - | {total:.0f} |")


if __name__ == "__main__":
    main()
