"""Two-step verification: a code from an authenticator app (TOTP, RFC 6238, 30-second steps)
after the password, or one of ten single-use recovery codes when the phone is lost.

A code is accepted for the step before and after the current one (clocks drift), and each step
at most once: a code seen over someone's shoulder cannot be replayed. Recovery codes are kept
as SHA-256 hashes (they are random, 50 bits each: a slow hash would add nothing)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp

from kb.errors import BadRequest, Conflict
from kb.state.database import Database, now

RECOVERY_CODES = 10
STEP_SECONDS = 30
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o or 1/l/i to misread


def new_secret() -> str:
    return pyotp.random_base32()


def setup_uri(secret: str, email: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads (from a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _code_hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str, after_step: int, moment: float | None = None) -> int:
    """The time step `code` belongs to (this one, the one before or after), if later than
    `after_step`; 0 when it matches none."""
    code = _normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return 0
    totp = pyotp.TOTP(secret)
    current = int((time.time() if moment is None else moment) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return 0


class TwoStep:
    """Turns two-step verification on and off for an account and checks its codes."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def start_setup(self, user_id: int) -> str:
        """A new secret for the account, not in force until confirmed with a code from it."""
        secret = new_secret()
        with self.database.connect() as connection:
            cursor = connection.execute(
                "UPDATE users SET totp_secret = ? WHERE id = ? AND totp_enabled = 0",
                (secret, user_id),
            )
            if cursor.rowcount == 0:
                raise Conflict("two-step verification is already on; turn it off first")
        return secret

    def pending_secret(self, user_id: int) -> str | None:
        with self.database.connect() as connection:
            return connection.execute(
                "SELECT totp_secret FROM users WHERE id = ? AND totp_enabled = 0", (user_id,)
            ).scalar_one_or_none()

    def confirm_setup(self, user_id: int, code: str) -> list[str]:
        """Turn it on once the app shows the right code; returns the recovery codes, which are
        shown this once."""
        secret = self.pending_secret(user_id)
        step = matching_step(secret, code, 0) if secret else 0
        if not step:
            raise BadRequest("that code is not the one the app shows; try the next", field="code")
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE users SET totp_enabled = 1, totp_last_step = ? WHERE id = ?",
                (step, user_id),
            )
        return self.new_recovery_codes(user_id)

    def turn_off(self, user_id: int) -> None:
        with self.database.connect() as connection:
            connection.execute(
                "UPDATE users SET totp_enabled = 0, totp_secret = NULL, totp_last_step = 0"
                " WHERE id = ?",
                (user_id,),
            )
            connection.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))

    def verify(self, user_id: int, code: str) -> str:
        """ "app" if the code is the app's for now (each step once), "recovery" if it is an
        unused recovery code (now used up), else ""."""
        with self.database.connect() as connection:
            row = connection.execute(
                "SELECT totp_secret, totp_last_step FROM users WHERE id = ? AND totp_enabled = 1",
                (user_id,),
            ).fetchone()
            if row is None:
                return ""
            step = matching_step(row[0], code, row[1])
            if step:
                # Only if no other request took this step meanwhile.
                taken = connection.execute(
                    "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                    (step, user_id, step),
                ).rowcount
                return "app" if taken == 1 else ""
        return "recovery" if self.use_recovery_code(user_id, code) else ""

    def use_recovery_code(self, user_id: int, code: str) -> bool:
        with self.database.connect() as connection:
            return (
                connection.execute(
                    "UPDATE recovery_codes SET used_at = ?"
                    " WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                    (now(), user_id, _code_hash(code)),
                ).rowcount
                == 1
            )

    def new_recovery_codes(self, user_id: int) -> list[str]:
        """Ten new codes (xxxxx-xxxxx) replacing any earlier ones; only their hashes are kept."""
        codes = [
            "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(2))
            for _ in range(RECOVERY_CODES)
        ]
        with self.database.connect() as connection:
            connection.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
            connection.executemany(
                "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
                [(user_id, _code_hash(code)) for code in codes],
            )
        return codes

    def recovery_codes_left(self, user_id: int) -> int:
        with self.database.connect() as connection:
            return connection.execute(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
                (user_id,),
            ).scalar_one()
