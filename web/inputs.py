"""Every request's fields checked once, before any view reads them: a query string within its
size, no NUL or lone surrogate in any parameter, form field or JSON string, JSON nested no deeper
than a client could mean. Each problem is a 4xx that names the field (README, "Limits")."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request

from kb.errors import BadRequest, KBError
from kb.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_QUERY_STRING_BYTES, text_problem


class URITooLong(KBError):
    status = 414
    code = "uri_too_long"


def check_request_fields() -> None:
    """Refuse a request whose query string or form fields no view should have to read."""
    size = len(request.environ.get("QUERY_STRING", ""))
    if size > MAX_QUERY_STRING_BYTES:
        raise URITooLong(
            f"the query string is {size:,} bytes; the limit is {MAX_QUERY_STRING_BYTES:,}"
        )
    fields = [*request.args.items(multi=True)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += request.form.items(multi=True)
    for name, value in fields:
        problem = text_problem(name) or text_problem(value)
        if problem:
            field = name if text_problem(name) is None else "(field name)"
            raise BadRequest(f"{field} {problem}", field=field)


def json_body() -> Any:
    """The request body as JSON, or a 400 that says what is wrong with it (malformed, or nested
    too deeply). The models that read it refuse strings no store can keep (kb.validation),
    each named by its path, `messages[2].body`; keys and values they do not read are ignored."""
    if not request.is_json:
        raise BadRequest("send a JSON body with Content-Type: application/json")
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw)
    except RecursionError:
        raise BadRequest(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as error:  # also bytes that are not UTF-8
        raise BadRequest(f"the body is not valid JSON ({_reason(error)})") from None
    _check_depth(body, "", 0)
    return body


def _check_depth(value: Any, path: str, depth: int) -> None:
    if isinstance(value, (dict, list)):
        if depth >= MAX_JSON_DEPTH:
            raise BadRequest(
                f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep", field=path or None
            )
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            inner = f"{path}[{key}]" if isinstance(key, int) else _join(path, str(key))
            _check_depth(item, inner, depth + 1)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _reason(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno}, column {error.colno}"
    return "not UTF-8 text"


def register(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(check_request_fields)
