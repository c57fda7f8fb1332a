"""A request id for every request, returned in `X-Request-ID`, and logs as one JSON object a
line when `KB_LOG_FORMAT=json` (the app's messages here; gunicorn's error and access logs in
web/gunicorn_support.py), each carrying the id of the request it was written for.

The id is the one the reverse proxy sent (nginx's `$request_id`), when it looks like one, so a
request can be followed from the proxy's log to the app's; otherwise a new random one. Logs keep
what they kept before (README, "What is logged"): no query string, no client address.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re
import sys
import uuid

from flask import Flask, Response, request

from kb.settings import Settings

HEADER = "X-Request-ID"
# What a proxy's id may look like to be kept: nginx's 32 hex digits, a UUID, a trace id. Anything
# else (spaces, quotes, a line break, a page of text) is replaced, so a client cannot forge lines.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this thread is answering, or None outside a request."""
    return _request_id.get()


def log_format(environ: dict[str, str] | None = None) -> str:
    """KB_LOG_FORMAT, checked as the app checks it (gunicorn reads it before the app exists)."""
    environ = dict(os.environ if environ is None else environ)
    return Settings.from_mapping({"LOG_FORMAT": environ.get("KB_LOG_FORMAT", "text")}).log_format


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the process, the request id
    when there is one, the fields a record carries in `fields`, and any exception's traceback."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created, dt.UTC)
        entry: dict[str, object] = {
            "time": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _AppHandler(logging.StreamHandler):
    """The root logger's JSON handler (marked, so configuring again replaces it)."""


def configure_logging(fmt: str) -> None:
    """With `json`, everything logged through the root logger (kb.*, web.*, Flask's own) is
    written to stderr as JSON, at the levels Python shows by default (warnings and above; and
    `kb serve`'s request lines). With `text`, logging is left as it was."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _AppHandler)]:
        root.removeHandler(handler)
    if fmt != "json":
        return
    handler = _AppHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    werkzeug = logging.getLogger("werkzeug")  # `kb serve`'s request lines are INFO
    if werkzeug.level == logging.NOTSET:
        werkzeug.setLevel(logging.INFO)


def register(app: Flask) -> None:
    """Give every request an id (the proxy's or a new one), returned in X-Request-ID. Register
    it before other before_request hooks, so what they log carries it too."""

    def assign() -> None:
        sent = request.headers.get(HEADER, "")
        _request_id.set(sent if _WELL_FORMED.fullmatch(sent) else uuid.uuid4().hex)

    def answer(response: Response) -> Response:
        # A request refused before `assign` ran (none is, today) still gets an id.
        response.headers[HEADER] = _request_id.get() or uuid.uuid4().hex
        return response

    def forget(error: BaseException | None) -> None:
        _request_id.set(None)  # a worker's next log line outside a request names none

    app.before_request(assign)
    app.after_request(answer)
    app.teardown_request(forget)
