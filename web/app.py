"""The app factory and the services its blueprints share (see web/__init__.py)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_wtf import CSRFProtect

from kb.analytics.events import EventRecorder, NullRecorder
from kb.analytics.figures import Analytics
from kb.analytics.popular import AddressHasher, PopularQueries
from kb.assist.suggestion_log import SuggestionLog
from kb.assist.suggestions import AgentAssist
from kb.index.handle import IndexHandle
from kb.search.engine import SearchEngine, open_engine
from kb.settings import Settings
from kb.state.auth import KeyStore, parse_env_keys
from kb.state.database import Database
from kb.state.sessions import SessionStore
from web import inputs, security
from web.rate_limits import RateLimits
from web.services import remember_visitor
from web.urls import article_path


@dataclasses.dataclass
class Services:
    """What the blueprints share: built once per app (before gunicorn forks, with --preload)."""

    settings: Settings
    index: IndexHandle
    engine: SearchEngine
    database: Database
    keys: KeyStore
    suggestion_log: SuggestionLog
    assist: AgentAssist
    events: EventRecorder | NullRecorder
    analytics: Analytics
    popular_queries: PopularQueries
    rate_limits: RateLimits
    addresses: AddressHasher
    sessions: SessionStore


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """App factory: defaults, then `KB_*` environment variables, then `config` (tests)."""
    app = Flask(__name__)
    app.config.from_prefixed_env("KB")
    if config:
        app.config.update(config)
    settings = Settings.from_mapping(app.config).with_tuned()
    app.config["SECRET_KEY"] = settings.secret_key or os.urandom(32).hex()
    json_provider = DefaultJSONProvider(app)
    json_provider.sort_keys = False  # keys in the order the schemas declare them
    app.json = json_provider

    engine = open_engine(settings, app.config.get("EMBEDDER_INSTANCE"))
    index = engine.handle
    database = Database.for_settings(settings)
    database.migrate()  # at start, once (in the master under --preload), not on a request
    database.close()
    suggestion_log = SuggestionLog(database)
    services = Services(
        settings=settings,
        index=index,
        engine=engine,
        database=database,
        keys=KeyStore(database, parse_env_keys(settings.api_keys)),
        suggestion_log=suggestion_log,
        assist=AgentAssist(engine, suggestion_log),
        events=(
            EventRecorder(database, settings.analytics_retention_days)
            if settings.analytics == "on"
            else NullRecorder()
        ),
        analytics=Analytics(database),
        popular_queries=PopularQueries(database),
        rate_limits=RateLimits(settings),
        addresses=AddressHasher(database),
        sessions=SessionStore(database, settings.session_idle_minutes, settings.session_max_hours),
    )
    app.extensions["kb"] = services
    # Load the model and index now, so the first request is not slow and, under
    # `gunicorn --preload`, workers share the model's memory.
    engine.embedder.warm_up()
    # The index is opened lazily, in each worker: chroma's client does not survive a fork.

    from web import (  # noqa: PLC0415 - the blueprints use the services made above
        admin,
        agent_api,
        api,
        console,
        contact,
        errors,
        helpdesk_api,
        openapi,
        portal,
        sidebar,
        staff,
        tickets_api,
        writer,
    )

    csrf = CSRFProtect(app)
    # JSON only: a cross-site form cannot send application/json. Session-authenticated API
    # calls from the agent console check the CSRF header themselves (web.auth).
    for view in openapi.VIEWS:  # the API: JSON, keys, and a session's token checked by web.auth
        csrf.exempt(view)
    csrf.exempt(portal.result_click)  # a link's ping carries no token; it only counts a click
    app.register_blueprint(portal.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(agent_api.blueprint)
    app.register_blueprint(tickets_api.blueprint)
    app.register_blueprint(helpdesk_api.blueprint)
    app.register_blueprint(sidebar.blueprint)
    app.register_blueprint(console.blueprint)
    app.register_blueprint(writer.blueprint)
    app.register_blueprint(contact.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(staff.blueprint)
    app.after_request(remember_visitor)
    errors.register(app)
    inputs.register(app)
    security.register(app, settings.proxy_hops)
    app.context_processor(lambda: {"site_name": settings.site_name, "article_path": article_path})
    return app
