"""One resolved ticket as it comes in, whatever brings it (a JSON lines file, a CSV file, the
tickets webhook): one pydantic model checks it, so every source accepts the same tickets and
names the same field when one is wrong."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema

from kb.assist.ticket_text import Message, Ticket
from kb.validation import StoredText, first_problem

STATUSES = ("new", "open", "pending", "solved", "closed")
MAX_ID_NUMBER = 2**63 - 1  # a help desk's numeric id, as databases keep them
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@#/+=-]{0,199}$"


@dataclasses.dataclass(frozen=True)
class StoredTicket:
    id: str
    subject: str
    status: str
    messages: tuple[Message, ...]
    channel: str | None = None
    brand: str | None = None
    created_at: str | None = None
    tags: tuple[str, ...] = ()
    linked_articles: tuple[str, ...] = ()

    def as_ticket(self) -> Ticket:
        return Ticket(self.subject, "", self.messages, self.tags)

    def customer_text(self) -> str:
        return "\n".join(m.body for m in self.messages if m.author == "customer")

    def agent_text(self) -> str:
        return "\n".join(m.body for m in self.messages if m.author == "agent")

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["messages"] = [{"author": m.author, "body": m.body} for m in self.messages]
        data["tags"], data["linked_articles"] = list(self.tags), list(self.linked_articles)
        return data


def received_time(created_at: str | None) -> str | None:
    """A ticket's `created_at` as a UTC time in one format (help desks write "…Z", "…+02:00",
    "….000Z"), so tickets sort by when they arrived; None when it cannot be read."""
    if not created_at:
        return None
    try:
        moment = dt.datetime.fromisoformat(created_at.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:  # no zone: taken as UTC, as the help desks we know write it
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


@dataclasses.dataclass(frozen=True)
class RecordProblem:
    """One invalid record: where it is (a line or an index), the field, and what is wrong."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"


class InvalidRecord(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _id_text(value: Any) -> Any:
    """Help desks send numbers as ids too; surrounding spaces are not part of one."""
    if isinstance(value, float) and value.is_integer():  # JSON's 42.0 is the integer 42
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= MAX_ID_NUMBER:
            raise ValueError(f"a number must be from 0 to {MAX_ID_NUMBER}")
        return str(value)
    return value.strip() if isinstance(value, str) else value


# What help desks use as ids ("12345", "SUP-42", "twitter-987:1"): no spaces or control
# characters, nothing a spreadsheet or a shell would read as more than a name.
TicketId = Annotated[
    str,
    BeforeValidator(_id_text),
    Field(pattern=ID_PATTERN),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": ID_PATTERN},
                {"type": "integer", "minimum": 0, "maximum": MAX_ID_NUMBER},
            ],
            "description": "1 to 200 letters, digits or . _ : @ # / + = -, starting with a "
            "letter or digit; a number is taken as its digits.",
        }
    ),
]


class TicketMessage(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    author: Literal["customer", "agent"]
    body: StoredText


class TicketRecord(BaseModel):
    """A resolved (or open) ticket: who said what, and where it came from."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: TicketId
    subject: StoredText | None = None
    status: Literal[STATUSES] | None = Field(  # type: ignore[valid-type]
        None, description="solved when not given"
    )
    messages: list[TicketMessage] = Field(min_length=1)
    channel: StoredText | None = None
    brand: StoredText | None = Field(None, description="Or `product`: the brand or product.")
    created_at: StoredText | None = None
    tags: list[StoredText] | None = None
    linked_articles: list[StoredText] | None = None

    def stored(self) -> StoredTicket:
        return StoredTicket(
            self.id,
            self.subject or "",
            self.status or "solved",
            tuple(Message(m.author, m.body) for m in self.messages),
            self.channel,
            self.brand,
            self.created_at,
            tuple(self.tags or ()),
            tuple(self.linked_articles or ()),
        )


def parse_ticket(record: Any) -> StoredTicket:
    """Validate one ticket object; raises InvalidRecord naming the field."""
    if not isinstance(record, dict):
        raise InvalidRecord("(record)", "must be a JSON object")
    if record.get("brand") is None and "product" in record:
        record = {**record, "brand": record["product"]}
    try:
        return TicketRecord.model_validate(record).stored()
    except ValidationError as invalid:
        raise InvalidRecord(*first_problem(invalid)) from None


def parse_batch(
    records: Iterable[Any], label: str = "index"
) -> tuple[list[StoredTicket], list[RecordProblem]]:
    tickets, problems = [], []
    for number, record in enumerate(records):
        try:
            tickets.append(parse_ticket(record))
        except InvalidRecord as invalid:
            problems.append(RecordProblem(f"{label} {number}", invalid.field, invalid.message))
    return tickets, problems
