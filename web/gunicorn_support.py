"""What gunicorn answers and logs by itself, before the app sees a request (a request line over
8,190 bytes, a malformed request): answered in the app's JSON error shape with its security
headers, not an HTML page; logged without the client's address or the request line, which
carry personal data (README, "What is logged"). gunicorn.conf.py installs both.

With KB_LOG_FORMAT=json, gunicorn's error log and access log are JSON too (web/logs.py): the
access log's fields are the text line's (method, path, status, bytes, milliseconds) plus the
request id the app returned and the worker's process id."""

from __future__ import annotations

import json
import re

from gunicorn import util
from gunicorn.glogging import Logger

from web.logs import HEADER, JsonFormatter, log_format
from web.security import HEADERS

_ADDRESS = re.compile(r"\bip=\S+")
_INVALID = "Invalid request from ip="


def write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error answer, as the app's: {"error": {"code", "message"}}."""
    body = json.dumps(
        {"error": {"code": reason.lower().replace(" ", "_"), "message": _without_request(mesg)}}
    )
    lines = [
        f"HTTP/1.1 {status_int} {reason}",
        "Connection: close",
        "Content-Type: application/json",
        f"Content-Length: {len(body.encode())}",
        "Cache-Control: no-store",
        *(f"{name}: {value}" for name, value in HEADERS.items()),
    ]
    util.write_nonblock(sock, ("\r\n".join(lines) + "\r\n\r\n" + body).encode("latin-1"))


def _without_request(message: str) -> str:
    """The reason without what the client sent: "Invalid request line: 'GET /?q=jane@...'"
    keeps its first part only."""
    return message.split("'", 1)[0].split('"', 1)[0].strip().rstrip(":") or "bad request"


class PrivateLogger(Logger):
    """gunicorn's error log without client addresses, request lines or query strings; both of
    its logs in JSON with KB_LOG_FORMAT=json."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        self.json = log_format() == "json"
        if self.json:
            for handler in [*self.error_log.handlers, *self.access_log.handlers]:
                handler.setFormatter(JsonFormatter())

    def access(self, resp, req, environ, request_time) -> None:
        if not getattr(self, "json", False):
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        fields = {
            "method": atoms["m"],
            "path": atoms["U"],  # the path alone: never the query string
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": atoms["M"],
            "request_id": atoms.get("{%s}o" % HEADER.lower()),  # noqa: UP031 - gunicorn's key
        }
        message = f"{fields['method']} {fields['path']} {fields['status']}"
        self.access_log.info(message, extra={"fields": fields})

    def warning(self, msg, *args, **kwargs) -> None:
        if isinstance(msg, str) and msg.startswith(_INVALID):
            msg = "Invalid request: " + _without_request(msg.partition(": ")[2])
        elif isinstance(msg, str):
            msg = _ADDRESS.sub("ip=(not logged)", msg)
        super().warning(msg, *args, **kwargs)

    def exception(self, msg, *args, **kwargs) -> None:
        # "Error handling request %s %s" (method, URI): the URI's query string stays out.
        args = tuple(a.split("?", 1)[0] if isinstance(a, str) else a for a in args)
        super().exception(msg, *args, **kwargs)


def install() -> None:
    """Make gunicorn's own error answers JSON (its workers look the function up at each use)."""
    util.write_error = write_error
