"""The role matrix: every staff page and every API operation that needs a role, tried by nobody
and by people with each role (and two at once), signed in with a password or calling with a key
they own. Each may open exactly what their roles allow; the rest sends them to sign in (pages)
or answers 401/403 (API)."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import PASSWORD, csrf, make_person, services, sign_in
from tests.helpers import auth
from web.openapi import OPERATIONS

# Which role each staff prefix needs (None: any signed-in person).
PREFIXES = {"/agent": "agent", "/writer": "writer", "/admin": "admin", "/staff/account": None}
SAMPLES = {
    "slug": "refund-approval-rules",
    "draft_id": "no-such-draft",
    "name": "summary",
    "user_id": 1,
    "key_id": 1,
    "job_id": "no-such-job",  # the writer studio's
    "group_id": "no-such-group",
    "ticket_id": "no-such-ticket",
}
# Open to anyone: the sidebar a help desk frames holds no data itself (no cookies reach it in the
# frame); its script calls the API with the agent key the help desk passes it.
OPEN_PAGES = {"/agent/sidebar"}
PEOPLE = {
    "agent": ("agent",),
    "writer": ("writer",),
    "admin": ("admin",),
    "agent and writer": ("agent", "writer"),
}


def staff_pages(app) -> list[tuple[str, str | None]]:
    """(path, role needed) of every GET page under a staff prefix but the sign-in pages."""
    pages = []
    for rule in app.url_map.iter_rules():
        prefix = next(
            (p for p in PREFIXES if rule.rule == p or rule.rule.startswith(p + "/")), None
        )
        if prefix is None or "GET" not in rule.methods or rule.rule.endswith("/login"):
            continue
        if rule.rule in OPEN_PAGES:
            continue
        path = rule.build({a: SAMPLES[a] for a in rule.arguments}, append_unknown=False)[1]
        pages.append((path, PREFIXES[prefix]))
    return sorted(pages)


def may(roles: tuple[str, ...], needed: str | None) -> bool:
    return needed is None or "admin" in roles or needed in roles


def test_the_matrix_covers_every_staff_area(app) -> None:
    needed = {role for _, role in staff_pages(app)}
    assert needed == {"agent", "writer", "admin", None}
    assert len(staff_pages(app)) >= 12


@pytest.mark.parametrize("person", [None, *PEOPLE])
def test_each_person_opens_exactly_the_staff_pages_their_roles_allow(app, person) -> None:
    client = app.test_client()
    roles: tuple[str, ...] = ()
    if person is not None:
        roles = PEOPLE[person]
        make_person(app, "someone@example.com", roles)
        assert sign_in(client, "someone@example.com", PASSWORD).status_code == 302
    for path, needed in staff_pages(app):
        response = client.get(path)
        if person is not None and may(roles, needed):
            assert response.status_code in (200, 404), (person, path, response.status_code)
        else:
            assert response.status_code == 302, (person, path, response.status_code)
            assert response.headers["Location"].endswith("/login"), (person, path)


def role_operations() -> list:
    return [op for op in OPERATIONS if op.role]


def call(client, op, headers: dict):
    path = op.rule
    for name in op.path_parameters:
        path = path.replace(f"<{name}>", str(SAMPLES.get(name, "x")))
    return client.open(
        path, method=op.method, headers=headers, json={} if op.body is not None else None
    )


@pytest.mark.parametrize("person", [None, *PEOPLE])
def test_each_persons_key_reaches_exactly_the_api_operations_its_role_allows(app, person) -> None:
    assert len(role_operations()) >= 5
    client = app.test_client()
    keys = {}
    if person is not None:
        owner = make_person(app, "someone@example.com", PEOPLE[person], password=None)
        for role in PEOPLE[person]:
            keys[role], _ = services(app).keys.create(role, "", owner.principal("key"))
    for op in role_operations():
        if person is None:
            assert call(client, op, {}).status_code == 401, op.rule
            continue
        for role, key in keys.items():
            status = call(client, op, auth(key)).status_code
            if may((role,), op.role):
                assert status not in (401, 403), (person, role, op.method, op.rule, status)
            else:
                assert status == 403, (person, role, op.method, op.rule, status)


@pytest.mark.parametrize("person", list(PEOPLE))
def test_a_signed_in_persons_session_reaches_the_api_their_roles_allow(app, person) -> None:
    """The agent console and the dashboard call the API with the session (and its CSRF token)."""
    roles = PEOPLE[person]
    make_person(app, "someone@example.com", roles)
    client = app.test_client()
    sign_in(client, "someone@example.com")
    headers = {"X-CSRFToken": csrf(client, "/staff/account")}
    for op in role_operations():
        status = call(client, op, headers).status_code
        if may(roles, op.role):
            assert status not in (401, 403), (person, op.method, op.rule, status)
        else:
            assert status == 403, (person, op.method, op.rule, status)


def staff_actions(app) -> list[tuple[str, str]]:
    """(path, role needed) of every POST under the agent, writer and admin areas, but signing
    in and out."""
    actions = []
    for rule in app.url_map.iter_rules():
        prefix = next((p for p in ("/agent", "/writer", "/admin") if rule.rule.startswith(p)), None)
        if (
            prefix is None
            or "POST" not in rule.methods
            or rule.rule.endswith(("/login", "/logout"))
        ):
            continue
        path = rule.build({a: SAMPLES[a] for a in rule.arguments}, append_unknown=False)[1]
        actions.append((path, PREFIXES[prefix]))
    return sorted(actions)


@pytest.mark.parametrize("person", list(PEOPLE))
def test_no_one_does_what_their_roles_do_not_allow(app, person) -> None:
    roles = PEOPLE[person]
    make_person(app, "someone@example.com", roles)
    target = make_person(app, "target@example.com", ["agent"], name="Target")
    client = app.test_client()
    sign_in(client, "someone@example.com")
    token = csrf(client, "/staff/account")
    refused = [(path, needed) for path, needed in staff_actions(app) if not may(roles, needed)]
    assert refused or person == "admin"
    for path, _ in refused:
        path = path.replace("/people/1", f"/people/{target.id}")
        response = client.post(
            path,
            data={
                "csrf_token": token,
                "roles": ["admin"],
                "email": "new@example.com",
                "name": "New",
            },
        )
        assert response.status_code == 302, (person, path, response.status_code)
        assert response.headers["Location"].endswith("/login"), (person, path)
    after = services(app).users.get(target.id)
    assert after.roles == ("agent",) and after.enabled
    assert services(app).users.find_email("new@example.com") is None
