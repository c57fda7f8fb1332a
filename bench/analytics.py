"""Does recording searches slow searching down, and does it lose events? Over HTTP on loopback.

    python -m bench.analytics [--seconds 20] [--concurrency 4] [--rounds 2]

Serves the demo content with gunicorn (--preload, 2 workers) with analytics off, then on, in
alternating rounds, loading the help center's search page (which records every search) from a
bounded pool of clients; then counts the recorded searches against the requests answered.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.http import REPO, load, serve

SEARCH_PAGE = "/search?q="


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=REPO / "content")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(
        f"\n## Search logging over HTTP: /search page, {args.concurrency} clients, "
        f"{args.seconds:.0f} s per run, off and on alternating\n"
    )
    print("| analytics | requests/s | p50 ms | p95 ms | errors | searches recorded |")
    print("|---|---|---|---|---|---|")
    totals: dict[str, list[dict]] = {"off": [], "on": []}
    for _ in range(args.rounds):
        for switch in ("off", "on"):
            with tempfile.TemporaryDirectory() as data:
                with serve(args.content, data, 2, analytics=switch) as (base, _):
                    result = load(base, args.seconds, args.concurrency, SEARCH_PAGE)
                time.sleep(1)  # the workers flush their queues as they exit
                database = Path(data) / "kb.sqlite"
                with sqlite3.connect(database) as connection:
                    recorded = connection.execute("SELECT COUNT(*) FROM search_log").fetchone()[0]
            answered = result["requests"] - result["errors"]
            totals[switch].append(result)
            print(
                f"| {switch} | {result['rps']:.0f} | {result['p50']:.1f} | {result['p95']:.1f} |"
                f" {result['errors']} | {recorded} of {answered} |"
            )
    rps = {k: sum(r["rps"] for r in v) / len(v) for k, v in totals.items()}
    p50 = {k: sum(r["p50"] for r in v) / len(v) for k, v in totals.items()}
    print(
        f"\nwith logging: {100 * (rps['off'] - rps['on']) / rps['off']:+.1f} % fewer requests/s, "
        f"median latency {100 * (p50['on'] - p50['off']) / p50['off']:+.1f} %"
    )


if __name__ == "__main__":
    main()
