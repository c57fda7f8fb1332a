"""Single sign-on with OpenID Connect (Authlib's Flask client): the sign-in pages send the person
to the identity provider (KB_OIDC_ISSUER), which sends them back here with a code; Authlib
exchanges it for an ID token and checks the token's signature (the provider's published keys),
issuer, audience (our client id), expiry and nonce. kb/state/single_sign_on.py then maps its
claims to an account and roles. Every refusal is audited and shown on the sign-in page."""

from __future__ import annotations

import dataclasses
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, session, url_for
from joserfc.errors import JoseError

from kb.errors import KBError
from kb.settings import Settings
from kb.state.single_sign_on import parse_role_map, sign_on
from web.auth import audit, start_session
from web.services import services
from web.sign_in import land
from web.staff import AREAS

blueprint = Blueprint("single_sign_on", __name__, url_prefix="/staff/sso")
AREA = "sso_area"  # the area the person was signing in to, kept in the session meanwhile
# Clocks differ a little between the provider and us; a token older than this is expired.
LEEWAY_SECONDS = 30
TIMEOUT_SECONDS = 10


@dataclasses.dataclass(frozen=True)
class Provider:
    """The configured identity provider: Authlib's client and the group → roles map."""

    client: Any  # authlib's FlaskOAuth2App, which has no type information
    issuer: str
    role_map: dict[str, set[str]]


def register(app: Flask, settings: Settings) -> None:
    """The single sign-on pages, and the provider when KB_OIDC_ISSUER names one (a wrong role
    map stops the app at start, naming the setting)."""
    app.register_blueprint(blueprint)
    if not settings.oidc_issuer:
        return
    role_map = parse_role_map(settings.oidc_role_map)
    oauth = OAuth(app)
    client = oauth.register(
        "provider",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "default_timeout": TIMEOUT_SECONDS},
    )
    app.extensions["kb_single_sign_on"] = Provider(client, settings.oidc_issuer, role_map)


def provider() -> Provider:
    found = current_app.extensions.get("kb_single_sign_on")
    if found is None:
        abort(404)
    return found


def _area(role: str):
    return next((area for area in AREAS if area.role == role), AREAS[0])


@blueprint.get("")
def start():
    """Off to the identity provider, remembering which area's sign-in the person came from."""
    chosen = provider()
    session[AREA] = _area(request.args.get("area", "")).role
    base = services().settings.public_url or request.url_root
    back = base.rstrip("/") + url_for("single_sign_on.callback")
    try:
        return chosen.client.authorize_redirect(back)
    except (requests.RequestException, ValueError) as failed:  # no answer, or not JSON
        return _refused(None, f"the identity provider cannot be reached ({type(failed).__name__})")


@blueprint.get("/callback")
def callback():
    """Back from the provider: check its ID token, find or make the account, sign in."""
    chosen = provider()
    try:
        token = chosen.client.authorize_access_token(
            # Authlib checks the audience only when told to: a token the provider issued to
            # another client must not sign in here, whatever its azp says.
            claims_options={
                "iss": {"essential": True, "values": [chosen.issuer]},
                "aud": {"essential": True, "values": [chosen.client.client_id]},
            },
            leeway=LEEWAY_SECONDS,
        )
    except (AuthlibBaseError, JoseError) as failed:  # a bad state, the provider's error, a
        # token with a wrong signature, issuer, audience, nonce, or expired
        return _refused(None, failed.description or failed.error or type(failed).__name__)
    except requests.RequestException as failed:
        return _refused(None, f"the identity provider cannot be reached ({type(failed).__name__})")
    claims = token.get("userinfo")
    if not claims:
        return _refused(None, "the identity provider sent no ID token")
    settings = services().settings
    try:
        signed = sign_on(
            services().users,
            chosen.issuer,
            dict(claims),
            settings.oidc_roles_claim,
            chosen.role_map,
        )
    except KBError as refused:
        return _refused(str(claims.get("email") or ""), refused.message)
    area = _area(session.pop(AREA, ""))  # before the new session clears the old one's data
    principal = signed.user.principal("sso")
    if signed.created:
        audit("user_created", principal, target=signed.user.email, detail="at single sign-on")
    elif signed.roles_before != signed.user.roles:
        audit(
            "roles_changed",
            principal,
            target=signed.user.email,
            detail=f"{', '.join(signed.roles_before)} → {', '.join(signed.user.roles)} "
            "from the identity provider",
        )
    start_session(principal)
    return land(area.role, f"open {area.label}", area.endpoint)


def _refused(email: str | None, reason: str):
    """Back to the sign-in page the person came from, saying why; audited."""
    known = services().users.find_email(email) if email else None
    audit(
        "sign_in_failed",
        None,
        target=known.email if known else "",
        detail=f"single sign-on: {reason}",
    )
    flash(f"Single sign-on did not sign you in: {reason}.", "error")
    return redirect(url_for(_area(session.pop(AREA, "")).login))
