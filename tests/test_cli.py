"""The command line's own commands: `kb serve`, and resolved tickets to published articles with
`kb tickets gaps` and `kb drafts generate / list / show / publish / reject`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from cli import main
from tests.helpers import CHROMA_URL, REPO, free_port, stop_server


def test_serve_runs_the_development_server_on_the_port_asked(
    built, content_dir: Path, data_dir: Path, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "KB_CONTENT_DIR": str(content_dir),
        "KB_DATA_DIR": str(data_dir),
        "KB_DATABASE_URL": database_url,
        "KB_CHROMA_URL": CHROMA_URL,
        "KB_EMBEDDER": "hashing",
        "KB_MIN_CONFIDENCE": "0",  # the floor was fitted on the real model's scores
    }
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=output, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as ok:
                    assert json.load(ok)["status"] == "ok"
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/api/v1/search?q=refund+jane.doe%40example.com"
        with urllib.request.urlopen(url, timeout=20) as answer:
            assert json.load(answer)["results"][0]["slug"] == "request-a-refund"
    finally:
        stop_server(server)
    logged = log.read_text()
    assert '"GET /api/v1/search" 200' in logged  # with the server's private request log
    assert "jane" not in logged and "127.0.0.1 -" not in logged


def ticket(ticket_id: str, question: str, answer: str, **fields) -> dict:
    return {
        "id": ticket_id,
        "status": "solved",
        "brand": "Driftbox",
        "messages": [
            {"author": "customer", "body": question},
            {"author": "agent", "body": answer},
        ],
        **fields,
    }


VAULT_PIN = "Open Settings, choose Vault, tap Reset PIN and confirm with the code we e-mail you."
TICKETS = [
    ticket("v1", "The photo vault on my iPhone asks for a PIN I never set.", VAULT_PIN),
    ticket("v2", "Photo vault wants a PIN on my iPhone, I never made one!", VAULT_PIN),
    ticket("v3", "My photo vault on the iPhone asks for a PIN I never set up.", VAULT_PIN),
    ticket(
        "p1",
        "Printing a shared document from the web app gives a blank page",
        "Download the file and print it from the desktop app; the web printer is being fixed.",
    ),
    ticket(
        "p2",
        "Blank page when I print a shared document from the web app",
        "Print it from the desktop app after downloading: web printing has a known issue.",
    ),
    ticket(
        "l1", "How do I stop paying?", "See the article.", linked_articles=["cancel-subscription"]
    ),
]


def invoke(runner: CliRunner, *args: str):
    result = runner.invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_tickets_become_drafts_that_are_published_or_rejected(
    built, runner: CliRunner, content_dir: Path, tmp_path: Path
) -> None:
    tickets = tmp_path / "tickets.jsonl"
    tickets.write_text("".join(json.dumps(t) + "\n" for t in TICKETS))
    invoke(runner, "tickets", "import", str(tickets))
    gaps = json.loads(invoke(runner, "tickets", "gaps", "--json").stdout)
    assert gaps == {
        "gaps": ["p1", "p2", "v1", "v2", "v3"],
        "covered": {"l1": "cancel-subscription"},
    }
    listed = invoke(runner, "tickets", "gaps")
    assert "v1  Driftbox  The photo vault on my iPhone" in listed.stdout
    assert "5 gaps, 1 covered" in listed.stderr

    report = json.loads(invoke(runner, "drafts", "generate", "--json").stdout)
    assert report["covered"] == ["l1"] and report["singletons"] == []
    drafts = {tuple(d["ticket_ids"]): d for d in report["drafts"]}
    assert set(drafts) == {("v1", "v2", "v3"), ("p1", "p2")}
    vault, printer = (Path(drafts[ids]["path"]).stem for ids in (("v1", "v2", "v3"), ("p1", "p2")))
    assert all(d["kind"] == "new" and d["action"] == "created" for d in drafts.values())

    lines = invoke(runner, "drafts", "list").stdout.splitlines()
    assert sorted(line.split("  ")[:2] for line in lines) == sorted(
        [[vault, "3 tickets"], [printer, "2 tickets"], ["unreleased-feature", "0 tickets (edited)"]]
    )
    shown = invoke(runner, "drafts", "show", vault).stdout
    assert shown == (content_dir / "drafts" / f"{vault}.md").read_text() + "\n"
    assert "Reset PIN" in shown and "## Resolution" in shown

    published = invoke(runner, "drafts", "publish", vault).stdout
    path = Path(published.removeprefix("published ").split(";")[0])
    assert path.parent.parent == content_dir and path.name == f"{vault}.md"
    assert "status: published" in path.read_text()
    found = json.loads(invoke(runner, "search", "photo vault PIN", "--json").stdout)
    assert found["results"][0]["slug"] == vault

    rejected = invoke(runner, "drafts", "reject", printer, "--reason", "known issue, fixed")
    archived = Path(rejected.stdout.removeprefix("archived at ").strip())
    assert archived.parent == content_dir / ".archive" / "drafts"
    assert "rejected_reason: known issue, fixed" in archived.read_text()
    remaining = invoke(runner, "drafts", "list").stdout
    assert vault not in remaining and printer not in remaining

    missing = runner.invoke(main, ["drafts", "show", "no-such-draft"])
    assert missing.exit_code == 2 and missing.stderr.startswith("error: ")
    no_reason = runner.invoke(main, ["drafts", "reject", "unreleased-feature"])
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
