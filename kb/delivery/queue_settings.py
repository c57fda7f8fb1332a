"""Where each queue's tickets are delivered onward: a signed webhook, an e-mail address, both,
or neither (the agent inbox only). kb.settings.Settings has these; they live here to keep each
module short. Each maps to the environment variable `KB_<NAME>`."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal
from urllib.parse import urlparse

from kb.content.model import KINDS
from kb.errors import ConfigurationError

# The triage's queues (kb.assist.suggestions.triage_ticket): service (orders, billing, account)
# and support (technical problems).
QUEUES: tuple[str, ...] = KINDS
MIN_SECRET_CHARS = 16
_ADDRESS = re.compile(r"^[^@\s,]+@[^@\s,]+\.[A-Za-z]{2,}$")

Channel = Literal["webhook", "email"]


@dataclasses.dataclass(frozen=True)
class Destination:
    """One place a queue's tickets go: `name` ("service:webhook") keys the outbox row and is
    part of the delivery id; `target` is the URL or the address."""

    queue: str
    channel: Channel
    target: str

    @property
    def name(self) -> str:
        return f"{self.queue}:{self.channel}"


def _setting(help: str) -> Any:
    return dataclasses.field(default="", metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class QueueSettings:
    """Where hand-overs go, per queue."""

    queue_service_webhook: str = _setting(
        "The service queue's webhook (https://...): each of its tickets is POSTed there as "
        'signed JSON, from the outbox, with retries (README, "Routing hand-overs"); empty = none.'
    )
    queue_service_email: str = _setting(
        "An e-mail address each service ticket is sent to over KB_SMTP_URL; empty = none."
    )
    queue_support_webhook: str = _setting(
        "The support queue's webhook, as KB_QUEUE_SERVICE_WEBHOOK; empty = none."
    )
    queue_support_email: str = _setting(
        "An e-mail address each support ticket is sent to over KB_SMTP_URL; empty = none."
    )
    queue_webhook_secret: str = dataclasses.field(
        default="",
        repr=False,
        metadata={
            "help": "The shared secret (16+ characters) the queue webhooks are signed with "
            "(X-KB-Signature, HMAC-SHA256); needed when any KB_QUEUE_<NAME>_WEBHOOK is set."
        },
    )

    def destinations(self, queue: str) -> list[Destination]:
        """Where `queue`'s tickets go; none = the agent inbox only."""
        if queue not in QUEUES:
            raise ConfigurationError(f"no queue {queue!r}: the queues are {', '.join(QUEUES)}")
        found = []
        for channel in ("webhook", "email"):
            target = getattr(self, f"queue_{queue}_{channel}").strip()
            if target:
                found.append(Destination(queue, channel, target))
        return found

    def validate_queue_settings(self, smtp_url: str) -> None:
        """ConfigurationError naming the first queue setting that is wrong."""
        webhooks = False
        for queue in QUEUES:
            for destination in self.destinations(queue):
                variable = f"KB_QUEUE_{queue.upper()}_{destination.channel.upper()}"
                if destination.channel == "webhook":
                    webhooks = True
                    parsed = urlparse(destination.target)
                    if parsed.scheme not in ("https", "http") or not parsed.hostname:
                        raise ConfigurationError(
                            f"{variable} must be an https:// (or http://) URL, or empty"
                        )
                elif not _ADDRESS.fullmatch(destination.target):
                    raise ConfigurationError(
                        f"{variable} must be one e-mail address (team@example.com), or empty"
                    )
                elif not smtp_url:
                    raise ConfigurationError(f"{variable} needs KB_SMTP_URL to send e-mail")
        if webhooks and len(self.queue_webhook_secret) < MIN_SECRET_CHARS:
            raise ConfigurationError(
                f"KB_QUEUE_WEBHOOK_SECRET must be set ({MIN_SECRET_CHARS}+ characters) to sign "
                "the queue webhooks"
            )
