"""Schemathesis against the live API: a real gunicorn with the project's config serving the demo
content, checked with every default check over every operation of /api/v1/openapi.json, once
with an agent, a writer and an admin key. Its own CI step (`make test-api-contract`, which sets
KB_TEST_CONTRACT=1): about a minute and a half, so `make test` skips it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.server import KEYS, prepare_site, running_server
from tests.helpers import FIGURES, REPO

pytestmark = [
    pytest.mark.contract,
    pytest.mark.skipif(
        not os.environ.get("KB_TEST_CONTRACT"), reason="run by make test-api-contract"
    ),
]
# The browser suite's server settings (rate limits off: they would answer the fuzzer's thousands
# of requests with 429s), with a fast stand-in model: this checks the API's contract, not ranking.
SERVER = {"KB_EMBEDDER": "hashing"}
EXAMPLES = 100  # per operation and phase
# One worker: schemathesis's workers are threads, and on Python 3.11 two threads parsing source
# at once (Hypothesis describes each filter's lambda with ast.parse) can fail inside CPython with
# "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905), a runtime error
# in the fuzzer that fails the run although every case passed (CI, 2026-12-01).
WORKERS = 1


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("contract")
    site = prepare_site(root, SERVER)
    with running_server(site, root / "server.log", SERVER) as live:
        yield live


@pytest.mark.parametrize("role", ["agent", "writer", "admin"])
def test_schemathesis_finds_nothing(server, role: str, tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", "schemathesis.toml"),
        *("run", f"{server.url}/api/v1/openapi.json"),
        *("--header", f"Authorization: Bearer {KEYS[role]}"),
        *("--max-examples", str(EXAMPLES), "--workers", str(WORKERS), "--seed", "20261201"),
        "--no-color",
    ]
    done = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=900, check=False
    )
    report = done.stdout + done.stderr
    operations = re.search(r"Tested: (\d+)", report)
    cases = re.search(r"(\d+) generated", report)
    FIGURES[f"schemathesis, {role} key"] = {
        "operations": int(operations.group(1)) if operations else None,
        "cases": int(cases.group(1)) if cases else None,
        "exit": done.returncode,
    }
    assert done.returncode == 0, report[-6000:]
    assert operations and int(operations.group(1)) >= 13
