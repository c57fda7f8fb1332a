"""Signing in as a person: e-mail and password, then (when it is on for them, or required for
everyone) a code from an authenticator app or a recovery code. Each area's sign-in page (agent,
writer, admin) also offers single sign-on when it is set up, and an operator's API key.

Failed passwords and codes count against the account (its lockout, in the rate-limit store,
keyed by a hash of the address typed) and against the client's address; both are audited."""

from __future__ import annotations

import hashlib
import time

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from kb.errors import BadRequest, RateLimited
from kb.state.two_step import setup_uri
from kb.state.users import User
from web.auth import audit, sign_in, sign_out, signed_in_staff, start_session
from web.services import services
from web.staff import AREAS

blueprint = Blueprint("sign_in", __name__)
PENDING = "pending_sign_in"  # in the signed session cookie, between the password and the code
PENDING_SECONDS = 300


def login_page(role: str, purpose: str, heading: str, success_endpoint: str):
    """A sign-in page for a role's pages: GET shows it (e-mail and password, single sign-on
    when it is set up, an operator's API key), POST signs in (then on to the area, or to the
    two-step code) or shows why not."""
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if "key" in request.form:
            error = sign_in(request.form.get("key", ""), role, purpose)
            if error is None:
                return redirect(url_for(success_endpoint))
            errors["key"], status = error, 401
        else:
            try:
                user = password_sign_in(
                    request.form.get("email", ""), request.form.get("password", "")
                )
            except RateLimited as refused:
                errors["password"], status = refused.message, 429
            else:
                if user is not None:
                    return after_password(user, role, purpose, success_endpoint)
                errors["password"], status = "That e-mail address and password do not match.", 401
    return render_sign_in(role, purpose, heading, errors), status


def render_sign_in(role: str, purpose: str, heading: str, errors: dict[str, str]) -> str:
    settings = services().settings
    someone = signed_in_staff()
    return render_template(
        "sign_in.html",
        title=f"{role.capitalize()} sign-in",
        heading=heading,
        role=role,
        keys=f"{role} or admin" if role != "admin" else "admin",
        errors=errors,
        passwords=settings.password_sign_in == "on",
        single_sign_on=bool(settings.oidc_issuer),
        elsewhere=someone if someone is not None and not someone.may(role) else None,
        purpose=purpose,
        email=request.form.get("email", ""),
    )


