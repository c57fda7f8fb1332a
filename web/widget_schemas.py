"""Request and response bodies of the help widget's API (web/widget_api.py), as pydantic models:
they validate what the widget sends and are the OpenAPI document's schemas."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from kb.limits import MAX_QUERY_CHARS
from kb.validation import SHOWING_TEXT, StoredText, WholeNumber
from web.schemas import Answer, Body, InstantAnswer

MAX_PAGE_URL_CHARS = 2000
MAX_HANDOFF_CHARS = 5000
# Spaces may end them (trimmed): Python's `$` also matches before a final newline, and the
# OpenAPI document's patterns must accept what the code accepts.
PAGE_URL = r"^https?://[^\s\x00]+[ \t\r\n]*$"
EMAIL = r"^[^@\s\x00]+@[^@\s\x00]+\.[A-Za-z]{2,}[ \t\r\n]*$"

Question = Annotated[
    StoredText,
    Field(
        min_length=1,
        max_length=MAX_QUERY_CHARS,
        pattern=SHOWING_TEXT,
        description="What the customer wrote (at most 1,000 characters).",
    ),
]
PageUrl = Annotated[
    StoredText,
    Field(
        max_length=MAX_PAGE_URL_CHARS,
        pattern=PAGE_URL,
        description="The address of the page the widget is on (http or https); only its "
        "scheme, host and path are kept.",
    ),
]


class WidgetParams(BaseModel):
    page_url: Annotated[str, Field(max_length=MAX_PAGE_URL_CHARS, pattern=PAGE_URL)] = Field(
        description="The address of the page the widget is on."
    )


class PageSuggestion(Answer):
    slug: str
    title: str
    summary: str
    url: str = Field(description="Where the customer reads it.")


class WidgetContext(Answer):
    site_name: str
    suggestions: list[PageSuggestion] = Field(
        description="Articles that say they help on this page (front matter `context`)."
    )


class ConversationStart(Body):
    message: Question
    page_url: PageUrl


class ConversationMessage(Body):
    message: Question


class Alternative(Answer):
    slug: str
    anchor: str
    title: str
    section_title: str
    url: str = Field(description="The article's URL at this section.")
    confidence: float = Field(ge=0, le=1, description="The probability its article answers.")


class BotReply(Answer):
    answer: InstantAnswer | None = Field(
        description="The section that answers, as the search API's `answer`; null when nothing "
        "in the help center answers (or the customer asked for a person)."
    )
    alternatives: list[Alternative] = Field(
        description="Up to two other sections to try: the answer article's next section for the "
        "message first, when search found one, then the next article."
    )
    no_good_match: bool = Field(description="Nothing in the help center answers the message.")
    offer_handoff: bool = Field(
        description="Offer a person: nothing answers, the customer asked for one, or a second "
        "answer did not help."
    )


class ConversationReply(Answer):
    conversation_id: str
    reply: BotReply


class ConversationStatus(Answer):
    conversation_id: str
    status: Literal["open", "resolved", "handed_over"]
    rating: int | None = None


class RatingBody(Body):
    rating: WholeNumber = Field(ge=1, le=5, description="Satisfaction, 1 to 5.")


class HandoffBody(Body):
    email: Annotated[StoredText, Field(max_length=254, pattern=EMAIL)]
    message: Annotated[StoredText, Field(max_length=MAX_HANDOFF_CHARS)] = Field(
        "", description="What the customer adds for the person (the conversation goes too)."
    )


class Handoff(Answer):
    conversation_id: str
    ticket_id: str
    queue: Literal["service", "support"] = Field(
        description="The team that picks it up: service (orders, billing, account) or support "
        "(technical problems), from the ticket's triage."
    )
