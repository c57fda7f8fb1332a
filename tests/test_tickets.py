"""Tickets in: validation with line and field, CSV, idempotent storage, and the webhook API."""

from __future__ import annotations

import json
from pathlib import Path

from cli import main
from kb.database import Database
from kb.tickets import TicketStore, read_ticket_file
from tests.conftest import AGENT_KEY, WRITER_KEY, auth

GOOD = {
    "id": "t1",
    "subject": "Refund",
    "brand": "Driftbox",
    "status": "solved",
    "messages": [
        {"author": "customer", "body": "I want my money back"},
        {"author": "agent", "body": "Refunds take 5-10 days."},
    ],
}


def write_lines(path: Path, lines: list) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_every_invalid_record_is_reported_and_valid_ones_kept(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "t.jsonl",
        [
            GOOD,
            "{not json",
            {**GOOD, "id": ""},
            {**GOOD, "id": "t4", "messages": [{"author": "bot", "body": "x"}]},
            {**GOOD, "id": "t5", "status": "archived"},
            {**GOOD, "id": "t6", "tags": "billing"},
            {**GOOD, "id": "t7", "messages": []},
            {**GOOD, "id": "t8"},
        ],
    )
    tickets, problems = read_ticket_file(path)
    assert [t.id for t in tickets] == ["t1", "t8"]
    assert [(p.where, p.field) for p in problems] == [
        ("t.jsonl:2", "(line)"),
        ("t.jsonl:3", "id"),
        ("t.jsonl:4", "messages[0].author"),
        ("t.jsonl:5", "status"),
        ("t.jsonl:6", "tags"),
        ("t.jsonl:7", "messages"),
    ]


def test_csv_with_documented_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "id,subject,description,resolution,brand,tags\n"
        'c1,Sync,"Sync is stuck, help","Rebuild the index",Driftbox,"sync;desktop"\n'
        "c2,Empty,,nothing,Driftbox,\n"
    )
    tickets, problems = read_ticket_file(path)
    assert [t.id for t in tickets] == ["c1"]
    assert tickets[0].tags == ("sync", "desktop")
    assert [m.author for m in tickets[0].messages] == ["customer", "agent"]
    assert [(p.where, p.field) for p in problems] == [("t.csv:3", "description")]


def test_import_is_idempotent_by_id(
    tmp_path: Path, runner, data_dir: Path, database_url: str
) -> None:
    path = write_lines(tmp_path / "t.jsonl", [GOOD, {**GOOD, "id": "t2"}])
    first = runner.invoke(main, ["tickets", "import", str(path)])
    assert first.exit_code == 0 and "2 imported, 0 updated" in first.output
    write_lines(path, [{**GOOD, "subject": "Refund please"}, {**GOOD, "id": "t2"}])
    second = runner.invoke(main, ["tickets", "import", str(path)])
    assert "0 imported, 2 updated" in second.output
    store = TicketStore(Database(database_url or data_dir / "kb.sqlite"))
    assert len(store.all()) == 2 and store.get("t1").subject == "Refund please"


def test_cli_import_reports_bad_records_and_exits_1(tmp_path: Path, runner) -> None:
    path = write_lines(tmp_path / "t.jsonl", [GOOD, {**GOOD, "id": None}])
    result = runner.invoke(main, ["tickets", "import", str(path)])
    assert result.exit_code == 1
    assert "t.jsonl:2: id:" in result.output and "1 imported" in result.output


def test_webhook_accepts_one_a_list_or_a_batch(client) -> None:
    one = client.post("/api/v1/tickets", json=GOOD, headers=auth(AGENT_KEY))
    assert one.status_code == 200 and one.get_json()["inserted"] == 1
    batch = client.post(
        "/api/v1/tickets",
        headers=auth(AGENT_KEY),
        json={"tickets": [GOOD, {**GOOD, "id": "t9", "status": "x"}]},
    )
    body = batch.get_json()
    assert (body["inserted"], body["updated"]) == (0, 1)
    assert body["invalid"] == [
        {
            "index": 1,
            "field": "status",
            "message": "must be one of new, open, pending, solved, closed",
        }
    ]
    listed = client.post("/api/v1/tickets", json=[{**GOOD, "id": "t10"}], headers=auth(AGENT_KEY))
    assert listed.get_json()["inserted"] == 1


def test_webhook_errors(client) -> None:
    assert client.post("/api/v1/tickets", json=GOOD).status_code == 401
    assert client.post("/api/v1/tickets", json=GOOD, headers=auth(WRITER_KEY)).status_code == 403
    bad = client.post("/api/v1/tickets", json={"id": "x"}, headers=auth(AGENT_KEY))
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "messages"
    malformed = client.post(
        "/api/v1/tickets", data="{", content_type="application/json", headers=auth(AGENT_KEY)
    )
    assert malformed.status_code == 400
    empty = client.post("/api/v1/tickets", json={"tickets": []}, headers=auth(AGENT_KEY))
    assert empty.status_code == 400 and empty.get_json()["error"]["field"] == "tickets"
