"""API keys with roles. Keys are random tokens shown once; only their SHA-256 is stored.

Keys come from the operator's `KB_API_KEYS` (`role:key` pairs, comma separated) and from
`kb keys create`, which stores them in the database so they work at once, without a restart.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from kb.errors import BadRequest, ConfigurationError, NotFound, Unauthorized
from kb.state.database import Database, now

ROLES = ("agent", "writer", "admin")
KEY_PREFIX = "kb_"


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who made a request: a key's name and role."""

    name: str
    role: str

    def may(self, role: str) -> bool:
        return self.role == "admin" or self.role == role


@dataclasses.dataclass(frozen=True)
class KeyRecord:
    id: int
    name: str
    role: str
    prefix: str
    created_at: str
    revoked_at: str | None


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


class KeyStore:
    """Checks keys against the operator's list and the database, in constant time per key."""

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
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT name, role, key_hash FROM api_keys"
                " WHERE key_hash = ? AND revoked_at IS NULL",
                (digest,),
            ).fetchone()
        if row is None or not hmac.compare_digest(row[2], digest):
            raise Unauthorized("the API key is not valid")
        return Principal(row[0], row[1])

    def create(self, role: str, name: str = "") -> tuple[str, KeyRecord]:
        """A new key; the plain key is returned once and never stored."""
        check_role(role)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        created = now()
        with self.database.connect() as connection:
            key_id = connection.execute(
                "INSERT INTO api_keys (name, role, key_hash, prefix, created_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (name or f"{role} key", role, hash_key(key), key[:7], created),
            ).scalar_one()
            record = KeyRecord(key_id, name or f"{role} key", role, key[:7], created, None)
        return key, record

    def list(self) -> list[KeyRecord]:
        with self.database.connect() as connection:
            rows = connection.execute(
                "SELECT id, name, role, prefix, created_at, revoked_at FROM api_keys ORDER BY id"
            ).fetchall()
        return [KeyRecord(*row) for row in rows]

    def revoke(self, key_id: int) -> None:
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now(), key_id),
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no active key with id {key_id}")
