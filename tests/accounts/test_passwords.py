"""Passwords: argon2id hashes, a policy that names what is wrong, and accounts found by e-mail
and password (an unknown address costs the same hashing as a wrong password)."""

from __future__ import annotations

import pytest

from kb.errors import BadRequest, Conflict
from kb.state import passwords
from kb.state.users import UserStore
from tests.accounts.conftest import PASSWORD


def test_passwords_are_stored_as_argon2id_hashes(make_database) -> None:
    users = UserStore(make_database())
    user = users.create("ann@example.com", "Ann", ["agent"], PASSWORD)
    with users.database.connect() as connection:
        stored = connection.execute("SELECT password_hash FROM users").scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert users.authenticate("ANN@example.com ", PASSWORD) == user
    assert users.authenticate("ann@example.com", PASSWORD + "x") is None


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-one", "at least 12 characters"),
        ("password2026!", "most common passwords"),
        ("qwerty123456", "most common passwords"),
        ("LeaveMeAlone", "most common passwords"),
        ("abababababababab", "more different characters"),
        ("ann.smith-is-the-best", "e-mail address"),
        ("x" * 300, "at most 256"),
    ],
)
def test_the_policy_refuses_weak_passwords_saying_why(password: str, why: str) -> None:
    with pytest.raises(BadRequest) as refused:
        passwords.check_password(password, 12, "ann.smith@example.com")
    assert why in refused.value.message and refused.value.field == "password"


def test_the_policy_takes_a_long_unusual_passphrase() -> None:
    assert passwords.check_password(PASSWORD, 12, "ann@example.com") == PASSWORD


def test_an_unknown_address_costs_a_hash_too(make_database, monkeypatch) -> None:
    users = UserStore(make_database())
    users.create("ann@example.com", "Ann", ["agent"], PASSWORD)
    checked = []

    class Counting(passwords.PasswordHasher):
        def verify(self, hash, password) -> bool:  # noqa: A002 - argon2's own names
            checked.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "HASHER", Counting(time_cost=1, memory_cost=1024, parallelism=1))
    assert users.authenticate("nobody@example.com", PASSWORD) is None
    assert users.authenticate("ann@example.com", "wrong password") is None
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)


def test_a_disabled_account_cannot_sign_in_with_its_password(make_database) -> None:
    users = UserStore(make_database())
    ann = users.create("ann@example.com", "Ann", ["agent"], PASSWORD)
    users.disable(ann.id)
    assert users.authenticate("ann@example.com", PASSWORD) is None
    users.enable(ann.id)
    assert users.authenticate("ann@example.com", PASSWORD) is not None


def test_a_weaker_hash_is_replaced_at_sign_in(make_database, monkeypatch) -> None:
    users = UserStore(make_database())
    users.create("ann@example.com", "Ann", ["agent"], PASSWORD)
    stronger = passwords.PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    users.authenticate("ann@example.com", PASSWORD)
    with users.database.connect() as connection:
        stored = connection.execute("SELECT password_hash FROM users").scalar_one()
    assert "m=2048,t=2" in stored


@pytest.mark.parametrize(
    ("email", "name", "roles", "field"),
    [
        ("not-an-address", "Ann", ["agent"], "email"),
        ("ann@example.com", "", ["agent"], "name"),
        ("ann@example.com", "Ann", [], "roles"),
        ("ann@example.com", "Ann", ["boss"], "role"),
    ],
)
def test_a_bad_account_names_the_field(make_database, email, name, roles, field) -> None:
    with pytest.raises(BadRequest) as refused:
        UserStore(make_database()).create(email, name, roles)
    assert refused.value.field == field


def test_one_account_per_address(make_database) -> None:
    users = UserStore(make_database())
    users.create("ann@example.com", "Ann", ["agent"])
    with pytest.raises(Conflict) as refused:
        users.create("Ann@Example.com", "Ann again", ["writer"])
    assert refused.value.field == "email"


def test_several_roles_are_kept_in_their_usual_order(make_database) -> None:
    users = UserStore(make_database())
    ann = users.create("ann@example.com", "Ann", ["writer", "agent", "writer"])
    assert ann.roles == ("agent", "writer")
    principal = ann.principal("password")
    assert principal.may("agent") and principal.may("writer") and not principal.may("admin")
    assert (principal.name, principal.email, principal.role) == ("Ann", "ann@example.com", "writer")
