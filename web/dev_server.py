"""`kb serve`'s request log: what gunicorn's access log keeps, and no more."""

from __future__ import annotations

import logging
import urllib.parse

from werkzeug.serving import WSGIRequestHandler


class PrivateRequestHandler(WSGIRequestHandler):
    """Logs method, path and status: no query string (searches carry e-mail addresses and phone
    numbers) and no client address."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = urllib.parse.urlsplit(getattr(self, "path", "")).path
        self.log("info", '"%s %s" %s %s', self.command, path, code, size)

    def log(self, type: str, message: str, *args) -> None:
        getattr(logging.getLogger("werkzeug"), type)(
            f"[{self.log_date_time_string()}] {message}", *args
        )
