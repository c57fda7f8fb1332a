"""One place that turns errors into responses: JSON under /api and /healthz, pages elsewhere."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kb.errors import IndexNotReady, KBError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _respond(status: int, code: str, message: str, field: str | None = None):
    if _wants_json():
        error = {"code": code, "message": message}
        if field:
            error["field"] = field
        return {"error": error}, status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(KBError)
    def kb_error(error: KBError):
        # An index that cannot be served is logged once, by kb.store, not on every request.
        if error.status >= 500 and not isinstance(error, IndexNotReady):
            app.logger.error("%s: %s", error.code, error.message)
        return _respond(error.status, error.code, error.message, error.field)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _respond(
            400,
            "csrf_failed",
            "the form expired or was not sent from this site; reload and try again",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return _respond(error.code or 500, code, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return _respond(500, "internal_error", "something went wrong on our side")
