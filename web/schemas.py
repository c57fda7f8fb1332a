"""Request and response bodies of the JSON API, as pydantic models: they validate what comes
in, shape what goes out, and are the OpenAPI document's schemas (web.openapi)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    TypeAdapter,
)

from kb.analytics.events import MAX_QUERY_CHARS as MAX_RECORDED_QUERY_CHARS
from kb.limits import MAX_AUTOCOMPLETE_CHARS, MAX_COMMENT_CHARS, MAX_QUERY_CHARS
from kb.search.modes import MODE_NAMES
from kb.tickets.records import TicketRecord
from kb.validation import SHOWING_TEXT, VISIBLE, StoredText, WholeNumber

MAX_RESULTS = 50
MAX_SUGGESTIONS = 20
MAX_TICKETS_PER_REQUEST = 1000
Mode = Literal[MODE_NAMES]  # type: ignore[valid-type]
Text = StoredText
QueryText = Annotated[str, Field(pattern=r"^[^\x00]*$")]  # a URL parameter: no NUL


class Body(BaseModel):
    """A request body: JSON types as sent (no "true" for true), unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Answer):
    code: str = Field(description="A stable code, e.g. bad_request, not_found, rate_limited.")
    message: str = Field(description="What went wrong, for a person.")
    field: str | None = Field(None, description="The parameter or body field at fault.")
    retry_after: int | None = Field(None, description="Seconds to wait (429 only).")


class ErrorResponse(Answer):
    error: ErrorDetail


# --- search ---------------------------------------------------------------------------------


class SearchParams(BaseModel):
    q: str = Field(
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        pattern=SHOWING_TEXT,
        description="What to search for (at most 1,000 characters and 2,000 bytes of UTF-8).",
    )
    limit: int = Field(10, ge=1, le=MAX_RESULTS, description="Results per page.")
    offset: int = Field(0, ge=0, le=10_000, description="Results to skip.")
    category: QueryText | None = Field(None, description="Only this category (its slug).")
    tag: QueryText | None = Field(None, description="Only articles with this tag.")
    type: QueryText | None = Field(None, description="Only this article type, e.g. how-to.")
    kind: QueryText | None = Field(None, description="Only service or support articles.")
    mode: Mode = Field("hybrid", description="keyword, semantic or hybrid (both, fused).")
    log: Literal["0", "1", "false", "true"] = Field(
        "1", description="0: not a search to record (search as you type)."
    )


class SectionRef(Answer):
    anchor: str = Field(description='The section\'s anchor; "" for the introduction.')
    title: str


class SearchHit(Answer):
    slug: str
    title: str
    url: str = Field(description="The article's URL at the section that matched.")
    section: SectionRef
    snippet: str = Field(description="HTML-escaped text with <mark> around matched words.")
    score: float
    confidence: float = Field(
        ge=0, le=1, description="The probability that the article answers the query."
    )
    category: str
    category_name: str
    tags: list[str]
    type: str | None
    kind: str | None


class InstantAnswer(Answer):
    slug: str
    anchor: str = Field(description='The answering section\'s anchor; "" for the introduction.')
    title: str = Field(description="The article's title.")
    section_title: str
    url: str = Field(description="The article's URL at the answering section.")
    html: str = Field(description="The section, rendered as on the article page.")
    confidence: float = Field(
        ge=0, le=1, description="The probability that this section is the one that answers."
    )


class SearchResponse(Answer):
    query: str
    search_id: str | None = Field(description="Cited by click reports; null when not recorded.")
    mode: Mode
    total: int = Field(description="Results found: those whose confidence passes the floor.")
    took_ms: float
    did_you_mean: str | None = Field(
        description="A corrected query (words of the help center only), offered only when the "
        "query has no good results and the correction's are clearly better."
    )
    answer: InstantAnswer | None = Field(
        description="The instant answer the results page shows, or null when search is not "
        "sure enough of one."
    )
    no_good_match: bool = Field(
        description="Nothing in the help center answers the query: no result passes the floor."
    )
    results: list[SearchHit] = Field(description="This page of the results found.")
    weak_matches: list[SearchHit] = Field(
        description="With no good match, the closest results (below the floor) to try instead."
    )


class AutocompleteParams(BaseModel):
    q: str = Field(min_length=1, max_length=MAX_AUTOCOMPLETE_CHARS, pattern=SHOWING_TEXT)
    limit: int = Field(8, ge=1, le=20)


class Completion(Answer):
    text: str
    url: str
    kind: Literal["article", "section", "query"]
    article_title: str


class AutocompleteResponse(Answer):
    query: str
    suggestions: list[Completion]


# --- articles -------------------------------------------------------------------------------


class TocEntry(Answer):
    level: int
    anchor: str
    title: str


class ArticleLink(Answer):
    slug: str
    title: str
    url: str


class FeedbackCounts(Answer):
    helpful: int
    not_helpful: int


class ArticleResponse(Answer):
    slug: str
    title: str
    url: str
    category: str
    tags: list[str]
    type: str | None
    kind: str | None
    updated: str | None
    summary: str
    html: str = Field(description="The rendered body: safe HTML.")
    toc: list[TocEntry]
    related: list[ArticleLink]
    feedback: FeedbackCounts


