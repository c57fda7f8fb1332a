"""Who is calling (Principal), and API keys with roles. Keys are random tokens shown once;
only their SHA-256 is stored.

Keys come from the operator's `KB_API_KEYS` (`role:key` pairs, comma separated) and from
`kb keys create` or the admin pages, which store them in the database so they work at once,
without a restart; those belong to a person (kb/state/users.py) and may expire.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from kb.errors import BadRequest, ConfigurationError, Forbidden, NotFound, Unauthorized
from kb.state.database import Database, now

ROLES = ("agent", "writer", "admin")
KEY_PREFIX = "kb_"
MAX_ID = 2**31 - 1  # a database id (PostgreSQL's integer); a larger one names no key


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who made a request: a person (signed in with a password, single sign-on or a key they
    own) or an operator's key. `name` and `email` say who they are (the author of what they
    publish); `roles` what they may do; `method` how they signed in (password, sso or key)."""

    name: str
    role: str  # the highest of `roles`, for messages
    user_id: int | None = None
    email: str = ""
    roles: tuple[str, ...] = ()
    method: str = "key"

    def may(self, role: str) -> bool:
        held = self.roles or (self.role,)
        return "admin" in held or role in held


def highest_role(roles: Iterable[str]) -> str:
    """The role that may do the most of `roles` (admin, then writer, then agent)."""
    held = set(roles)
    return next((role for role in reversed(ROLES) if role in held), "")


@dataclasses.dataclass(frozen=True)
class KeyRecord:
    id: int
    name: str
    role: str
    prefix: str
    created_at: str
    revoked_at: str | None
    owner: str = ""  # the owner's e-mail address; "" for a key nobody owns
    expires_at: str | None = None
    last_used_at: str | None = None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


def parse_env_keys(value: str | None) -> list[tuple[str, str]]:
    """`agent:k1,admin:k2` → [(role, key hash)]; a malformed entry is an error naming it."""
    entries = []
    for number, entry in enumerate(filter(None, (p.strip() for p in (value or "").split(","))), 1):
        role, sep, key = entry.partition(":")
        if not sep or role not in ROLES or len(key) < 16:
            raise ConfigurationError(
                f"KB_API_KEYS entry {number} must be role:key with a role of {', '.join(ROLES)} "
                "and a key of at least 16 characters"
            )
        entries.append((role, hash_key(key)))
    return entries


# A key's use is written at most this often: no database write per request.
TOUCH_EVERY = dt.timedelta(minutes=1)
_KEY_COLUMNS = (
    "k.id, k.name, k.role, k.prefix, k.created_at, k.revoked_at, COALESCE(u.email, ''),"
    " k.expires_at, k.last_used_at"
)


class KeyStore:
    """Checks keys against the operator's list and the database, in constant time per key.
    A key in the database may belong to a person: it works only while they are enabled and
    still hold its role, and never past its expiry."""

    def __init__(self, database: Database, env_keys: Iterable[tuple[str, str]] = ()) -> None:
        self.database = database
        self.env_keys = list(env_keys)

    def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise Unauthorized("send an API key: Authorization: Bearer <key>")
        return self.authenticate_hash(hash_key(key))

    def authenticate_hash(self, digest: str) -> Principal:
        """Check a key by its hash (what a signed-in console session keeps), so a revoked key
        stops working at once everywhere."""
        for role, stored in self.env_keys:
            if hmac.compare_digest(digest, stored):
                return Principal("operator key", role)
        moment = now()
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT k.id, k.name, k.role, k.key_hash, k.expires_at, k.last_used_at,"
                " u.id, u.name, u.email, u.roles, u.disabled_at"
                " FROM api_keys k LEFT JOIN users u ON u.id = k.user_id"
                " WHERE k.key_hash = ? AND k.revoked_at IS NULL",
                (digest,),
            ).fetchone()
            if row is None or not hmac.compare_digest(row[3], digest):
                raise Unauthorized("the API key is not valid")
            key_id, name, role, _, expires_at, last_used, user_id, owner, email, roles, off = row
            if expires_at is not None and expires_at <= moment:
                raise Unauthorized("the API key has expired")
            if user_id is not None and (off is not None or role not in _may_do(roles)):
                raise Unauthorized("the API key's owner is disabled or no longer has its role")
            if last_used is None or last_used <= _stamp_before(moment, TOUCH_EVERY):
                connection.execute(
                    "UPDATE api_keys SET last_used_at = ? WHERE id = ?", (moment, key_id)
                )
        if user_id is None:
            return Principal(name, role)
        return Principal(owner, role, user_id, email, (role,), "key")

    def create(
        self,
        role: str,
        name: str = "",
        owner: Principal | None = None,
        expires_at: str | None = None,
    ) -> tuple[str, KeyRecord]:
        """A new key, for `owner` if given (then with a role they hold); the plain key is
        returned once and never stored."""
        check_role(role)
        if owner is not None and not owner.may(role):
            raise Forbidden(
                f"a key may have no higher role than its owner: {owner.email} may not act as "
                f"{role}",
                field="role",
            )
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        created = now()
        label = name or f"{role} key"
        user_id = owner.user_id if owner is not None else None
        with self.database.connect() as connection:
            key_id = connection.execute(
                "INSERT INTO api_keys (name, role, key_hash, prefix, created_at, user_id,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (label, role, hash_key(key), key[:7], created, user_id, expires_at),
            ).scalar_one()
        email = owner.email if owner is not None else ""
        return key, KeyRecord(key_id, label, role, key[:7], created, None, email, expires_at)

    def list(self, user_id: int | None = None) -> list[KeyRecord]:
        """Every key (or one person's), newest last."""
        where, params = ("WHERE k.user_id = ?", (user_id,)) if user_id is not None else ("", ())
        with self.database.connect() as connection:
            rows = connection.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_keys k LEFT JOIN users u ON u.id = k.user_id"
                f" {where} ORDER BY k.id",
                params,
            ).fetchall()
        return [KeyRecord(*row) for row in rows]

    def get(self, key_id: int) -> KeyRecord:
        if not 0 < key_id <= MAX_ID:
            raise NotFound(f"no key with id {key_id}")
        with self.database.connect() as connection:
            row = connection.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_keys k LEFT JOIN users u ON u.id = k.user_id"
                " WHERE k.id = ?",
                (key_id,),
            ).fetchone()
        if row is None:
            raise NotFound(f"no key with id {key_id}")
        return KeyRecord(*row)

    def revoke(self, key_id: int) -> None:
        if not 0 < key_id <= MAX_ID:
            raise NotFound(f"no active key with id {key_id}")
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now(), key_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no active key with id {key_id}")


def _may_do(roles: str | None) -> set[str]:
    """The roles a person's stored roles (comma separated) let them act as."""
    held = set((roles or "").split(","))
    return set(ROLES) if "admin" in held else held


def _stamp_before(stamp: str, delta: dt.timedelta) -> str:
    moment = dt.datetime.fromisoformat(stamp) - delta
    return moment.isoformat(timespec="seconds")
