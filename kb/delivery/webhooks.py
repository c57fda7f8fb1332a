"""Signed JSON webhooks, both ways: what this app sends carries `X-KB-Signature` (HMAC-SHA256
of the timestamp and the body, with a shared secret), and what it receives is checked the same
way, within a replay window.

    X-KB-Signature: t=1764547200,v1=<hex HMAC-SHA256 of "1764547200." + body>

Zendesk signs its webhooks its own way, checked by `verify_zendesk`:

    X-Zendesk-Webhook-Signature-Timestamp: 2026-12-01T10:00:00Z
    X-Zendesk-Webhook-Signature: <base64 HMAC-SHA256 of "2026-12-01T10:00:00Z" + body>
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from kb.errors import Unauthorized

SIGNATURE_HEADER = "X-KB-Signature"
ZENDESK_SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
ZENDESK_TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
REPLAY_WINDOW_SECONDS = 300  # a signature older (or newer) than this is refused
TIMEOUT_SECONDS = 10


def signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value that signs `body` now (or at `timestamp`)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def verify(
    secret: str,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> None:
    """Raise Unauthorized unless `header` signs `body` with `secret` within the window."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    try:
        stamp = int(parts.get("t", ""))
    except ValueError:
        raise Unauthorized(f"send a {SIGNATURE_HEADER} header: t=<unix time>,v1=<hmac>") from None
    expected = signature(secret, body, stamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise Unauthorized("the signature does not match the body")
    if abs((time.time() if now is None else now) - stamp) > window:
        raise Unauthorized("the signature is too old (or from the future): send it again")


def zendesk_signature(secret: str, body: bytes, timestamp: str) -> str:
    """Zendesk's signature of `body` sent at `timestamp` (the header's text, as sent)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_zendesk(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> None:
    """Raise Unauthorized unless Zendesk's two headers sign `body` with the webhook's signing
    secret, at a time within the window."""
    if not signature or not timestamp:
        raise Unauthorized(f"send {ZENDESK_SIGNATURE_HEADER} and {ZENDESK_TIMESTAMP_HEADER}")
    expected = zendesk_signature(secret, body, timestamp)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise Unauthorized("the signature does not match the body")
    try:
        sent = dt.datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Unauthorized(f"{ZENDESK_TIMESTAMP_HEADER} is not an ISO 8601 time") from None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=dt.UTC)
    if abs((time.time() if now is None else now) - sent.timestamp()) > window:
        raise Unauthorized("the signature is too old (or from the future): send it again")


def post_json(
    url: str,
    payload: Any,
    secret: str,
    *,
    timeout: float = TIMEOUT_SECONDS,
    headers: Mapping[str, str] | None = None,
) -> int:
    """POST a signed JSON payload (with any extra `headers`); returns the receiver's status. A
    receiver that is down, too slow or answers 4xx/5xx raises OSError (urllib's errors are
    OSErrors): callers retry."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            **(headers or {}),
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            return int(response.status)
    except urllib.error.HTTPError as error:
        raise OSError(f"{url} answered {error.code}") from error
