"""Resolved tickets from files: one JSON object per line, or a CSV with a documented header, each
bad record reported with its line and the good ones kept."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from kb.tickets.records import STATUSES as STATUSES
from kb.tickets.records import InvalidRecord, RecordProblem, StoredTicket, parse_ticket

CSV_COLUMNS = (
    "id",
    "subject",
    "description",
    "resolution",
    "brand",
    "channel",
    "status",
    "created_at",
    "tags",
    "linked_articles",
)


_Invalid = InvalidRecord


Read = tuple[list[StoredTicket], list[RecordProblem]]


class TicketSource(Protocol):
    """A format tickets arrive in, read record by record: the good ones kept, each bad one
    reported with where it is. To add one, a class with `read` and its file suffix in
    SOURCES (the webhook, web/writer.py, takes JSON objects through the same TicketRecord)."""

    def read(self, text: str, name: str) -> Read: ...


class JsonLines:
    """One ticket object per line (kb.tickets.records.TicketRecord)."""

    def read(self, text: str, name: str) -> Read:
        return _read_json_lines(text, name)


class Csv:
    """A CSV whose header names `id` and `description`, and optionally the CSV_COLUMNS."""

    def read(self, text: str, name: str) -> Read:
        return _read_csv(text, name)


SOURCES: dict[str, TicketSource] = {".csv": Csv(), ".jsonl": JsonLines(), ".json": JsonLines()}
DEFAULT_SOURCE = JsonLines()


def read_ticket_file(path: Path) -> Read:
    """A ticket file, read by the source its suffix names (JSON lines otherwise); every bad
    record reported with its line, and the good ones kept."""
    data = path.read_bytes().removeprefix(codecs.BOM_UTF8)  # spreadsheets write one
    # Undecodable bytes become lone surrogates, which valid UTF-8 never holds: each record
    # that has one is reported, instead of the whole file failing.
    text = data.decode("utf-8", errors="surrogateescape")
    source = SOURCES.get(path.suffix.lower(), DEFAULT_SOURCE)
    return source.read(text, path.name)


def _read_json_lines(text: str, name: str) -> Read:
    tickets, problems = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        where = f"{name}:{number}"
        if not line.strip():
            continue
        try:
            if _UNDECODED.search(line):
                raise _Invalid("(line)", "not UTF-8 text")
            tickets.append(parse_ticket(_json_line(line)))
        except _Invalid as invalid:
            problems.append(RecordProblem(where, invalid.field, invalid.message))
    return tickets, problems


_UNDECODED = re.compile("[\udc80-\udcff]")


def _json_line(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise _Invalid("(line)", f"not JSON: {error.msg}") from None
    except RecursionError:
        raise _Invalid("(line)", "not JSON: nested too deeply") from None


def _read_csv(text: str, name: str) -> tuple[list[StoredTicket], list[RecordProblem]]:
    records = _csv_records(text)
    _, header = next(records, (1, []))  # the first record is the header
    header = header if isinstance(header, list) else []
    missing = {"id", "description"} - set(header)
    if missing:
        return [], [
            RecordProblem(f"{name}:1", ", ".join(sorted(missing)), "missing from the header")
        ]
    tickets, problems = [], []
    for line, fields in records:
        try:
            if isinstance(fields, str):
                raise _Invalid("(line)", fields)
            if len(fields) > len(header):
                raise _Invalid("(line)", f"{len(fields)} fields, the header names {len(header)}")
            if any(_UNDECODED.search(field) for field in fields):
                raise _Invalid("(line)", "not UTF-8 text")
            tickets.append(parse_ticket(_csv_record(dict(zip(header, fields, strict=False)))))
        except _Invalid as invalid:
            field = _CSV_COLUMN.get(invalid.field, invalid.field.partition("[")[0])
            problems.append(RecordProblem(f"{name}:{line}", field, invalid.message))
    return tickets, problems


# parse_ticket names the parts of a ticket object; a CSV reader needs the column
_CSV_COLUMN = {"messages[0].body": "description", "messages[1].body": "resolution"}


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the ticket object parse_ticket checks."""
    if not (row.get("description") or "").strip():
        raise _Invalid("description", "is required")
    messages = [{"author": "customer", "body": row["description"]}]
    if row.get("resolution"):
        messages.append({"author": "agent", "body": row["resolution"]})
    return {
        "id": row.get("id"),
        "subject": row.get("subject"),
        "messages": messages,
        "brand": row.get("brand") or None,
        "channel": row.get("channel") or None,
        "status": row.get("status") or None,
        "created_at": row.get("created_at") or None,
        "tags": _split(row.get("tags")),
        "linked_articles": _split(row.get("linked_articles")),
    }


_OPEN = "a quoted field is never closed"


def _csv_records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """(line, fields) for each CSV record, or (line, what is wrong) for one that cannot be
    parsed; parsing then resumes at the next line, so one stray quote costs one record.

    A record continuing past its first line is inside a quoted field at the start of every
    later line, whichever line it started on; so where a quoted field closes from line m on
    is worked out once per line, and a file full of stray quotes is still read in linear time.
    """
    lines = io.StringIO(text).readlines()
    closes: dict[int, int | str] = {}  # line index -> index of the line that ends the record

    def closing_line(start: int) -> int | str:
        passed = []
        index = start
        while index < len(lines) and index not in closes:
            _, problem = _parse_record('"' + lines[index])  # as if inside a quoted field
            if problem != _OPEN:
                closes[index] = index if problem is None else problem
                break
            passed.append(index)
            index += 1
        found = closes.get(index, _OPEN)
        for index in passed:
            closes[index] = found
        return found

    index = 0
    while index < len(lines):
        fields, problem = _parse_record(lines[index])
        end: int | str = index
        if problem == _OPEN:
            end = closing_line(index + 1)
            if isinstance(end, int):
                fields, problem = _parse_record("".join(lines[index : end + 1]))
            else:
                problem = end
        if problem is not None:
            yield index + 1, problem if problem == _OPEN else f"not CSV: {problem}"
            index += 1
            continue
        if fields:  # blank lines are skipped
            yield index + 1, fields
        index = int(end) + 1


def _parse_record(text: str) -> tuple[list[str], str | None]:
    """The record `text` holds, or what is wrong: _OPEN when a quoted field is still open at
    its end (strict mode: no guessing where a broken record stops)."""
    asked_for_more = []

    def feed() -> Iterator[str]:
        yield text
        asked_for_more.append(True)

    try:
        return next(csv.reader(feed(), strict=True), []), None
    except csv.Error as error:
        return [], _OPEN if asked_for_more else str(error)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").replace(";", ",").split(",") if part.strip()]
