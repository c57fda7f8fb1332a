"""The settings of the help widget and its answer bot: which sites may embed it and how often a
visitor may talk to it. kb.settings.Settings has them all; they live here to keep each module
short. Each maps to the environment variable `KB_<NAME>`."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from kb.errors import ConfigurationError

# Rate limited per client address like kb.settings.RATE_LIMITED (web/rate_limits.py counts both).
WIDGET_RATE_LIMITED = ("conversation",)
# An origin as browsers send it: scheme, host and an optional port; no path, no trailing slash.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")


def _setting(default: Any, help: str) -> Any:
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class WidgetSettings:
    """The help widget other sites embed (web/static/widget.js) and the bot behind it."""

    widget_origins: str = _setting(
        "",
        "The sites that may embed the help widget, as origins (https://shop.example.com), "
        "comma separated: only they get answers to the widget's API (CORS); empty = none.",
    )
    conversation_rate_limit: str = _setting(
        "30 per minute; 500 per day",
        "Messages to the answer bot (new conversations, questions, ratings) per client address.",
    )

    @property
    def widget_origin_list(self) -> frozenset[str]:
        """The allowed origins, as browsers send them in `Origin`."""
        return frozenset(
            origin.strip().rstrip("/").lower()
            for origin in self.widget_origins.split(",")
            if origin.strip()
        )

    def validate_widget_settings(self) -> None:
        """ConfigurationError naming the first widget setting that is wrong."""
        from limits import parse_many  # noqa: PLC0415 - only servers need it, not every command

        if self.conversation_rate_limit.strip().lower() != "off":
            try:
                parse_many(self.conversation_rate_limit)
            except ValueError:
                raise ConfigurationError(
                    "KB_CONVERSATION_RATE_LIMIT must be like '10 per minute; 100 per day' or "
                    f"'off', not {self.conversation_rate_limit!r}"
                ) from None
        for origin in self.widget_origin_list:
            if not _ORIGIN.match(origin):
                raise ConfigurationError(
                    "KB_WIDGET_ORIGINS must be origins like https://shop.example.com (scheme, "
                    f"host and port, no path), comma separated; {origin[:80]!r} is not one"
                )
