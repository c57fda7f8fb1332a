"""A sweep of bad input over every route the app has: odd path values, query parameters, form
fields and JSON bodies, anonymous, with an admin key and in a signed-in admin session. Nothing
may end in a server error (5xx) and nothing may answer with a traceback."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from tests.helpers import ADMIN_KEY, FIGURES, auth, csrf_token, sign_in

PATH_VALUES = [
    "a" * 300,
    "a%00b",
    "..%2F..%2Fetc",
    "%ED%A0%80",  # a surrogate's UTF-8 bytes: not UTF-8 at all
    "%E2%80%AE%E2%80%AE",
    "%3Cscript%3E",
    "-1",
    "9" * 40,
    "request-a-refund",
]
QUERY_VALUES = ["", "%00", "%ED%A0%80", "-1", "1e309", "9" * 40, "x" * 1200, "%E9%80%80" * 700]
QUERY_NAMES = ["q", "limit", "offset", "mode", "from", "to", "page", "category", "search", "rank"]
FIELD_NAMES = ["helpful", "comment", "subject", "body", "messages", "tags", "limit", "request_id",
               "slug", "action", "tickets", "id", "status", "queue", "key", "markdown", "version",
               "reason", "query", "name", "email", "description", "back", "shown"]  # fmt: skip
JSON_VALUES = [None, True, -1, 10**30, 1e308, "", "x" * 100_001, [], {}, [[[[["deep"]]]]],
               {"author": "agent", "body": 7}, [{"author": "x"}], "\x00"]  # fmt: skip
RAW_BODIES = [
    "",
    "null",
    "[]",
    '"text"',
    "{",
    '{"a": "\\ud800"}',
    "[" * 5000 + "]" * 5000,
    '{"tickets": [' + ", ".join(['{"id": "\\udfff"}'] * 3) + "]}",
]


def routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return found


def fill(rule: str, value: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", value, rule)


def requests_for(method: str, rule: str):
    """(path with query string, body kwargs) pairs for one route."""
    base = fill(rule, "request-a-refund")
    for value in PATH_VALUES:
        if "<" in rule:
            yield fill(rule, value), {}
    for name, value in itertools.product(QUERY_NAMES, QUERY_VALUES):
        if (QUERY_NAMES.index(name) + QUERY_VALUES.index(value)) % 3 == 0:  # a third of them
            yield f"{base}?{name}={value}", {}
    if method == "GET":
        return
    for body in RAW_BODIES:
        yield base, {"data": body.encode(), "content_type": "application/json"}
    for value in JSON_VALUES:  # every field at once, then each field alone, with one value
        yield base, {"json": dict.fromkeys(FIELD_NAMES, value)}
    for number, name in enumerate(FIELD_NAMES):
        yield base, {"json": {name: JSON_VALUES[number % len(JSON_VALUES)]}}
        yield base, {"data": {name: ("\u202e" * 3, "x" * 6000, "\x00")[number % 3]}}


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_no_bad_input_ends_in_a_server_error(app) -> None:
    anonymous, keyed, session = app.test_client(), app.test_client(), app.test_client()
    sign_in(session, "admin")
    token = csrf_token(session, "/writer")  # the signed-in session's
    callers = [(anonymous, {}), (keyed, auth(ADMIN_KEY)), (session, {"X-CSRFToken": token})]
    failures, sent = [], 0
    for method, rule in routes(app):
        if rule.endswith("/logout"):
            continue  # would end the session the sweep uses
        for (path, body), (client, headers) in itertools.product(
            requests_for(method, rule), callers
        ):
            if "json" in body:
                body = {"data": json.dumps(body["json"]), "content_type": "application/json"}
            response = client.open(path, method=method, headers=headers, **body)
            sent += 1
            text = response.get_data(as_text=True) if not response.is_streamed else ""
            response.close()
            if response.status_code >= 500 or "Traceback" in text:
                failures.append((method, path[:120], str(body)[:120], response.status_code))
    FIGURES["bad-input sweep"] = {"requests": sent, "server errors": len(failures)}
    assert failures == [], failures[:20]
    assert sent > 4000
