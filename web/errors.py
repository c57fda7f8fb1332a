"""One place that turns errors into responses: JSON under /api and /healthz, pages elsewhere."""

from __future__ import annotations

from flask import Flask, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from kb.content.catalog import HOME_LIST, popular_articles
from kb.content.model import Article
from kb.errors import IndexNotReady, KBError, RateLimited
from web.services import services


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _popular_articles() -> list[Article]:
    """The home page's popular articles, for a 404 page to offer; none without an index to read
    them from (a missing page stays a 404, never a 503)."""
    try:
        articles = services().index.get().articles
    except KBError:
        return []
    return popular_articles(articles, services().database.popular_slugs(limit=HOME_LIST))


def _respond(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    retry_after: int | None = None,
):
    if _wants_json():
        error: dict = {"code": code, "message": message}
        if field:
            error["field"] = field
        if retry_after is not None:
            error["retry_after"] = retry_after
        response = make_response({"error": error}, status)
    else:
        popular = _popular_articles() if status == 404 else []
        page = render_template("error.html", status=status, message=message, popular=popular)
        response = make_response(page, status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def register(app: Flask) -> None:
    @app.errorhandler(KBError)
    def kb_error(error: KBError):
        # An index that cannot be served is logged once, by kb.store, not on every request.
        if error.status >= 500 and not isinstance(error, IndexNotReady):
            app.logger.error("%s: %s", error.code, error.message)
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        return _respond(error.status, error.code, error.message, error.field, retry_after)

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
        response = _respond(error.code or 500, code, error.description or error.name)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110 wants it
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return _respond(500, "internal_error", "something went wrong on our side")
