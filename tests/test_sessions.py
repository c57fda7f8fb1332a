"""Staff sessions live on the server: signing out, going idle or staying signed in too long ends
them, and a copy of the cookie is then worthless."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

import web.admin
from kb.state import sessions
from kb.state.auth import hash_key
from kb.tickets.store import TicketStore
from tests.helpers import (
    ADMIN_KEY,
    AGENT_KEY,
    AREAS,
    REFUND_TICKET,
    WRITER_KEY,
    app_config,
    csrf_token,
    services,
    sign_in,
    sign_out,
)
from web import create_app


def signed_in(client, area: str) -> bool:
    response = client.get(AREAS[area])
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.headers["Location"].endswith(f"{AREAS[area]}/login")
    return response.status_code == 200


def session_rows(app) -> list[tuple]:
    with services(app).database.connect() as connection:
        return connection.execute(
            "SELECT id_hash, key_hash, created_at, last_seen FROM staff_sessions"
        ).fetchall()


class Clock:
    """The sessions' clock, moved by the test instead of waited for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
        monkeypatch.setattr(sessions, "utc_now", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


@pytest.mark.parametrize("area, key", [("agent", AGENT_KEY), ("writer", WRITER_KEY),
                                       ("admin", ADMIN_KEY)])  # fmt: skip
def test_a_cookie_copied_before_sign_out_is_worthless_after_it(app, area, key) -> None:
    browser = app.test_client()
    sign_in(browser, area, key)
    copied = browser.get_cookie("session").value
    assert signed_in(browser, area)
    response = sign_out(browser, area)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(browser, area)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert not signed_in(thief, area)
    assert session_rows(app) == []


def test_the_api_refuses_a_replayed_session_after_sign_out(app) -> None:
    browser = app.test_client()
    sign_in(browser, "agent", AGENT_KEY)
    csrf = csrf_token(browser, "/agent")
    copied = browser.get_cookie("session").value  # it holds the CSRF token's secret too
    headers = {"X-CSRFToken": csrf}
    assert browser.post("/api/v1/suggest", json=REFUND_TICKET, headers=headers).status_code == 200
    sign_out(browser, "agent")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    replayed = thief.post("/api/v1/suggest", json=REFUND_TICKET, headers=headers)
    assert replayed.status_code == 401
    assert replayed.get_json()["error"]["code"] == "unauthorized"


def test_only_a_hash_of_the_session_id_is_stored(app) -> None:
    browser = app.test_client()
    sign_in(browser, "agent", AGENT_KEY)
    serializer = app.session_interface.get_signing_serializer(app)
    session_id = serializer.loads(browser.get_cookie("session").value)["staff_session"]
    ((id_hash, key_hash, _, _),) = session_rows(app)
    assert id_hash == hashlib.sha256(session_id.encode()).hexdigest() != session_id
    assert key_hash == hash_key(AGENT_KEY)


def test_an_idle_session_expires(app, clock) -> None:
    browser = app.test_client()
    sign_in(browser, "agent", AGENT_KEY)
    for _ in range(3):  # each visit within the idle time keeps it alive
        clock.advance(minutes=59)
        assert signed_in(browser, "agent")
    clock.advance(minutes=60, seconds=1)
    assert not signed_in(browser, "agent")
    assert session_rows(app) == []


def test_a_session_ends_after_its_maximum_lifetime_however_active(app, clock) -> None:
    browser = app.test_client()
    sign_in(browser, "writer", WRITER_KEY)
    for _ in range(12 * 2 - 1):
        clock.advance(minutes=30)
        assert signed_in(browser, "writer")
    clock.advance(minutes=30, seconds=1)  # 12 hours and a second after signing in
    assert not signed_in(browser, "writer")


def test_the_lifetimes_are_settings(built, content_dir, data_dir, embedder, database_url, clock):
    config = app_config(content_dir, data_dir, embedder, database_url, SESSION_IDLE_MINUTES="5",
                        SESSION_MAX_HOURS="1")  # fmt: skip
    browser = create_app(config).test_client()
    sign_in(browser, "agent", AGENT_KEY)
    clock.advance(minutes=4)
    assert signed_in(browser, "agent")
    clock.advance(minutes=5, seconds=1)
    assert not signed_in(browser, "agent")


def test_last_seen_is_written_at_most_once_a_minute(app, clock) -> None:
    browser = app.test_client()
    sign_in(browser, "agent", AGENT_KEY)
    ((_, _, created, seen),) = session_rows(app)
    assert seen == created
    clock.advance(seconds=30)
    signed_in(browser, "agent")
    assert session_rows(app)[0][3] == seen
    clock.advance(seconds=31)
    signed_in(browser, "agent")
    assert session_rows(app)[0][3] > seen


def test_signing_out_in_one_area_ends_the_session_in_all(app) -> None:
    browser = app.test_client()
    sign_in(browser, "agent", ADMIN_KEY)
    assert signed_in(browser, "agent") and signed_in(browser, "admin")
    sign_out(browser, "writer", page="/writer")
    assert not signed_in(browser, "agent") and not signed_in(browser, "admin")


def test_sign_out_needs_the_csrf_token(app) -> None:
    browser = app.test_client()
    sign_in(browser, "admin", ADMIN_KEY)
    assert browser.post("/admin/logout").status_code == 400
    assert signed_in(browser, "admin")
    assert sign_out(browser, "admin").status_code == 302
    assert not signed_in(browser, "admin")


def test_signing_in_again_starts_a_new_session(app) -> None:
    browser = app.test_client()
    sign_in(browser, "agent", AGENT_KEY)
    first = browser.get_cookie("session").value
    sign_in(browser, "agent", AGENT_KEY)
    thief = app.test_client()
    thief.set_cookie("session", first)
    assert not signed_in(thief, "agent")  # the old id went with the new sign-in
    assert signed_in(browser, "agent") and len(session_rows(app)) == 1


def test_revoking_a_key_ends_its_sessions(app) -> None:
    key, record = services(app).keys.create("agent", "temp")
    browser = app.test_client()
    sign_in(browser, "agent", key)
    assert signed_in(browser, "agent")
    services(app).keys.revoke(record.id)
    assert not signed_in(browser, "agent")
    assert session_rows(app) == []


def test_a_key_revoked_while_its_request_runs_blocks_nothing(app, monkeypatch) -> None:
    """The admin pages let a session in, then the view asks who it is: revoked in between, the
    request is sent to sign in (not a 500) and nothing is done in the revoked key's name."""
    key, record = services(app).keys.create("admin", "temp")
    browser = app.test_client()
    sign_in(browser, "admin", key)
    csrf = csrf_token(browser, "/admin")
    view_check = web.admin.signed_in

    def revoked_first(role: str):
        services(app).keys.revoke(record.id)
        return view_check(role)

    monkeypatch.setattr(web.admin, "signed_in", revoked_first)
    response = browser.post("/admin/blocked-queries", data={"query": "refund", "csrf_token": csrf})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/login")
    assert services(app).popular_queries.blocked() == []


def test_expired_sessions_are_pruned(app, clock) -> None:
    for _ in range(3):
        sign_in(app.test_client(), "agent", AGENT_KEY)
    clock.advance(hours=2)
    sign_in(app.test_client(), "agent", AGENT_KEY)
    assert len(session_rows(app)) == 1


@pytest.mark.parametrize(
    ("area", "lesser_key"), [("agent", WRITER_KEY), ("writer", AGENT_KEY), ("admin", WRITER_KEY)]
)
def test_each_sign_in_takes_its_roles_keys_only(app, area, lesser_key) -> None:
    browser = app.test_client()
    for refused in ("wrong-key-wrong-key", lesser_key):
        page = sign_in(browser, area, refused, status=401).get_data(as_text=True)
        assert "That key is not valid." in page or "key cannot" in page
        assert not signed_in(browser, area)
    sign_in(browser, area)
    assert signed_in(browser, area)
    admin = app.test_client()  # an admin key opens every area
    sign_in(admin, area, ADMIN_KEY)
    assert signed_in(admin, area)


TICKET = {
    "id": "t-session",
    "subject": "Refund",
    "status": "solved",
    "messages": [{"author": "customer", "body": "I want my money back"}],
}


def test_a_signed_in_console_posts_to_the_api_with_its_csrf_token_only(app) -> None:
    browser = app.test_client()
    sign_in(browser, "agent")
    headers = {"X-CSRFToken": csrf_token(browser, "/agent")}
    suggested = browser.post("/api/v1/suggest", json=REFUND_TICKET, headers=headers).get_json()
    feedback = {
        "request_id": suggested["request_id"],
        "slug": "request-a-refund",
        "action": "helpful",
    }
    for url, body in (("/api/v1/suggest/feedback", feedback), ("/api/v1/tickets", TICKET)):
        refused = browser.post(url, json=body)
        assert refused.status_code == 400, url
        assert refused.get_json()["error"]["code"] == "csrf_failed"
    log = services(app).suggestion_log
    assert log.article_stats("request-a-refund")["helpful"] == 0
    assert TicketStore(services(app).database).get("t-session") is None
    assert (
        browser.post("/api/v1/suggest/feedback", json=feedback, headers=headers).status_code == 201
    )
    imported = browser.post("/api/v1/tickets", json=TICKET, headers=headers)
    assert imported.get_json() == {"inserted": 1, "updated": 0}
    assert log.article_stats("request-a-refund")["helpful"] == 1
    assert TicketStore(services(app).database).get("t-session").subject == "Refund"
