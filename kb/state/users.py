"""Staff accounts: a person's name, e-mail address and roles (agent, writer, admin; several at
once), their password (an argon2id hash, kb/state/passwords.py) or single sign-on subject, and
whether they are disabled. Disabling someone ends their sessions at once, and their keys stop
working (kb/state/auth.py checks the owner on every use)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from kb.errors import BadRequest, ConfigurationError, Conflict, NotFound, Unauthorized
from kb.staff_settings import StaffSettings
from kb.state.auth import ROLES, Principal, check_role, highest_role
from kb.state.database import Database, now
from kb.state.passwords import check_password, hash_password, needs_rehash, verify_password

MAX_EMAIL_CHARS = 254  # RFC 5321's limit on a path
MAX_NAME_CHARS = 100
MAX_ID = 2**31 - 1  # a database id (PostgreSQL's integer); a larger one names no one
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_COLUMNS = (
    "id, email, name, roles, password_hash IS NOT NULL, totp_enabled, sso_subject IS NOT NULL,"
    " created_at, disabled_at, last_sign_in_at"
)


@dataclasses.dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    roles: tuple[str, ...]
    has_password: bool
    two_step: bool  # an authenticator app is set up
    single_sign_on: bool  # linked to the identity provider
    created_at: str
    disabled_at: str | None
    last_sign_in_at: str | None

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    def principal(self, method: str) -> Principal:
        """This person as the caller of a request, signed in by `method`."""
        return Principal(
            self.name, highest_role(self.roles), self.id, self.email, self.roles, method
        )


def normalise_email(text: str) -> str:
    """The address as stored (trimmed, lower-case), or BadRequest naming `email`."""
    email = text.strip().lower()
    if len(email) > MAX_EMAIL_CHARS or not _EMAIL.fullmatch(email):
        raise BadRequest("enter an e-mail address like name@example.com", field="email")
    return email


def check_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise BadRequest(f"enter a name of 1 to {MAX_NAME_CHARS} characters", field="name")
    return name


def parse_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Roles in their usual order (agent, writer, admin), each checked; at least one."""
    given = {check_role(role.strip()) for role in roles if role.strip()}
    if not given:
        raise BadRequest(f"choose at least one role of {', '.join(ROLES)}", field="roles")
    return tuple(role for role in ROLES if role in given)


def _user(row: Iterable) -> User:
    values = list(row)
    values[3] = tuple(values[3].split(","))
    values[4], values[5], values[6] = bool(values[4]), bool(values[5]), bool(values[6])
    return User(*values)


class UserStore:
    """Creates, finds and changes staff accounts in the database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(
        self,
        email: str,
        name: str,
        roles: Iterable[str],
        password: str | None = None,
        sso_subject: str | None = None,
    ) -> User:
        """A new account (with a password already checked against the policy, or none yet)."""
        email, name, held = normalise_email(email), check_name(name), parse_roles(roles)
        if self.find_email(email) is not None:
            raise Conflict(f"there is already an account for {email}", field="email")
        hashed = hash_password(password) if password is not None else None
        with self.database.connect() as connection:
            user_id = connection.execute(
                "INSERT INTO users (email, name, roles, password_hash, sso_subject, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (email, name, ",".join(held), hashed, sso_subject, now()),
            ).scalar_one()
        return self.get(user_id)

    def get(self, user_id: int) -> User:
        found = self._one("id = ?", user_id) if 0 < user_id <= MAX_ID else None
        if found is None:
            raise NotFound(f"no user with id {user_id}")
        return found

    def find_email(self, email: str) -> User | None:
        return self._one("email = ?", email.strip().lower())

    def find_subject(self, subject: str) -> User | None:
        """The account linked to a single sign-on subject (issuer and `sub`), if any."""
        return self._one("sso_subject = ?", subject)

    def _one(self, where: str, value: object) -> User | None:
        with self.database.connect() as connection:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM users WHERE {where}", (value,)
            ).fetchone()
        return _user(row) if row is not None else None

    def list(self) -> list[User]:
        with self.database.connect() as connection:
            rows = connection.execute(f"SELECT {_COLUMNS} FROM users ORDER BY email").fetchall()
        return [_user(row) for row in rows]

    def count(self) -> int:
        with self.database.connect() as connection:
            return connection.execute("SELECT COUNT(*) FROM users").scalar_one()

    def principal(self, user_id: int, method: str) -> Principal:
        """The person a session belongs to, while they are enabled (else Unauthorized)."""
        user = self._one("id = ?", user_id)
        if user is None or not user.enabled:
            raise Unauthorized("this account is disabled; ask an admin")
        return user.principal(method)

    def authenticate(self, email: str, password: str) -> User | None:
        """The enabled account with this e-mail address and password, else None. An unknown
        address costs the same hashing as a wrong password."""
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT id, password_hash FROM users WHERE email = ?", (email.strip().lower(),)
            ).fetchone()
        stored = row[1] if row is not None else None
        if not verify_password(stored, password) or row is None:
            return None
        user = self.get(row[0])
        if not user.enabled:
            return None
        if stored is not None and needs_rehash(stored):
            self.set_password(user.id, password, end_sessions=False)
        return user

    def set_password(self, user_id: int, password: str, *, end_sessions: bool = True) -> None:
        """Store a new password (checked against the policy by the caller); every session the
        person had ends, so a reset locks out whoever knew the old one."""
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE users SET password_hash = ? WHERE id = ?",
                (hash_password(password), user_id),
            )
            if end_sessions:
                connection.execute("DELETE FROM staff_sessions WHERE user_id = ?", (user_id,))

    def set_roles(self, user_id: int, roles: Iterable[str]) -> User:
        held = parse_roles(roles)
        self.get(user_id)
        with self.database.connect() as connection:
            connection.execute("UPDATE users SET roles = ? WHERE id = ?", (",".join(held), user_id))
        return self.get(user_id)

    def disable(self, user_id: int) -> User:
        """Disable an account: its sessions end now, and its keys stop working."""
        self.get(user_id)
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL",
                (now(), user_id),
            )
            connection.execute("DELETE FROM staff_sessions WHERE user_id = ?", (user_id,))
        return self.get(user_id)

    def enable(self, user_id: int) -> User:
        self.get(user_id)
        with self.database.connect() as connection:
            connection.execute("UPDATE users SET disabled_at = NULL WHERE id = ?", (user_id,))
        return self.get(user_id)

    def link_subject(self, user_id: int, subject: str) -> None:
        with self.database.connect() as connection:
            connection.execute("UPDATE users SET sso_subject = ? WHERE id = ?", (subject, user_id))

    def signed_in(self, user_id: int) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE users SET last_sign_in_at = ? WHERE id = ?", (now(), user_id)
            )


def first_admin(users: UserStore, settings: StaffSettings) -> User | None:
    """The admin KB_FIRST_ADMIN_EMAIL and KB_FIRST_ADMIN_PASSWORD name, made now; None if
    another process made an account first. A password the policy refuses is a configuration
    error naming the setting."""
    email = settings.first_admin_email
    try:
        check_password(settings.first_admin_password, settings.password_min_length, email)
        return users.create(
            email, email.partition("@")[0], ["admin"], settings.first_admin_password
        )
    except Conflict:
        return None
    except BadRequest as refused:
        name = "PASSWORD" if refused.field == "password" else "EMAIL"
        raise ConfigurationError(f"KB_FIRST_ADMIN_{name}: {refused.message}") from None
