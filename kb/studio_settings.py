"""The settings of the writer studio: how a draft is published. kb.settings.Settings has them;
they live here to keep each module short. Each maps to the environment variable `KB_<NAME>`."""

from __future__ import annotations

import dataclasses
from typing import Any

from kb.errors import ConfigurationError

PUBLISH_MODES = ("direct", "branch")  # how the writer studio publishes (kb.tickets.publishing)


def _setting(default: Any, help: str) -> Any:
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class StudioSettings:
    """How the writer studio publishes."""

    publish: str = _setting(
        "direct",
        "How the writer studio publishes: `direct` writes the article to the content folder (and "
        "commits it when that folder is a git repository); `branch` commits it to a branch per "
        "draft (drafts/<id>) for review, and it goes live when the branch is merged.",
    )

    def validate_studio_settings(self) -> None:
        """ConfigurationError naming the studio setting that is wrong."""
        if self.publish not in PUBLISH_MODES:
            raise ConfigurationError(
                f"KB_PUBLISH must be one of {', '.join(PUBLISH_MODES)}, not {self.publish!r}"
            )
