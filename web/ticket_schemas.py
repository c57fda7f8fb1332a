"""The agents' API beyond suggestions, as pydantic models (web.openapi declares each operation):
the ticket inbox, searching and reading articles from the console or a help desk's sidebar, and
the help desks' "ticket solved" webhooks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from kb.limits import MAX_QUERY_CHARS
from kb.tickets.helpdesk import ZendeskTicketEvent
from kb.tickets.inbox import MAX_PAGE_SIZE, PAGE_SIZE
from kb.tickets.records import STATUSES
from kb.validation import SHOWING_TEXT
from web.schemas import (
    Answer,
    Body,
    QueryText,
    SectionRef,
    SuggestResponse,
    TicketsBody,
)

Status = Literal[STATUSES]  # type: ignore[valid-type]
Queue = Literal["service", "support"]
Slug = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
MAX_LINKED = 20


# --- the inbox ------------------------------------------------------------------------------


class TicketListParams(BaseModel):
    status: Status | None = Field(None, description="Only tickets with this status.")
    queue: Queue | None = Field(None, description="Only tickets in this queue.")
    category: Annotated[QueryText, Field(max_length=64)] | None = Field(
        None, description="Only tickets triaged to this category."
    )
    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Tickets per page.")
    offset: int = Field(0, ge=0, le=1_000_000, description="Tickets to skip.")


class TicketSummary(Answer):
    id: str
    subject: str = Field(description="The subject, or the customer's first words without one.")
    status: Status
    queue: Queue | None = Field(description="service or support; null until triaged.")
    queue_set_by: Literal["triage", "agent"] | None = Field(
        description="Who chose the queue: the triage, or an agent (who then has the last word)."
    )
    category: str | None
    triage_confidence: float | None
    channel: str | None
    created_at: str | None = Field(description="As the ticket's source wrote it.")
    received_at: str | None = Field(description="When it arrived, UTC (the inbox's order).")
    waited_seconds: int | None = Field(
        description="How long the customer has waited, or waited until it was solved."
    )
    solved_at: str | None
    linked_articles: list[str]
    covered_by: str | None = Field(
        description="Once solved and checked: the article that answers it; null for a gap."
    )
    gap: bool | None = Field(
        description="Solved with no article answering it (closing the loop); null until checked."
    )


class TicketList(Answer):
    tickets: list[TicketSummary]
    total: int = Field(description="Tickets that pass the filters, on every page.")
    limit: int
    offset: int


class TicketMessageOut(Answer):
    author: Literal["customer", "agent"]
    body: str


class TicketDetail(Answer):
    ticket: TicketSummary
    brand: str | None
    tags: list[str]
    messages: list[TicketMessageOut] = Field(description="As the customer wrote them.")
    assist: SuggestResponse | None = Field(
        description="Suggestions and triage for the ticket now; its request_id is the one "
        "feedback (and Insert link or answer) cites. Null for a ticket with no words to search "
        "(or over 100,000 characters)."
    )


class TicketPatch(Body):
    """What an agent changes: at least one of status, queue or linked_articles."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["status"], "properties": {"status": {"type": "string"}}},
                {"required": ["queue"], "properties": {"queue": {"type": "string"}}},
                {
                    "required": ["linked_articles"],
                    "properties": {"linked_articles": {"type": "array"}},
                },
            ]
        }
    )
    status: Status | None = None
    queue: Queue | None = None
    linked_articles: Annotated[list[Slug], Field(max_length=MAX_LINKED)] | None = Field(
        None, description="Articles sent to the customer, kept with the ticket when solved."
    )

    @model_validator(mode="after")
    def something_to_change(self) -> TicketPatch:
        if self.status is None and self.queue is None and self.linked_articles is None:
            raise ValueError("send at least one of status, queue or linked_articles")
        return self


# --- searching and reading from the console or the sidebar ----------------------------------


class AgentSearchParams(BaseModel):
    q: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, pattern=SHOWING_TEXT)
    limit: int = Field(10, ge=1, le=20)


class AgentHit(Answer):
    slug: str
    title: str
    url: str = Field(description="Where an agent reads it (internal articles in the console).")
    section: SectionRef
    snippet: str
    confidence: float = Field(ge=0, le=1)
    audience: Literal["public", "internal"]
    kind: str | None
    category: str


class AgentSearchResponse(Answer):
    query: str
    results: list[AgentHit]


class SectionParams(BaseModel):
    anchor: Annotated[QueryText, Field(max_length=200)] = Field(
        "", description='The section\'s anchor; "" (the default) for the introduction.'
    )


class ReplyTexts(Answer):
    text: str = Field(description="Plain text.")
    markdown: str
    html: str = Field(description="For a rich-text editor.")


class SectionAnswer(Answer):
    slug: str
    anchor: str
    title: str
    section_title: str
    audience: Literal["public", "internal"]
    url: str = Field(description="The section's address: the customer's for a public article.")
    html: str = Field(description="The section as agents read it (the preview).")
    link: ReplyTexts | None = Field(description="Insert link; null for an internal article.")
    answer: ReplyTexts | None = Field(description="Insert answer; null for an internal article.")


# --- "ticket solved" webhooks -----------------------------------------------------------------


class ZendeskWebhookBody(RootModel[ZendeskTicketEvent | TicketsBody]):
    """A Zendesk ticket event, or a Zendesk trigger's JSON body written in this app's ticket
    shape (one ticket, a list, or {"tickets": [...]})."""

    @classmethod
    def parse_body(cls, data: Any) -> ZendeskWebhookBody:
        if isinstance(data, dict) and "detail" in data and "type" in data:
            return cls(ZendeskTicketEvent.model_validate(data))
        return cls(TicketsBody.parse_body(data))


class DeliveredTicket(Answer):
    id: str
    status: Status
    created: bool = Field(description="New to the inbox.")
    solved_now: bool = Field(description="Resolved by this delivery: closing the loop ran.")
    covered_by: str | None = Field(
        description="When solved now: the article that answers it; null for a gap."
    )


class WebhookReceived(Answer):
    tickets: list[DeliveredTicket]
