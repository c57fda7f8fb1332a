"""The Flask app: help-center pages, the JSON API, and the agent, writer and admin pages. It
calls `kb`; it holds no search logic.

Importing `web` stays light (no Flask, no model): the CLI uses the API's result shapes
(web.results) without starting an app; `create_app` (gunicorn's `web:create_app()`) builds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """App factory: defaults, then `KB_*` environment variables, then `config` (tests)."""
    from web.app import create_app as build  # noqa: PLC0415 - Flask and the model load here

    return build(config)
