"""Two-step verification: set up from the account page with an authenticator app, asked for
after the password, each code once, recovery codes once each, and required for everyone by an
admin switch (then set up before the session starts)."""

from __future__ import annotations

import re
import time

import pyotp

from kb.state import two_step
from tests.accounts.conftest import (
    audit_actions,
    csrf,
    current_code,
    make_person,
    next_code,
    post,
    services,
    sign_in,
)
from tests.helpers import ADMIN_KEY


def turn_on(app, client, email: str = "ann@example.com") -> tuple[str, list[str]]:
    """Set up two-step verification from the account page; its secret and recovery codes."""
    sign_in(client, email)
    page = post(client, "/staff/account/two-step", page="/staff/account").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn on the server
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    confirmed = post(
        client,
        "/staff/account/two-step/confirm",
        {"code": current_code(secret)},
        page="/staff/account",
    )
    assert confirmed.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", confirmed.text)
    assert len(codes) == 10
    client.post("/staff/logout", data={"csrf_token": _token(client)})
    return secret, codes


def _token(client) -> str:
    page = client.get("/staff/account").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_after_setting_it_up_a_sign_in_asks_for_the_code(app, client) -> None:
    make_person(app, "ann@example.com", ["agent"])
    secret, _ = turn_on(app, client)
    response = sign_in(client, "ann@example.com")
    assert response.headers["Location"].endswith("/staff/two-step")
    assert client.get("/agent").status_code == 302  # not signed in yet
    wrong = post(client, "/staff/two-step", {"code": "000000"})
    assert wrong.status_code == 401
    right = post(client, "/staff/two-step", {"code": next_code(secret)})
    assert right.headers["Location"].endswith("/agent")
    assert client.get("/agent").status_code == 200
    actions = [a for a, _, _ in audit_actions(app)]
    assert actions[-4:] == ["two_step_on", "sign_out", "sign_in_failed", "sign_in"]  # a password
    # alone is no sign-in yet


def test_a_code_works_once(app) -> None:
    make_person(app, "ann@example.com", ["agent"])
    first = app.test_client()
    secret, _ = turn_on(app, first)
    code = next_code(secret)
    sign_in(first, "ann@example.com")
    assert post(first, "/staff/two-step", {"code": code}).status_code == 302
    # the same code again within its 30 seconds (seen over a shoulder): refused
    second = app.test_client()
    sign_in(second, "ann@example.com")
    replayed = post(second, "/staff/two-step", {"code": code})
    assert replayed.status_code == 401


def test_the_step_check_takes_the_neighbouring_steps_and_each_once() -> None:
    secret = pyotp.random_base32()
    moment = 1_800_000_000.0
    totp = pyotp.TOTP(secret)
    step = int(moment // 30)
    assert two_step.matching_step(secret, totp.at(moment), 0, moment) == step
    assert two_step.matching_step(secret, totp.at(moment - 30), 0, moment) == step - 1
    assert two_step.matching_step(secret, totp.at(moment + 30), 0, moment) == step + 1
    assert two_step.matching_step(secret, totp.at(moment - 60), 0, moment) == 0
    assert two_step.matching_step(secret, totp.at(moment), step, moment) == 0  # used already
    assert two_step.matching_step(secret, "12345", 0, moment) == 0


def test_a_recovery_code_works_once_instead_of_the_app(app, client) -> None:
    make_person(app, "ann@example.com", ["agent"])
    _, codes = turn_on(app, client)
    sign_in(client, "ann@example.com")
    used = post(client, "/staff/two-step", {"code": codes[3].upper()})
    assert used.status_code == 302
    assert "9 are left" in client.get("/agent").get_data(as_text=True)
    assert "recovery_code_used" in [a for a, _, _ in audit_actions(app)]
    other = app.test_client()
    sign_in(other, "ann@example.com")
    assert post(other, "/staff/two-step", {"code": codes[3]}).status_code == 401


def test_wrong_codes_count_towards_the_lockout(app, client) -> None:
    make_person(app, "ann@example.com", ["agent"])
    secret, _ = turn_on(app, client)
    sign_in(client, "ann@example.com")
    for _ in range(5):
        assert post(client, "/staff/two-step", {"code": "000000"}).status_code == 401
    assert post(client, "/staff/two-step", {"code": next_code(secret)}).status_code == 429


def test_the_code_must_follow_the_password_soon(app, client, monkeypatch) -> None:
    make_person(app, "ann@example.com", ["agent"])
    secret, _ = turn_on(app, client)
    sign_in(client, "ann@example.com")
    token = csrf(client, "/staff/two-step")
    later = time.time() + 301
    monkeypatch.setattr("web.sign_in.time.time", lambda: later)
    response = client.post("/staff/two-step", data={"code": next_code(secret), "csrf_token": token})
    assert response.headers["Location"].endswith("/agent/login")
    assert client.get("/agent").status_code == 302


def test_an_admin_can_require_it_and_then_it_is_set_up_before_the_session(app, client) -> None:
    make_person(app, "ann@example.com", ["agent"])
    admin = app.test_client()
    admin.post("/admin/login", data={"key": ADMIN_KEY, "csrf_token": _login_token(admin)})
    post(admin, "/admin/people/two-step", {"value": "on"}, page="/admin/people")
    assert services(app).switches.is_on("require_two_step")
    assert (
        "setting_changed",
        "operator key",
        "Require two-step verification for every staff sign-in",
    ) in audit_actions(app)

    response = sign_in(client, "ann@example.com")
    assert response.headers["Location"].endswith("/staff/two-step/set-up")
    assert client.get("/agent").status_code == 302
    page = client.get("/staff/two-step/set-up").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    done = post(client, "/staff/two-step/set-up", {"code": current_code(secret)})
    assert done.status_code == 200 and "shown only now" in done.get_data(as_text=True)
    assert client.get("/agent").status_code == 200
    # ...and it cannot be turned off while it is required
    off = post(client, "/staff/account/two-step/off", {"code": "123456"}, page="/staff/account")
    assert off.status_code == 403


def test_it_can_be_turned_off_with_a_current_code(app, client) -> None:
    make_person(app, "ann@example.com", ["agent"])
    secret, codes = turn_on(app, client)
    sign_in(client, "ann@example.com")
    post(client, "/staff/two-step", {"code": codes[0]})
    refused = post(client, "/staff/account/two-step/off", {"code": "000000"}, page="/staff/account")
    assert refused.status_code == 400
    ann = services(app).users.find_email("ann@example.com")
    assert ann.two_step
    post(client, "/staff/account/two-step/off", {"code": next_code(secret)}, page="/staff/account")
    assert not services(app).users.find_email("ann@example.com").two_step
    assert sign_in(app.test_client(), "ann@example.com").headers["Location"].endswith("/agent")


def _login_token(client) -> str:
    page = client.get("/admin/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
