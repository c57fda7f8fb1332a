"""The settings of staff sign-in: sessions, lockout, passwords, invitation and reset links, the
first admin, and single sign-on (OpenID Connect). kb.settings.Settings has them all; they live
here to keep each module short. Each maps to the environment variable `KB_<NAME>`."""

from __future__ import annotations

import dataclasses
from typing import Any

from kb.errors import ConfigurationError


def _setting(default: Any, help: str) -> Any:
    return dataclasses.field(default=default, metadata={"help": help})


def _secret(help: str) -> Any:
    """A setting never shown in a repr (nor so in a log or traceback)."""
    return dataclasses.field(default="", repr=False, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class StaffSettings:
    """How staff sign in."""

    public_url: str = _setting(
        "",
        "The address staff reach the help center at (https://help.example.com), used in the "
        "links of invitation and password-reset e-mails and as single sign-on's return address; "
        "empty = the address of the request (and no self-service password reset by e-mail).",
    )
    password_sign_in: str = _setting(
        "on", "Staff may sign in with e-mail and password: `on`, or `off` (single sign-on only)."
    )
    session_idle_minutes: int = _setting(
        60, "A signed-in staff session ends after this many minutes without a request."
    )
    session_max_hours: int = _setting(
        12, "A signed-in staff session ends this many hours after sign-in, however active."
    )
    lockout_rate_limit: str = _setting(
        "5 per 15 minutes; 10 per hour; 20 per day",
        "Failed sign-ins (wrong password or two-step code) per account before it is locked; "
        "each longer window locks it for longer (counted in the rate-limit store).",
    )
    password_min_length: int = _setting(12, "The fewest characters a staff password may have.")
    invitation_hours: int = _setting(72, "How long an invitation link works (once).")
    password_reset_minutes: int = _setting(60, "How long a password-reset link works (once).")
    first_admin_email: str = _setting(
        "",
        "With KB_FIRST_ADMIN_PASSWORD: the admin account created at start when there is no "
        "account yet (else use `kb users create-admin`).",
    )
    first_admin_password: str = _secret(
        "The first admin's password (see KB_FIRST_ADMIN_EMAIL); used once."
    )
    oidc_issuer: str = _setting(
        "",
        "Single sign-on: the OpenID Connect provider's issuer URL (its "
        "/.well-known/openid-configuration is read); empty = no single sign-on.",
    )
    oidc_client_id: str = _setting("", "Single sign-on: this help center's client id.")
    oidc_client_secret: str = _secret("Single sign-on: this help center's client secret.")
    oidc_scopes: str = _setting(
        "openid email profile", "Single sign-on: the scopes asked for (space separated)."
    )
    oidc_roles_claim: str = _setting(
        "groups", "Single sign-on: the ID token claim that names a person's groups or roles."
    )
    oidc_role_map: str = _setting(
        "",
        "Single sign-on: `group:role` pairs, comma separated (roles agent, writer, admin); a "
        "person whose groups map to no role is refused.",
    )

    def validate_staff_settings(self) -> None:
        """ConfigurationError naming the first staff setting that is wrong."""
        for name in ("session_idle_minutes", "session_max_hours"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"KB_{name.upper()} must be a positive whole number")
        if self.password_sign_in not in ("on", "off"):
            raise ConfigurationError("KB_PASSWORD_SIGN_IN must be 'on' or 'off'")
        if self.password_sign_in == "off" and not self.oidc_issuer:
            raise ConfigurationError(
                "KB_PASSWORD_SIGN_IN=off needs single sign-on (KB_OIDC_ISSUER), or nobody could "
                "sign in"
            )
        if self.oidc_issuer and not (
            self.oidc_issuer.startswith(("https://", "http://")) and self.oidc_client_id
        ):
            raise ConfigurationError(
                "KB_OIDC_ISSUER must be an http(s):// URL, with KB_OIDC_CLIENT_ID set"
            )
        if self.public_url and not self.public_url.startswith(("https://", "http://")):
            raise ConfigurationError("KB_PUBLIC_URL must start with https:// (or http://)")
        if not 8 <= self.password_min_length <= 128:
            raise ConfigurationError("KB_PASSWORD_MIN_LENGTH must be from 8 to 128")
        if self.invitation_hours < 1 or self.password_reset_minutes < 5:
            raise ConfigurationError(
                "KB_INVITATION_HOURS must be at least 1 and KB_PASSWORD_RESET_MINUTES at least 5"
            )
        if bool(self.first_admin_email) != bool(self.first_admin_password):
            raise ConfigurationError(
                "set KB_FIRST_ADMIN_EMAIL and KB_FIRST_ADMIN_PASSWORD together, or neither"
            )
