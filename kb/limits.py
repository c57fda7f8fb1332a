"""Input limits, decided once: how much a request, a field and a query may hold, in characters
and in bytes (README, "Limits"), and what no text field may contain."""

from __future__ import annotations

MAX_QUERY_CHARS = 1000  # a search query, in characters of any script...
MAX_QUERY_BYTES = 2000  # ...and in UTF-8 bytes: 666 CJK characters, 6,000 bytes percent-encoded
MAX_AUTOCOMPLETE_CHARS = 200
# A URL's query string, percent-encoded: a query at its limit and the filters fit, and the whole
# request line stays under gunicorn's own limit (8,190 bytes, which answers in HTML).
MAX_QUERY_STRING_BYTES = 8000
MAX_BODY_BYTES = 1024 * 1024  # any request body (413 beyond)
MAX_JSON_DEPTH = 32  # arrays and objects inside each other in a JSON body
MAX_COMMENT_CHARS = 2000  # a customer's comment on an article
MAX_TICKET_CHARS = 100_000  # a ticket's subject, body and messages together, for suggestions


def text_problem(value: str) -> str | None:
    """What makes a string unfit to store, or None: PostgreSQL refuses NUL in text, and a lone
    surrogate (a JSON "\\ud800") is not Unicode that any encoder will write."""
    if "\x00" in value:
        return "must not contain a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it holds a lone surrogate)"
    return None
