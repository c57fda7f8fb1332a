"""Signing in as a person with e-mail and password: where they land, what they may open, the
lockout after repeated failures, disabling that ends sessions at once, and passwords that
never reach a log."""

from __future__ import annotations

import logging

import pytest

from tests.accounts.conftest import (
    PASSWORD,
    audit_actions,
    csrf,
    make_person,
    post,
    services,
    sign_in,
)
from tests.helpers import app_config
from tests.test_agent_api import REFUND_TICKET
from web import create_app


def test_a_person_signs_in_with_a_password_and_lands_on_their_area(app, client) -> None:
    make_person(app, "ann@example.com", ["writer"])
    response = sign_in(client, "ANN@example.com", area="writer")
    assert response.status_code == 302 and response.headers["Location"].endswith("/writer")
    page = client.get("/writer").get_data(as_text=True)
    assert "Ann" in page and 'href="/staff/account"' in page  # the header names them
    assert ("sign_in", "Ann", "") in audit_actions(app)
    assert services(app).users.find_email("ann@example.com").last_sign_in_at is not None


def test_a_wrong_password_is_refused_and_audited(app, client) -> None:
    make_person(app, "ann@example.com", ["agent"])
    response = sign_in(client, "ann@example.com", "not the password at all")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/agent").status_code == 302
    assert audit_actions(app) == [("sign_in_failed", "", "ann@example.com")]


def test_an_unknown_address_is_refused_the_same_way_and_not_written_down(app, client) -> None:
    response = sign_in(client, "my secret password", "whatever I typed")
    assert response.status_code == 401 and "do not match" in response.get_data(as_text=True)
    ((action, _, target),) = audit_actions(app)
    assert (action, target) == ("sign_in_failed", "")  # what was typed may be a password


def test_passwords_are_never_logged(app, client, caplog) -> None:
    make_person(app, "ann@example.com", ["agent"])
    with caplog.at_level(logging.DEBUG):
        sign_in(client, "ann@example.com", "a wrong password 1234")
        sign_in(client, "ann@example.com")
    assert "a wrong password" not in caplog.text and PASSWORD not in caplog.text
    entries = services(app).audit.entries()
    assert not [e for e in entries if PASSWORD in repr(e) or "a wrong password" in repr(e)]


def test_an_account_is_locked_after_repeated_failures_whatever_the_address(app) -> None:
    make_person(app, "ann@example.com", ["agent"])
    first = app.test_client()
    for _ in range(5):
        assert sign_in(first, "ann@example.com", "wrong password number").status_code == 401
    refused = sign_in(first, "ann@example.com")  # even the right password now waits
    assert refused.status_code == 429
    assert "failed sign-ins for this account" in refused.get_data(as_text=True)
    elsewhere = app.test_client()  # another address: the account is what is locked
    elsewhere.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert sign_in(elsewhere, "ann@example.com").status_code == 429
    make_person(app, "bob@example.com", ["agent"])  # another account is not locked
    assert sign_in(first, "bob@example.com").status_code == 302


def test_the_lockout_is_a_setting(built, content_dir, data_dir, embedder, database_url) -> None:
    config = app_config(
        content_dir, data_dir, embedder, database_url, LOCKOUT_RATE_LIMIT="2 per hour"
    )
    app = create_app(config)
    make_person(app, "ann@example.com", ["agent"])
    client = app.test_client()
    for _ in range(2):
        sign_in(client, "ann@example.com", "wrong password number")
    assert sign_in(client, "ann@example.com").status_code == 429


def test_a_multi_role_person_opens_each_of_their_areas_and_no_other(app, client) -> None:
    make_person(app, "ann@example.com", ["agent", "writer"])
    sign_in(client, "ann@example.com")
    assert client.get("/agent").status_code == 200
    assert client.get("/writer").status_code == 200
    assert client.get("/admin").headers["Location"].endswith("/admin/login")
    page = client.get("/admin/login").get_data(as_text=True)
    assert "You are signed in as Ann, whose account cannot see the analytics" in page


def test_signing_in_to_an_area_one_cannot_open_lands_on_one_that_one_can(app, client) -> None:
    make_person(app, "ann@example.com", ["agent"])
    response = sign_in(client, "ann@example.com", area="writer")
    assert response.headers["Location"].endswith("/agent")
    assert "cannot review drafts" in client.get("/agent").get_data(as_text=True)


