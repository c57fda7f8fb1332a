"""Tickets in: validation with line and field, CSV, idempotent storage, and the webhook API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main
from kb.state.database import Database
from kb.tickets.sources import SOURCES, read_ticket_file
from kb.tickets.store import TicketStore
from tests.helpers import AGENT_KEY, WRITER_KEY, auth

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


def test_webhook_accepts_one_a_list_or_a_batch(client, app) -> None:
    one = client.post("/api/v1/tickets", json=GOOD, headers=auth(AGENT_KEY))
    assert one.status_code == 200 and one.get_json() == {"inserted": 1, "updated": 0}
    batch = client.post(
        "/api/v1/tickets",
        headers=auth(AGENT_KEY),
        json={"tickets": [GOOD, {**GOOD, "id": 9, "subject": "numbered"}]},
    )
    assert batch.get_json() == {"inserted": 1, "updated": 1}
    listed = client.post("/api/v1/tickets", json=[{**GOOD, "id": "t10"}], headers=auth(AGENT_KEY))
    assert listed.get_json()["inserted"] == 1
    store = TicketStore(app.extensions["kb"].database)
    assert store.get("9").subject == "numbered"  # a number is taken as its digits


def test_a_batch_with_an_invalid_ticket_is_refused_whole(client, app) -> None:
    refused = client.post(
        "/api/v1/tickets",
        headers=auth(AGENT_KEY),
        json={"tickets": [{**GOOD, "id": "t8"}, {**GOOD, "id": "t9", "status": "x"}]},
    )
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["field"] == "tickets[1].status"
    assert "must be one of new, open, pending, solved or closed" in error["message"]
    store = TicketStore(app.extensions["kb"].database)
    assert store.get("t8") is None and store.get("t9") is None  # nothing stored
    listed = client.post("/api/v1/tickets", json=[GOOD, {"id": "x"}], headers=auth(AGENT_KEY))
    assert listed.get_json()["error"]["field"] == "[1].messages"


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


def stored_ids(data_dir: Path, database_url: str) -> set[str]:
    store = TicketStore(Database(database_url or data_dir / "kb.sqlite"))
    return {t.id for t in store.all(("new", "open", "pending", "solved", "closed"))}


def import_with_problems(runner, path: Path) -> str:
    """Run `kb tickets import`, which must report bad records and exit 1, never crash."""
    result = runner.invoke(main, ["tickets", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # a crash would be caught here too
    assert "Traceback" not in result.output
    return result.stderr


LINE_2_GOES_WRONG = {
    "a lone surrogate": ('{"id": "t2", "subject": "\\ud800 ok", ', "subject"),
    "a NUL character": ('{"id": "t2", "subject": "a\\u0000b", ', "subject"),
    "a surrogate in a body": (
        '{"id": "t2", "messages": [{"author": "agent", "body": "\\udfff"}], ',
        "messages[0].body",
    ),
    "a NUL in a tag": ('{"id": "t2", "tags": ["ok", "\\u0000"], ', "tags[1]"),
    "a NUL in the brand": ('{"id": "t2", "brand": "\\u0000", ', "brand"),
    "a space in the id": ('{"id": "t 2", ', "id"),
    "a control character in the id": ('{"id": "t2\\u0007", ', "id"),
    "an id of 201 characters": ('{"id": "' + "t" * 201 + '", ', "id"),
}


@pytest.mark.parametrize("case", LINE_2_GOES_WRONG)
def test_text_a_database_would_refuse_is_reported_by_field(
    tmp_path: Path, runner, data_dir: Path, database_url: str, case: str
) -> None:
    start, field = LINE_2_GOES_WRONG[case]
    messages = '"messages": [{"author": "customer", "body": "help"}]'
    bad = start + messages + "}" if "messages" not in start else start + '"status": "solved"}'
    path = tmp_path / "t.jsonl"
    path.write_text(
        json.dumps(GOOD) + "\n" + bad + "\n" + json.dumps({**GOOD, "id": "t3"}) + "\n",
        encoding="utf-8",
    )
    errors = import_with_problems(runner, path)
    assert f"t.jsonl:2: {field}:" in errors and "1 invalid" in errors
    assert stored_ids(data_dir, database_url) == {"t1", "t3"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"id": "t2", "subject": "caf\xe9"}', "not UTF-8 text"),
        (b"[" * 100_000, "not JSON: nested too deeply"),
        (
            b'{"id": "t2", "a": ' + b'{"a": ' * 100_000 + b"}" * 100_001,
            "not JSON: nested too deeply",
        ),
    ],
)
def test_a_line_that_is_not_json_text_is_reported_and_the_rest_kept(
    tmp_path: Path, runner, data_dir: Path, database_url: str, line: bytes, message: str
) -> None:
    path = tmp_path / "t.jsonl"
    good = [json.dumps(ticket).encode() for ticket in (GOOD, {**GOOD, "id": "t3"})]
    path.write_bytes(good[0] + b"\n" + line + b"\n" + good[1] + b"\n")
    errors = import_with_problems(runner, path)
    assert f"t.jsonl:2: (line): {message}" in errors
    assert stored_ids(data_dir, database_url) == {"t1", "t3"}


def test_ids_from_help_desks_are_valid(tmp_path: Path) -> None:
    ids = ["web-1a2b3c", "12345", 12345, "twitter-987:1", "SUP-42", "a.b_c@desk/7"]
    path = write_lines(tmp_path / "t.jsonl", [{**GOOD, "id": i} for i in ids])
    tickets, problems = read_ticket_file(path)
    assert problems == [] and [t.id for t in tickets] == [str(i) for i in ids]


BAD_CSV_RECORDS = {
    "an unterminated quote": b'c2,Refund,"never closed',
    "garbage after a closing quote": b'c2,"Refund"now,I want my money back',
    "too many fields": b"c2,Refund,I want my money back,and more",
    "invalid UTF-8": b"c2,Refund,caf\xe9",
    "a bare carriage return": b"c2,Refund,one\rtwo",
}


@pytest.mark.parametrize("case", BAD_CSV_RECORDS)
def test_a_csv_record_that_cannot_be_parsed_is_reported_where_it_starts(
    tmp_path: Path, runner, data_dir: Path, database_url: str, case: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(
        b"id,subject,description\n"
        b'c1,Sync,"Sync is stuck\nsince Monday"\n'
        + BAD_CSV_RECORDS[case]
        + b"\nc3,Refund,I want my money back\n"
        b'c4,Cancel,"Stop my ""yearly"" plan"\n'
    )
    errors = import_with_problems(runner, path)
    assert "t.csv:4: (line):" in errors and "1 invalid" in errors
    assert stored_ids(data_dir, database_url) == {"c1", "c3", "c4"}


def test_csv_records_after_several_bad_ones_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "\ufeffid,subject,description\n"  # the byte order mark spreadsheets write
        'c1,Sync,"open\n'
        'c2,"Refund"x,text\n'
        'c3,Cancel,"two\nlines"\n'
        "c4,Login,a\x00b\n"
        'c5,Login,"one ""quoted"" word"\n',
        encoding="utf-8",
    )
    tickets, problems = read_ticket_file(path)
    assert [(p.where, p.field) for p in problems] == [
        ("t.csv:2", "(line)"),
        ("t.csv:3", "(line)"),
        ("t.csv:6", "description"),
    ]
    assert [(t.id, t.customer_text()) for t in tickets] == [
        ("c3", "two\nlines"),
        ("c5", 'one "quoted" word'),
    ]


def test_webhook_refuses_text_a_database_would_refuse(client, app) -> None:
    # the test client sends the lone surrogate as the JSON escape "\ud800"
    surrogate = {**GOOD, "id": "t2", "subject": "\ud800"}
    batch = client.post("/api/v1/tickets", json=[GOOD, surrogate], headers=auth(AGENT_KEY))
    assert batch.status_code == 400 and batch.get_json()["error"]["field"] == "[1].subject"
    assert "lone surrogate" in batch.get_json()["error"]["message"]
    nul = {**GOOD, "messages": [{"author": "customer", "body": "a\x00b"}]}
    one = client.post("/api/v1/tickets", json=nul, headers=auth(AGENT_KEY))
    assert one.status_code == 400 and one.get_json()["error"]["field"] == "messages[0].body"
    assert "NUL" in one.get_json()["error"]["message"]
    assert TicketStore(app.extensions["kb"].database).get(GOOD["id"]) is None


SOURCE_FILES = {
    ".jsonl": (
        json.dumps({"id": "s1", "messages": [{"author": "customer", "body": "sync stuck"}]})
        + "\n"
        + json.dumps({"id": "s2", "messages": []})
        + "\n"
    ),
    ".csv": "id,description\ns1,sync stuck\ns2,\n",
}


@pytest.mark.parametrize("suffix", sorted(SOURCES))
def test_every_ticket_source_keeps_good_records_and_names_bad_ones(suffix: str) -> None:
    """One contract over every source in kb.tickets.sources.SOURCES."""
    text = SOURCE_FILES.get(suffix, SOURCE_FILES[".jsonl"])
    tickets, problems = SOURCES[suffix].read(text, f"t{suffix}")
    assert [t.id for t in tickets] == ["s1"] and tickets[0].customer_text() == "sync stuck"
    last_line = len(text.splitlines())  # s2, the bad one, is the file's last line
    assert [p.where for p in problems] == [f"t{suffix}:{last_line}"]
