"""`python -m bench.scale` (issue 18's 100,000-article figures) on a small generated knowledge
base: it builds, a worker in its own process opens the index and searches, and each edit is
found by the worker's search, with chroma embedded and on a `chroma run` server it starts."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import REPO


def run_scale(*options: str) -> str:
    command = [sys.executable, "-m", "bench.scale", "--articles", "40", "--searches", "10",
               "--edits", "2", *options]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("store", ["embedded", "server"])
def test_scale_builds_searches_and_finds_each_edit(store: str) -> None:
    report = run_scale(*(["--server"] if store == "server" else []))
    vectors = re.search(r"([\d,]+) sections, ([\d,]+) vectors", report)
    assert vectors and int(vectors.group(2).replace(",", "")) > 40
    assert re.search(r"\| \*\*full build\*\* \| \*\*[\d.,]+\*\* \|", report)
    memory = re.search(r"resident memory ([\d,]+) MiB before it, ([\d,]+) MiB after", report)
    assert memory and int(memory.group(2).replace(",", "")) > 0
    assert re.search(r"10 queries after a warm-up: p50 [\d.]+ ms, p95 [\d.]+ ms", report)
    edits = re.findall(r"^\| (\d) \| [\d.]+ \| [\d.]+ \((\d+)\) \| [\d.]+ \|$", report, re.M)
    assert [number for number, _ in edits] == ["1", "2"]  # each edit was found by a search
    assert ("chroma server: resident memory" in report) == (store == "server")
    assert ("a chroma server;" in report) == (store == "server")
