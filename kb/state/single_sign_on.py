"""Single sign-on (OpenID Connect): who an identity provider's verified claims say a person is,
and what they may do here. The web layer runs the protocol (Authlib checks the ID token's
signature, issuer, audience, expiry and nonce); this module only maps its claims to an account.

A claim (`groups` by default) names the person's groups; `KB_OIDC_ROLE_MAP` maps groups to roles.
The provider is the source of truth: roles are set from the claim at every sign-in, and a person
whose groups map to no role is refused. An account is created at the first sign-in, or linked to
an existing account of the same e-mail address when the provider says the address is verified.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from kb.errors import ConfigurationError, Forbidden, Unauthorized
from kb.state.auth import ROLES
from kb.state.users import MAX_NAME_CHARS, User, UserStore, normalise_email


def parse_role_map(text: str) -> dict[str, set[str]]:
    """`kb-admins:admin, support:agent` → {group: {roles}}; a group may be named twice."""
    mapping: dict[str, set[str]] = {}
    for number, entry in enumerate(filter(None, (p.strip() for p in text.split(","))), 1):
        group, sep, role = entry.rpartition(":")
        if not sep or not group.strip() or role.strip() not in ROLES:
            raise ConfigurationError(
                f"KB_OIDC_ROLE_MAP entry {number} must be group:role with a role of "
                f"{', '.join(ROLES)}"
            )
        mapping.setdefault(group.strip(), set()).add(role.strip())
    return mapping


def groups_in(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The groups a claim names: a list, or one string of names separated by spaces or commas."""
    value = claims.get(claim)
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list):
        return [str(item) for item in value]
    return []


def roles_for(groups: list[str], role_map: Mapping[str, set[str]]) -> tuple[str, ...]:
    held = set().union(*(role_map.get(group, set()) for group in groups))
    return tuple(role for role in ROLES if role in held)


@dataclasses.dataclass(frozen=True)
class SignedOn:
    """The account a single sign-on landed on, and what changed on the way."""

    user: User
    created: bool
    roles_before: tuple[str, ...]


def sign_on(
    users: UserStore,
    issuer: str,
    claims: Mapping[str, Any],
    claim: str,
    role_map: Mapping[str, set[str]],
) -> SignedOn:
    """The account for these verified claims (made or linked at the first sign-in), with the
    roles the claim gives; Forbidden when it gives none or the account cannot be linked."""
    subject_id = str(claims.get("sub") or "")
    if not subject_id or not claims.get("email"):
        raise Forbidden("the identity provider sent no subject or e-mail address")
    email = normalise_email(str(claims["email"]))
    groups = groups_in(claims, claim)
    roles = roles_for(groups, role_map)
    if not roles:
        named = ", ".join(groups) or "none"
        raise Forbidden(f"your groups ({named}) give you no role in this help center; ask an admin")
    subject = f"{issuer}|{subject_id}"
    user = users.find_subject(subject)
    created = False
    if user is None:
        user = users.find_email(email)
        if user is not None and user.single_sign_on:
            raise Forbidden(f"the account for {email} is linked to another sign-on identity")
        if user is not None and claims.get("email_verified") is not True:
            raise Forbidden(
                f"there is already an account for {email}, and the identity provider does "
                "not say the address is verified"
            )
        if user is None:
            name = str(claims.get("name") or email.partition("@")[0])[:MAX_NAME_CHARS]
            user = users.create(email, name, roles, sso_subject=subject)
            created = True
        else:
            users.link_subject(user.id, subject)
    if not user.enabled:
        raise Unauthorized("this account is disabled; ask an admin")
    before = user.roles
    if before != roles:
        user = users.set_roles(user.id, roles)
    return SignedOn(user, created, before)
