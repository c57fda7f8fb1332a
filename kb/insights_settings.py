"""The settings of the admin's insights: content health and the weekly report. kb.settings.Settings
has them all; they live here to keep each module short. Each maps to `KB_<NAME>`."""

from __future__ import annotations

import dataclasses
from typing import Any

from kb.errors import ConfigurationError


def _setting(default: Any, help: str) -> Any:
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class InsightsSettings:
    """What content health calls stale, and where the weekly report goes."""

    stale_after_days: int = _setting(
        180, "Content health lists published articles not updated in this many days."
    )
    report_to: str = _setting(
        "", "Addresses (comma separated) `kb report weekly` e-mails; empty = no e-mail."
    )
    report_webhook_url: str = _setting(
        "", "A URL `kb report weekly` posts the report to as signed JSON; empty = none."
    )
    report_webhook_secret: str = dataclasses.field(
        default="",
        repr=False,  # a secret is never shown in a repr, nor so in a log or traceback
        metadata={"help": "The shared secret that signs the report webhook (X-KB-Signature)."},
    )

    def validate_insights_settings(self) -> None:
        """ConfigurationError naming the first insights setting that is wrong."""
        if self.stale_after_days < 1:
            raise ConfigurationError("KB_STALE_AFTER_DAYS must be a positive whole number")
