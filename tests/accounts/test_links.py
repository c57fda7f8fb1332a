"""Invitations and password resets: the link arrives by e-mail at a real SMTP server (aiosmtpd),
is shown once to the admin who made it, works once, and expires."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.accounts.conftest import (
    PASSWORD,
    PUBLIC_URL,
    audit_actions,
    csrf,
    link_in,
    make_person,
    post,
    services,
    sign_in,
)
from tests.helpers import ADMIN_KEY, app_config
from web import create_app
from web.urls import account_link_path

NEW = "a brand new long passphrase"


def as_admin(app):
    client = app.test_client()
    make_person(app, "boss@example.com", ["admin"])
    assert sign_in(client, "boss@example.com", area="admin").status_code == 302
    return client


def choose(client, path: str, password: str = NEW, confirm: str | None = None):
    return client.post(
        path,
        data={
            "password": password,
            "confirm": confirm or password,
            "csrf_token": csrf(client, path),
        },
    )


def test_an_invitation_arrives_by_e_mail_is_shown_once_and_works_once(app, mailbox) -> None:
    admin = as_admin(app)
    response = post(
        admin,
        "/admin/people/invite",
        {"email": "Wendy@Example.com", "name": "Wendy", "roles": ["writer"]},
        page="/admin/people",
    )
    assert response.status_code == 200
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "wendy@example.com" and message["From"] == "help@example.com"
    assert "invited" in message["Subject"]
    path = link_in(message)
    assert PUBLIC_URL + path in response.get_data(as_text=True)  # shown to the admin...
    assert path not in admin.get("/admin/people").get_data(as_text=True)  # ...this once

    person = app.test_client()
    assert "Welcome, Wendy" in person.get(path).get_data(as_text=True)
    chosen = choose(person, path)
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/writer/login")
    assert sign_in(person, "wendy@example.com", NEW, area="writer").status_code == 302
    again = app.test_client()
    assert again.get(path).status_code == 410  # used
    assert ("user_invited", "Boss", "wendy@example.com") in audit_actions(app)
    assert ("password_changed", "Wendy", "wendy@example.com") in audit_actions(app)


def test_two_requests_with_one_link_set_one_password(app, mailbox) -> None:
    wendy = make_person(app, "wendy@example.com", ["writer"], password=None)
    token = services(app).account_links.issue(wendy.id, "invitation", dt.timedelta(hours=1))
    path = account_link_path("invitation", token)
    first, second = app.test_client(), app.test_client()
    first_token, second_token = csrf(first, path), csrf(second, path)
    ok = first.post(path, data={"password": NEW, "confirm": NEW, "csrf_token": first_token})
    late = second.post(
        path,
        data={
            "password": "someone else's passphrase",
            "confirm": "someone else's passphrase",
            "csrf_token": second_token,
        },
    )
    assert ok.status_code == 302 and late.status_code == 410
    assert sign_in(app.test_client(), "wendy@example.com", NEW, "writer").status_code == 302


def test_an_expired_link_does_not_work(app) -> None:
    wendy = make_person(app, "wendy@example.com", ["writer"], password=None)
    token = services(app).account_links.issue(wendy.id, "invitation", dt.timedelta(seconds=-1))
    client = app.test_client()
    page = client.get(account_link_path("invitation", token))
    assert page.status_code == 410 and "has expired" in page.get_data(as_text=True)


def test_a_new_link_replaces_the_old_one(app) -> None:
    wendy = make_person(app, "wendy@example.com", ["writer"], password=None)
    links = services(app).account_links
    old = links.issue(wendy.id, "invitation", dt.timedelta(hours=1))
    links.issue(wendy.id, "invitation", dt.timedelta(hours=1))
    assert app.test_client().get(account_link_path("invitation", old)).status_code == 410


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short", "short", "at least 12"),
        (NEW, NEW + "!", "differ"),
        ("password123456", "password123456", "most common"),
    ],
)
def test_a_refused_password_leaves_the_link_working(app, password, confirm, message) -> None:
    wendy = make_person(app, "wendy@example.com", ["writer"], password=None)
    path = account_link_path(
        "invitation", services(app).account_links.issue(wendy.id, "invitation", dt.timedelta(1))
    )
    client = app.test_client()
    refused = choose(client, path, password, confirm)
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert choose(client, path).status_code == 302


def test_forgot_password_e_mails_a_reset_link_that_works_once(app, mailbox) -> None:
    make_person(app, "ann@example.com", ["agent"])
    elsewhere = app.test_client()
    sign_in(elsewhere, "ann@example.com")
    client = app.test_client()
    answer = client.post(
        "/staff/forgot-password",
        data={"email": "ann@example.com", "csrf_token": csrf(client, "/staff/forgot-password")},
    )
    assert "on its way" in answer.get_data(as_text=True)
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "ann@example.com" and "Reset" in message["Subject"]
    path = link_in(message)
    assert path.startswith("/staff/reset-password/")
    assert choose(client, path).status_code == 302
    assert sign_in(client, "ann@example.com", NEW).status_code == 302
    assert sign_in(app.test_client(), "ann@example.com", PASSWORD).status_code == 401
    assert elsewhere.get("/agent").status_code == 302  # the old sessions ended
    assert app.test_client().get(path).status_code == 410
    assert [a for a, _, _ in audit_actions(app)].count("password_reset_sent") == 1


def test_forgot_password_says_the_same_for_an_unknown_address_and_sends_nothing(
    app, mailbox
) -> None:
    client = app.test_client()
    answer = client.post(
        "/staff/forgot-password",
        data={"email": "nobody@example.com", "csrf_token": csrf(client, "/staff/forgot-password")},
    )
    assert "on its way" in answer.get_data(as_text=True)
    assert mailbox.wait_for(1, timeout=1) == []


def test_without_a_public_address_no_reset_is_e_mailed_from_the_page(
    built, content_dir, data_dir, embedder, database_url, mailbox
) -> None:
    """A link built from the request's Host header could point anywhere: self-service resets
    need KB_PUBLIC_URL."""
    app = create_app(
        app_config(
            content_dir,
            data_dir,
            embedder,
            database_url,
            SMTP_URL=mailbox.url,
            WTF_CSRF_ENABLED=False,
        )
    )
    make_person(app, "ann@example.com", ["agent"])
    client = app.test_client()
    page = client.get("/staff/forgot-password").get_data(as_text=True)
    assert "Ask an admin" in page
    answer = client.post(
        "/staff/forgot-password",
        headers={"Host": "evil.example"},
        data={"email": "ann@example.com"},
    )
    assert answer.status_code == 200
    assert mailbox.wait_for(1, timeout=1) == []


def test_an_admin_sends_a_reset_and_sees_the_link_when_mail_fails(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    app = create_app(
        app_config(content_dir, data_dir, embedder, database_url, SMTP_URL="smtp://127.0.0.1:1")
    )
    ann = make_person(app, "ann@example.com", ["agent"])
    admin = app.test_client()
    admin.post("/admin/login", data={"key": ADMIN_KEY, "csrf_token": csrf(admin, "/admin/login")})
    page = post(admin, f"/admin/people/{ann.id}/link", page=f"/admin/people/{ann.id}")
    text = page.get_data(as_text=True)
    assert "The e-mail was not sent" in text
    path = re.search(r"http://localhost(/staff/reset-password/[\w-]+)", text).group(1)
    assert choose(app.test_client(), path).status_code == 302


def test_an_invitation_to_an_address_with_an_account_names_the_field(app) -> None:
    admin = as_admin(app)
    response = post(
        admin,
        "/admin/people/invite",
        {"email": "boss@example.com", "name": "Boss", "roles": ["agent"]},
        page="/admin/people",
    )
    assert response.status_code == 409
    assert "already an account" in response.get_data(as_text=True)


def test_the_link_paths_agree_with_the_routes(app) -> None:
    from flask import url_for  # noqa: PLC0415

    with app.test_request_context():
        assert account_link_path("invitation", "t") == url_for("links.invitation", token="t")
        assert account_link_path("reset", "t") == url_for("links.reset_password", token="t")
