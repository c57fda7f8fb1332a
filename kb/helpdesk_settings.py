"""The settings of the agent's help desk: which help desks may embed the agent sidebar, and the
secrets their "ticket solved" webhooks are signed with. kb.settings.Settings has them all; they
live here to keep each module short. Each maps to the environment variable `KB_<NAME>`."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from kb.errors import ConfigurationError

# Origins as a browser names them (scheme, host, port; no path), separated by spaces or commas.
ORIGINS = re.compile(r"^(?:[\s,]*https?://[A-Za-z0-9.-]+(?::\d{1,5})?/?)*[\s,]*$")


def _secret(help: str) -> Any:
    """A setting never shown in a repr (nor so in a log or traceback)."""
    return dataclasses.field(default="", repr=False, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class HelpdeskSettings:
    """How help desks reach the agent's tools."""

    sidebar_origins: str = dataclasses.field(
        default="",
        metadata={
            "help": "Origins (https://x.zendesk.com, space separated) that may embed "
            "/agent/sidebar."
        },
    )
    ticket_webhook_secret: str = _secret("Signs POST /api/v1/webhooks/tickets; empty = off.")
    zendesk_webhook_secret: str = _secret("Zendesk's signing secret for its webhook; empty = off.")

    def validate_helpdesk_settings(self) -> None:
        """ConfigurationError naming the help-desk setting that is wrong."""
        if not ORIGINS.match(self.sidebar_origins):
            raise ConfigurationError("KB_SIDEBAR_ORIGINS must be origins: https://host[:port]")