class Category(Answer):
    slug: str
    name: str
    count: int
    url: str


class CategoriesResponse(Answer):
    categories: list[Category]


class FeedbackBody(Body):
    helpful: StrictBool
    comment: Annotated[Text, Field(max_length=MAX_COMMENT_CHARS)] | None = None


class FeedbackRecorded(Answer):
    status: Literal["recorded"]
    slug: str


# --- agent assist ---------------------------------------------------------------------------


class MessageIn(Body):
    author: Literal["customer", "agent"]
    body: Text


class SuggestBody(Body):
    """A ticket: at least one of subject, body or a message must show some text."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["subject"], "properties": {"subject": {"pattern": VISIBLE}}},
                {"required": ["body"], "properties": {"body": {"pattern": VISIBLE}}},
                {
                    "required": ["messages"],
                    "properties": {
                        "messages": {"contains": {"properties": {"body": {"pattern": VISIBLE}}}}
                    },
                },
            ]
        }
    )
    subject: Text = ""
    body: Text = ""
    messages: list[MessageIn] = []
    tags: list[Text] = []
    limit: WholeNumber = Field(5, ge=1, le=MAX_SUGGESTIONS)


class Suggestion(Answer):
    slug: str
    title: str
    url: str
    section: SectionRef
    snippet: str
    score: float
    confidence: float = Field(ge=0, le=1)
    audience: Literal["public", "internal"]
    kind: str | None


class Triage(Answer):
    kind: Literal["service", "support"] | None
    category: str | None
    confidence: float
    reasons: list[str]


class TicketRequest(Answer):
    """One of the separate requests of a ticket that asks for more than one thing."""

    text: str = Field(description="The customer's words for this request, cleaned.")
    label: str = Field(description="Its first words, to name it in a list.")
    suggestions: list[Suggestion]
    triage: Triage


class SuggestResponse(Answer):
    request_id: str
    suggestions: list[Suggestion] = Field(
        description="For the whole ticket; with several requests, each request's best first."
    )
    triage: Triage
    requests: list[TicketRequest] = Field(
        description="The ticket's separate requests, each with its own suggestions and triage, "
        "when it asks for more than one thing (their searches disagree); else empty."
    )
    took_ms: float


class SuggestFeedbackBody(Body):
    request_id: Annotated[Text, Field(min_length=1, max_length=64)]
    slug: Annotated[Text, Field(min_length=1, max_length=200)]
    action: Literal["linked", "helpful", "not_helpful"]


class Recorded(Answer):
    status: Literal["recorded"]


class SuggestionCounts(Answer):
    suggested: int
    linked: int
    helpful: int
    not_helpful: int


class ArticleStats(Answer):
    slug: str
    suggestions: SuggestionCounts
    customer_feedback: FeedbackCounts


# --- tickets --------------------------------------------------------------------------------


class TicketBatch(Body):
    tickets: list[TicketRecord] = Field(min_length=1, max_length=MAX_TICKETS_PER_REQUEST)


class TicketsBody(
    RootModel[
        TicketRecord
        | Annotated[list[TicketRecord], Field(min_length=1, max_length=MAX_TICKETS_PER_REQUEST)]
        | TicketBatch
    ]
):
    """One ticket, a list of them, or {"tickets": [...]}: a help desk's "ticket solved"
    webhook."""

    @classmethod
    def parse_body(cls, data: Any) -> TicketsBody:
        """Checked as the shape it has, so an error names its place (`tickets[3].id`), not
        every shape it might have been."""
        if isinstance(data, dict) and "tickets" in data:
            return cls(TicketBatch.model_validate(data))
        if isinstance(data, list):
            return cls(_TICKET_LIST.validate_python(data))
        return cls(TicketRecord.model_validate(data))

    def records(self) -> list[TicketRecord]:
        sent = self.root
        if isinstance(sent, TicketBatch):
            return sent.tickets
        return sent if isinstance(sent, list) else [sent]


_TICKET_LIST = TypeAdapter(
    Annotated[list[TicketRecord], Field(min_length=1, max_length=MAX_TICKETS_PER_REQUEST)]
)


class TicketsImported(Answer):
    inserted: int
    updated: int


# --- analytics ------------------------------------------------------------------------------


class PeriodParams(BaseModel):
    start: datetime.date | None = Field(None, alias="from", description="First day, YYYY-MM-DD.")
    end: datetime.date | None = Field(None, alias="to", description="Last day, YYYY-MM-DD.")
    by: Literal["day", "week"] | None = Field(
        None, description="The trends' step: day (the default up to 62 days) or week."
    )


class FigureResponse(Answer):
    """`from`, `to` and the figure under its own name."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    start: str = Field(alias="from")
    end: str = Field(alias="to")


class QueryBody(Body):
    query: Annotated[
        Text,
        Field(max_length=MAX_RECORDED_QUERY_CHARS, pattern=r"^[^\x00]*[^\s.,;:!?\x00][^\x00]*$"),
    ]


class BlockedQuery(Answer):
    query: str
    blocked_at: str
    blocked_by: str


class BlockedQueries(Answer):
    blocked_queries: list[BlockedQuery]
