"""E-mail over SMTP (`KB_SMTP_URL`, `KB_MAIL_FROM`): invitations, password resets, reports and
tickets handed to a queue all go out through `send_mail`."""

from __future__ import annotations

import dataclasses
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from urllib.parse import unquote, urlparse

from kb.errors import ConfigurationError

TIMEOUT_SECONDS = 10
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclasses.dataclass(frozen=True)
class SmtpServer:
    """Where mail goes: `smtp://host:port`, `smtp+starttls://user:password@host:587` or
    `smtps://user:password@host:465`."""

    scheme: str
    host: str
    port: int
    user: str = dataclasses.field(default="", repr=False)
    password: str = dataclasses.field(default="", repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parsed = urlparse(url)
        if parsed.scheme not in DEFAULT_PORTS or not parsed.hostname:
            raise ConfigurationError(
                "KB_SMTP_URL must look like smtp://host:port, smtp+starttls://user:password@"
                "host:587 or smtps://user:password@host:465"
            )
        try:
            port = parsed.port or DEFAULT_PORTS[parsed.scheme]
        except ValueError:
            raise ConfigurationError("KB_SMTP_URL has a port that is not a number") from None
        return cls(
            parsed.scheme, parsed.hostname, port,
            unquote(parsed.username or ""), unquote(parsed.password or ""),
        )  # fmt: skip


def send_mail(
    url: str,
    sender: str,
    to: str,
    subject: str,
    text: str,
    *,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send one plain-text message (with any extra `headers`); an unreachable or refusing
    server raises OSError or smtplib.SMTPException, which the caller reports (or retries, from
    an outbox)."""
    if not url:
        raise ConfigurationError("set KB_SMTP_URL to send e-mail")
    server = SmtpServer.from_url(url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    context = ssl.create_default_context()
    if server.scheme == "smtps":
        connection: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    with connection:
        if server.scheme == "smtp+starttls":
            connection.starttls(context=context)
        if server.user:
            connection.login(server.user, server.password)
        connection.send_message(message)
