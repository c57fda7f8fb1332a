"""API keys belong to people: a role no higher than theirs, an optional expiry, when each was
last used; listed and revoked on the admin page and by the CLI; a disabled person's keys (and
one whose role they lost) stop working at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kb.errors import Forbidden, Unauthorized
from kb.state import auth
from kb.state.auth import KeyStore
from kb.state.users import UserStore
from tests.accounts.conftest import audit_actions, make_person, post, services, sign_in
from tests.helpers import auth as bearer
from tests.test_agent_api import REFUND_TICKET


@pytest.fixture
def stores(make_database):
    database = make_database()
    return UserStore(database), KeyStore(database)


def test_a_persons_key_acts_as_them_with_its_own_role(stores) -> None:
    users, keys = stores
    ann = users.create("ann@example.com", "Ann", ["agent", "writer"])
    key, record = keys.create("agent", "sidebar", ann.principal("key"))
    principal = keys.authenticate(key)
    assert (principal.name, principal.email, principal.user_id) == ("Ann", ann.email, ann.id)
    assert principal.may("agent") and not principal.may("writer")  # the key's role only
    assert record.owner == "ann@example.com"


def test_a_key_may_have_no_higher_role_than_its_owner(stores) -> None:
    users, keys = stores
    ann = users.create("ann@example.com", "Ann", ["agent"])
    with pytest.raises(Forbidden) as refused:
        keys.create("admin", "too much", ann.principal("key"))
    assert refused.value.field == "role"
    admin = users.create("boss@example.com", "Boss", ["admin"])
    keys.create("writer", "a script", admin.principal("key"))  # an admin may make any role


def test_a_disabled_owners_keys_stop_and_work_again_when_enabled(stores) -> None:
    users, keys = stores
    ann = users.create("ann@example.com", "Ann", ["agent"])
    key, _ = keys.create("agent", "", ann.principal("key"))
    users.disable(ann.id)
    with pytest.raises(Unauthorized):
        keys.authenticate(key)
    users.enable(ann.id)
    assert keys.authenticate(key).user_id == ann.id


def test_a_key_stops_when_its_owner_loses_its_role(stores) -> None:
    users, keys = stores
    ann = users.create("ann@example.com", "Ann", ["agent", "writer"])
    key, _ = keys.create("writer", "", ann.principal("key"))
    users.set_roles(ann.id, ["agent"])
    with pytest.raises(Unauthorized):
        keys.authenticate(key)


def test_an_expired_key_is_refused(stores) -> None:
    users, keys = stores
    ann = users.create("ann@example.com", "Ann", ["agent"])
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat(timespec="seconds")
    key, _ = keys.create("agent", "", ann.principal("key"), past)
    with pytest.raises(Unauthorized, match="expired"):
        keys.authenticate(key)


def test_last_use_is_written_at_most_once_a_minute(stores, monkeypatch) -> None:
    users, keys = stores
    key, record = keys.create("agent")
    assert keys.get(record.id).last_used_at is None
    times = iter(
        ["2026-11-20T09:00:00+00:00", "2026-11-20T09:00:30+00:00", "2026-11-20T09:01:01+00:00"]
    )
    monkeypatch.setattr(auth, "now", lambda: next(times))
    keys.authenticate(key)
    assert keys.get(record.id).last_used_at == "2026-11-20T09:00:00+00:00"
    keys.authenticate(key)
    assert keys.get(record.id).last_used_at == "2026-11-20T09:00:00+00:00"
    keys.authenticate(key)
    assert keys.get(record.id).last_used_at == "2026-11-20T09:01:01+00:00"


def admin_client(app):
    make_person(app, "boss@example.com", ["admin"])
    client = app.test_client()
    sign_in(client, "boss@example.com", area="admin")
    return client


def test_the_admin_page_makes_a_key_shown_once_lists_and_revokes_it(app) -> None:
    ann = make_person(app, "ann@example.com", ["agent"])
    admin = admin_client(app)
    made = post(
        admin,
        "/admin/keys",
        {"owner": str(ann.id), "role": "agent", "name": "Zendesk sidebar", "expires_days": "30"},
    )
    assert made.status_code == 200
    key = re.search(r'<code class="link">(kb_[\w-]+)</code>', made.text).group(1)
    assert key not in admin.get("/admin/keys").text  # shown that once
    assert (
        app.test_client()
        .post("/api/v1/suggest", json=REFUND_TICKET, headers=bearer(key))
        .status_code
        == 200
    )
    listing = admin.get("/admin/keys").text
    record = services(app).keys.list()[0]
    assert record.prefix in listing and "ann@example.com" in listing
    assert record.last_used_at and record.last_used_at[:16] in listing
    assert record.expires_at[:10] in listing
    post(admin, f"/admin/keys/{record.id}/revoke", page="/admin/keys")
    assert (
        app.test_client()
        .post("/api/v1/suggest", json=REFUND_TICKET, headers=bearer(key))
        .status_code
        == 401
    )
    actions = [(a, t) for a, _, t in audit_actions(app)]
    assert ("key_created", f"{record.prefix}… (Zendesk sidebar)") in actions
    assert ("key_revoked", f"{record.prefix}… (Zendesk sidebar)") in actions


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"role": "admin"}, "no higher role than its owner"),
        ({"role": "agent", "expires_days": "0"}, "expires in 1 to 3650 days"),
        ({"role": "boss"}, "role must be one of"),
        ({"role": "agent", "owner": ""}, "choose the key"),
    ],
)
def test_the_admin_page_refuses_a_key_saying_why(app, form, message) -> None:
    ann = make_person(app, "ann@example.com", ["agent"])
    admin = admin_client(app)
    answer = post(admin, "/admin/keys", {"owner": str(ann.id), **form})
    assert answer.status_code in (400, 403) and message in answer.text
    assert services(app).keys.list() == []


def test_a_disabled_persons_key_stops_through_the_api(app) -> None:
    ann = make_person(app, "ann@example.com", ["agent"])
    key, _ = services(app).keys.create("agent", "", ann.principal("key"))
    client = app.test_client()
    assert (
        client.post("/api/v1/suggest", json=REFUND_TICKET, headers=bearer(key)).status_code == 200
    )
    admin = admin_client(app)
    post(admin, f"/admin/people/{ann.id}/disable", page=f"/admin/people/{ann.id}")
    assert (
        client.post("/api/v1/suggest", json=REFUND_TICKET, headers=bearer(key)).status_code == 401
    )


def test_the_cli_makes_a_key_for_a_person_lists_and_revokes_it(app, runner) -> None:
    from cli import main  # noqa: PLC0415

    make_person(app, "ann@example.com", ["agent"])
    made = runner.invoke(
        main,
        [
            "keys",
            "create",
            "--role",
            "agent",
            "--user",
            "ann@example.com",
            "--name",
            "script",
            "--expires-days",
            "7",
        ],
    )
    assert made.exit_code == 0, made.output
    key = made.stdout.strip()
    too_high = runner.invoke(
        main, ["keys", "create", "--role", "admin", "--user", "ann@example.com"]
    )
    assert too_high.exit_code == 2 and "no higher role" in too_high.output
    listed = runner.invoke(main, ["keys", "list"]).stdout
    assert "owner ann@example.com" in listed and "expires 20" in listed
    assert "last used never" in listed
    record = services(app).keys.list()[0]
    assert runner.invoke(main, ["keys", "revoke", str(record.id)]).exit_code == 0
    with pytest.raises(Unauthorized):
        services(app).keys.authenticate(key)
    assert [a for a, _, _ in audit_actions(app)] == ["key_created", "key_revoked"]
    assert services(app).audit.entries()[0].actor.startswith("command line (")