def test_disabling_a_person_ends_their_sessions_at_once(app) -> None:
    ann = make_person(app, "ann@example.com", ["agent"])
    browser = app.test_client()
    sign_in(browser, "ann@example.com")
    token = csrf(browser, "/agent")
    headers = {"X-CSRFToken": token}
    assert browser.post("/api/v1/suggest", json=REFUND_TICKET, headers=headers).status_code == 200
    services(app).users.disable(ann.id)
    assert browser.post("/api/v1/suggest", json=REFUND_TICKET, headers=headers).status_code == 401
    assert browser.get("/agent").status_code == 302
    with services(app).database.connect() as connection:
        assert connection.execute("SELECT COUNT(*) FROM staff_sessions").scalar_one() == 0
    assert sign_in(browser, "ann@example.com").status_code == 401


def test_password_sign_in_can_be_turned_off_with_single_sign_on(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    config = app_config(
        content_dir,
        data_dir,
        embedder,
        database_url,
        PASSWORD_SIGN_IN="off",
        OIDC_ISSUER="http://localhost:1",
        OIDC_CLIENT_ID="kb",
    )
    app = create_app(config)
    make_person(app, "ann@example.com", ["agent"])
    client = app.test_client()
    page = client.get("/agent/login").get_data(as_text=True)
    assert 'name="password"' not in page and "Sign in with single sign-on" in page
    assert sign_in(client, "ann@example.com").status_code == 400
    assert client.get("/agent").status_code == 302


def test_the_operators_key_form_still_signs_in(app, client) -> None:
    from tests.helpers import AGENT_KEY  # noqa: PLC0415

    response = client.post(
        "/agent/login", data={"key": AGENT_KEY, "csrf_token": csrf(client, "/agent/login")}
    )
    assert response.status_code == 302 and client.get("/agent").status_code == 200
    assert audit_actions(app) == [("sign_in", "operator key", "")]


def test_changing_ones_password_ends_the_other_sessions(app) -> None:
    make_person(app, "ann@example.com", ["agent"])
    here, there = app.test_client(), app.test_client()
    sign_in(here, "ann@example.com")
    sign_in(there, "ann@example.com")
    new = "a different long passphrase"
    response = post(
        here,
        "/staff/account/password",
        {"current": PASSWORD, "password": new, "confirm": new},
        page="/staff/account",
    )
    assert response.status_code == 302
    assert here.get("/agent").status_code == 200 and there.get("/agent").status_code == 302
    assert sign_in(app.test_client(), "ann@example.com", new).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        (
            "wrong password!!",
            "a different long passphrase",
            "a different long passphrase",
            "That password is not right",
        ),
        (PASSWORD, "short", "short", "at least 12"),
        (PASSWORD, "a different long passphrase", "another long passphrase", "differ"),
    ],
)
def test_a_refused_password_change_says_why(app, client, current, new, confirm, message) -> None:
    make_person(app, "ann@example.com", ["agent"])
    sign_in(client, "ann@example.com")
    response = post(
        client,
        "/staff/account/password",
        {"current": current, "password": new, "confirm": confirm},
        page="/staff/account",
    )
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_first_admin_comes_from_the_settings_once(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    config = app_config(
        content_dir,
        data_dir,
        embedder,
        database_url,
        FIRST_ADMIN_EMAIL="boss@example.com",
        FIRST_ADMIN_PASSWORD=PASSWORD,
    )
    app = create_app(config)
    assert sign_in(app.test_client(), "boss@example.com", area="admin").status_code == 302
    create_app(config)  # a second start changes nothing
    assert [u.email for u in services(app).users.list()] == ["boss@example.com"]


def test_a_weak_first_admin_password_stops_the_start_naming_the_setting(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    from kb.errors import ConfigurationError  # noqa: PLC0415

    config = app_config(
        content_dir,
        data_dir,
        embedder,
        database_url,
        FIRST_ADMIN_EMAIL="boss@example.com",
        FIRST_ADMIN_PASSWORD="password123",
    )
    with pytest.raises(ConfigurationError, match="KB_FIRST_ADMIN_PASSWORD"):
        create_app(config)
