"""Fixtures for the staff-account tests: the app with e-mail going to a real local SMTP server
(aiosmtpd) and links on a public address, people made in its database, and a browser-like test
client that signs in with a password (and a two-step code)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from argon2 import PasswordHasher

from kb.state import passwords
from tests.helpers import app_config
from tests.mailbox import Mailbox
from web import create_app

PASSWORD = "correct horse battery staple"
PUBLIC_URL = "https://help.example.com"
AREAS = {"agent": "/agent", "writer": "/writer", "admin": "/admin"}


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with small costs: the same algorithm, without 64 MiB and a quarter second per
    password in every test (the browser tests run the real parameters)."""
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


@pytest.fixture
def app(built, content_dir: Path, data_dir: Path, embedder, database_url: str, mailbox: Mailbox):
    config = app_config(
        content_dir,
        data_dir,
        embedder,
        database_url,
        SMTP_URL=mailbox.url,
        PUBLIC_URL=PUBLIC_URL,
        MAIL_FROM="help@example.com",
    )
    return create_app(config)


def services(app):
    return app.extensions["kb"]


def make_person(app, email: str, roles, password: str | None = PASSWORD, name: str = ""):
    """An account made straight in the store (as `kb users create-admin` would)."""
    return services(app).users.create(
        email, name or email.partition("@")[0].title(), roles, password
    )


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, email: str, password: str = PASSWORD, area: str = "agent"):
    """POST the area's password form; the response (a redirect when it worked)."""
    login = f"{AREAS[area]}/login"
    return client.post(
        login, data={"email": email, "password": password, "csrf_token": csrf(client, login)}
    )


def post(client, path: str, data: dict | None = None, page: str | None = None):
    """POST a form from a signed-in page (its CSRF token taken from `page`)."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client, page or path)})


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def next_code(secret: str) -> str:
    """The app's next code (accepted for clock drift): the current one may be used already, by
    the setup that just confirmed it, and each code works once."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def audit_actions(app) -> list[tuple[str, str, str]]:
    """(action, actor, target) of every audit entry, oldest first."""
    return [(e.action, e.actor, e.target) for e in reversed(services(app).audit.entries())]


def link_in(message) -> str:
    """The invitation or reset link an e-mail carries, as a path on the site."""
    text = message.get_content()
    return re.search(re.escape(PUBLIC_URL) + r"(/staff/\S+)", text).group(1)
