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
from kb.state.account_links import AccountLinks
from kb.state.audit import AuditLog
from kb.state.auth import KeyStore, parse_env_keys
from kb.state.database import Database
from kb.state.sessions import SessionStore
from kb.state.switches import Switches
from kb.state.two_step import TwoStep
from kb.state.users import UserStore, first_admin
from web import inputs, logs, security
from web.metrics import Metrics
from web.metrics import register as register_metrics
from web.rate_limits import RateLimits
from web.readiness import Readiness
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
    metrics: Metrics
    readiness: Readiness
    users: UserStore
    two_step: TwoStep
    account_links: AccountLinks
    audit: AuditLog
    switches: Switches


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """App factory: defaults, then `KB_*` environment variables, then `config` (tests)."""
    app = Flask(__name__)
    app.config.from_prefixed_env("KB")
    if config:
        app.config.update(config)
    settings = Settings.from_mapping(app.config).with_tuned()
    logs.configure_logging(settings.log_format)
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
    metrics = Metrics()
    engine.observer = metrics
    services = Services(
        settings=settings,
        index=index,
        engine=engine,
        database=database,
        keys=KeyStore(database, parse_env_keys(settings.api_keys)),
        suggestion_log=suggestion_log,
        assist=AgentAssist(engine, suggestion_log),
        events=(
            EventRecorder(database, settings.analytics_retention_days, metrics.queue_depth)
            if settings.analytics == "on"
            else NullRecorder()
        ),
        analytics=Analytics(database),
        popular_queries=PopularQueries(database),
        rate_limits=RateLimits(settings),
        addresses=AddressHasher(database),
        sessions=SessionStore(database, settings.session_idle_minutes, settings.session_max_hours),
        metrics=metrics,
        readiness=Readiness(engine),
        users=UserStore(database),
        two_step=TwoStep(database),
        account_links=AccountLinks(database),
        audit=AuditLog(database),
        switches=Switches(database),
    )
    create_first_admin(services)
    app.extensions["kb"] = services
    # First, so every request has its id and is timed whatever the later hooks do.
    logs.register(app)
    register_metrics(app, metrics)
    # Load the model and index now, so the first request is not slow and, under
    # `gunicorn --preload`, workers share the model's memory.
    engine.query_models.warm_up()
    # The index is opened lazily, in each worker: chroma's client does not survive a fork.

    from web import (  # noqa: PLC0415 - the blueprints use the services made above
        account,
        account_links,
        admin,
        agent_api,
        api,
        audit_pages,
        console,
        contact,
        errors,
        helpdesk_api,
        keys_admin,
        openapi,
        people,
        portal,
        sidebar,
        sign_in,
        single_sign_on,
        staff,
        tickets_api,
        widget_api,
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
    app.register_blueprint(widget_api.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(staff.blueprint)
    for staff_pages in (sign_in, account, account_links, people, keys_admin, audit_pages):
        app.register_blueprint(staff_pages.blueprint)
    single_sign_on.register(app, settings)
    # Browsers and feed readers ask any site for /favicon.ico; the pages name the same icon.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.svg"))
    app.after_request(remember_visitor)
    errors.register(app)
    inputs.register(app)
    security.register(app, settings.proxy_hops)
    app.context_processor(lambda: {"site_name": settings.site_name, "article_path": article_path})
    return app


def create_first_admin(services: Services) -> None:
    """With KB_FIRST_ADMIN_EMAIL and KB_FIRST_ADMIN_PASSWORD, an admin account when there is no
    account at all yet (a fresh install), so it is neither open nor closed to everyone."""
    settings = services.settings
    if settings.first_admin_email and not services.users.count():
        admin = first_admin(services.users, settings)
        if admin is not None:
            services.audit.record(
                "user_created",
                None,
                target=admin.email,
                detail="the first admin, from settings",
                actor_name="settings",
            )
