"""Errors that carry their HTTP status, so the web and CLI layers report them the same way."""

from __future__ import annotations


class KBError(Exception):
    """Base error: a status, a stable code and a message fit for the person who caused it."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


class BadRequest(KBError):
    status = 400
    code = "bad_request"


class Unauthorized(KBError):
    status = 401
    code = "unauthorized"


class Forbidden(KBError):
    status = 403
    code = "forbidden"


class NotFound(KBError):
    status = 404
    code = "not_found"


class Conflict(KBError):
    """What the request would change has changed since it was read (a draft edited meanwhile),
    or would be overwritten (a published article of the same name)."""

    status = 409
    code = "conflict"


class InvalidContent(BadRequest):
    """An article's text that cannot be published, located so a writer can fix it."""

    code = "invalid_content"

    def __init__(self, message: str, *, path: str, line: int, field: str | None = None) -> None:
        super().__init__(f"{path}:{line}: {message}", field=field)
        self.path, self.line, self.problem = path, line, message


class PayloadTooLarge(KBError):
    status = 413
    code = "payload_too_large"


class RateLimited(KBError):
    """A client passed one of its rate limits; it may try again in `retry_after` seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class IndexNotReady(KBError):
    """No finished index exists yet: run `kb index`."""

    status = 503
    code = "index_not_ready"


class ConfigurationError(KBError):
    status = 500
    code = "configuration_error"
