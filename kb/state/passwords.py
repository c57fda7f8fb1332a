"""Passwords: hashed with argon2id (argon2-cffi's RFC 9106 profile), and a policy that checks
length and refuses the most common passwords (the 30,000 of zxcvbn's list) and ones built on
the person's own e-mail name."""

from __future__ import annotations

import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kb.errors import BadRequest

# argon2 costs memory and time per character only up to a point, but an unbounded password is
# still a free way to make the server work: nobody types more than this.
MAX_PASSWORD_CHARS = 256
# A password at least this long whose rest, after its first letters-only part, is only digits
# and punctuation ("password2026!") is as weak as the common word it starts with.
_WORD_THEN_SUFFIX = re.compile(r"([a-z]+)[\d\W_]*")

HASHER = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4


@functools.cache
def _dummy_hash() -> str:
    """Checked against when no account has the e-mail typed, so that an unknown address takes
    as long to refuse as a wrong password and does not give itself away."""
    return HASHER.hash("not anybody's password")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; with no hash, the same work for False."""
    try:
        return HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (then rehash at sign-in)."""
    return HASHER.check_needs_rehash(stored)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The most common passwords (zxcvbn's list, from leaked password sets), lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # noqa: PLC0415 - a large module

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, min_length: int, email: str = "") -> str:
    """The password if the policy takes it, else BadRequest naming `password` and saying why."""
    if len(password) < min_length:
        raise BadRequest(f"use at least {min_length} characters", field="password")
    if len(password) > MAX_PASSWORD_CHARS:
        raise BadRequest(f"use at most {MAX_PASSWORD_CHARS} characters", field="password")
    lowered = password.lower()
    start = _WORD_THEN_SUFFIX.fullmatch(lowered)
    if lowered in common_passwords() or (start and start.group(1) in common_passwords()):
        raise BadRequest(
            "this is one of the most common passwords; choose another", field="password"
        )
    if len(set(lowered)) < 5:
        raise BadRequest("use more different characters", field="password")
    name = email.partition("@")[0].lower()
    if len(name) >= 3 and name in lowered:
        raise BadRequest("do not build the password on your e-mail address", field="password")
    return password