def account_key(email: str) -> str:
    """What an account's lockout is counted under: a hash, so the rate-limit store never holds
    an address (nor whatever else was typed)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def password_sign_in(email: str, password: str) -> User | None:
    """The account if the password is right (None if not, audited); RateLimited while the
    client address or the account is past its limits."""
    if services().settings.password_sign_in != "on":
        raise BadRequest("sign in with single sign-on", field="password")
    limits = services().rate_limits
    limits.hit("sign_in")
    limits.refuse_if_spent("lockout", account_key(email))
    user = services().users.authenticate(email, password[:1024])
    if user is None:
        limits.count("lockout", account_key(email))
        known = services().users.find_email(email)
        why = "unknown account" if known is None else "wrong password"
        if known is not None and not known.enabled:
            why = "disabled account"
        # Only an existing account's address is written down: what was typed may be a password.
        audit("sign_in_failed", None, target=known.email if known else "", detail=why)
    return user


def after_password(user: User, role: str, purpose: str, success_endpoint: str):
    """The password was right: sign in, or first ask for the code (or, when it is required and
    the person has none yet, have them set it up)."""
    if user.two_step or services().switches.is_on("require_two_step"):
        sign_out()
        session[PENDING] = {
            "user": user.id,
            "at": time.time(),
            "role": role,
            "purpose": purpose,
            "next": success_endpoint,
        }
        return redirect(url_for("sign_in.two_step" if user.two_step else "sign_in.set_up"))
    start_session(user.principal("password"))
    return land(role, purpose, success_endpoint)


def land(role: str, purpose: str, success_endpoint: str):
    """The page someone just signed in lands on: the area they asked for, or (when their roles
    do not reach it) the first they may open, saying why."""
    principal = signed_in_staff()
    if principal is None or principal.may(role):
        return redirect(url_for(success_endpoint))
    flash(f"You are signed in, but your account cannot {purpose}.")
    area = next((a for a in AREAS if principal.may(a.role)), None)
    return redirect(url_for(area.endpoint if area else "account.account_page"))


def pending() -> dict | None:
    """The sign-in waiting for its code, if it is recent enough."""
    waiting = session.get(PENDING)
    if not isinstance(waiting, dict) or time.time() - waiting.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    return waiting


def _back_to_sign_in():
    flash("Sign in again: the sign-in waited too long for its code.")
    return redirect(url_for("console.login"))


@blueprint.route("/staff/two-step", methods=["GET", "POST"])
def two_step():
    """The second step: a code from the authenticator app, or a recovery code."""
    waiting = pending()
    if waiting is None:
        return _back_to_sign_in()
    user = services().users.get(waiting["user"])
    error, status = None, 200
    if request.method == "POST":
        limits = services().rate_limits
        try:
            limits.hit("sign_in")
            limits.refuse_if_spent("lockout", account_key(user.email))
        except RateLimited as refused:
            error, status = refused.message, 429
        else:
            how = services().two_step.verify(user.id, request.form.get("code", "")[:64])
            if how:
                return _finish(user, waiting, how)
            limits.count("lockout", account_key(user.email))
            audit("sign_in_failed", None, target=user.email, detail="wrong two-step code")
            error, status = "That code is not right; try the one the app shows now.", 401
    page = render_template("two_step.html", title="Two-step verification", error=error)
    return page, status


def _finish(user: User, waiting: dict, how: str):
    session.pop(PENDING, None)
    principal = services().users.principal(user.id, "password")
    start_session(principal)  # a new session: after it, so the message is not cleared away
    if how == "recovery":
        left = services().two_step.recovery_codes_left(user.id)
        audit("recovery_code_used", principal, target=user.email, detail=f"{left} left")
        flash(f"You used a recovery code; {left} are left. Make new ones on your account page.")
    return land(waiting["role"], waiting["purpose"], waiting["next"])


@blueprint.route("/staff/two-step/set-up", methods=["GET", "POST"])
def set_up():
    """Two-step verification is required and this person has none yet: set it up now, before
    the session starts."""
    waiting = pending()
    if waiting is None:
        return _back_to_sign_in()
    user = services().users.get(waiting["user"])
    two_step = services().two_step
    error, status = None, 200
    if request.method == "POST":
        try:
            codes = two_step.confirm_setup(user.id, request.form.get("code", "")[:64])
        except BadRequest as wrong:
            error, status = wrong.message, 400
        else:
            principal = services().users.principal(user.id, "password")
            audit("two_step_on", principal, target=user.email)
            session.pop(PENDING, None)
            start_session(principal)
            landing = land(waiting["role"], waiting["purpose"], waiting["next"])
            return render_template(
                "recovery_codes.html",
                title="Recovery codes",
                codes=codes,
                next_url=landing.location,
            )
    secret = two_step.pending_secret(user.id) or two_step.start_setup(user.id)
    return setup_page(user.email, secret, url_for("sign_in.set_up"), error, required=True), status


def setup_page(email: str, secret: str, action: str, error: str | None, required: bool) -> str:
    """The page that sets up an authenticator app: a QR code of its otpauth:// address (an SVG
    image, drawn here: no request leaves the site), the secret to type instead, a code field."""
    uri = setup_uri(secret, email, services().settings.site_name)
    qr_code = segno.make(uri, error="m").svg_data_uri(scale=4, dark="#1c2430")
    return render_template(
        "two_step_setup.html",
        title="Set up two-step verification",
        secret=secret,
        qr_code=qr_code,
        action=action,
        error=error,
        required=required,
    )
