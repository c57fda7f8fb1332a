"""A signed-in person's own account page: their roles, a new password, and two-step
verification (set up with an authenticator app, new recovery codes, or turned off when admins do
not require it). Each change asks for proof again (the password, or a current code)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from kb.errors import BadRequest, RateLimited
from kb.state.auth import Principal
from kb.state.passwords import check_password
from web.auth import audit, signed_in_staff, start_session
from web.services import services
from web.sign_in import account_key, setup_page

blueprint = Blueprint("account", __name__, url_prefix="/staff/account")


def person() -> Principal:
    """The person signed in (a key's session has no account page)."""
    principal = signed_in_staff()
    assert principal is not None and principal.user_id is not None  # see signed_in_person
    return principal


@blueprint.before_request
def signed_in_person():
    principal = signed_in_staff()
    if principal is None or principal.user_id is None or principal.method == "key":
        return redirect(url_for("console.login"))
    return None


@blueprint.get("")
def account_page(errors: dict[str, str] | None = None, status: int = 200):
    me = person()
    assert me.user_id is not None
    user = services().users.get(me.user_id)
    page = render_template(
        "account.html",
        title="Your account",
        user=user,
        errors=errors or {},
        required=services().switches.is_on("require_two_step"),
        codes_left=services().two_step.recovery_codes_left(user.id),
        min_length=services().settings.password_min_length,
    )
    return page, status


def _proof_fails(email: str, proof: str, kind: str) -> str | None:
    """Why the proof (the current password or a current code) is refused, counted against the
    account's lockout; None when it is right."""
    limits = services().rate_limits
    try:
        limits.refuse_if_spent("lockout", account_key(email))
    except RateLimited as refused:
        return refused.message
    me = person()
    assert me.user_id is not None
    right = (
        services().users.authenticate(email, proof) is not None
        if kind == "password"
        else bool(services().two_step.verify(me.user_id, proof))
    )
    if right:
        return None
    limits.count("lockout", account_key(email))
    audit("sign_in_failed", me, target=email, detail=f"wrong {kind} on the account page")
    return "That password is not right." if kind == "password" else "That code is not right."


@blueprint.post("/password")
def change_password():
    me = person()
    assert me.user_id is not None
    form = request.form
    error = _proof_fails(me.email, form.get("current", "")[:1024], "password")
    if error is None:
        try:
            new = check_password(
                form.get("password", ""), services().settings.password_min_length, me.email
            )
            if new != form.get("confirm", ""):
                raise BadRequest("the two passwords differ", field="confirm")
        except BadRequest as refused:
            error = refused.message
        else:
            services().users.set_password(me.user_id, new)  # every session of theirs ends
            start_session(me)  # ...but this browser's
            audit("password_changed", me, target=me.email, detail="on the account page")
            flash("Your password is changed; you were signed out everywhere else.")
            return redirect(url_for("account.account_page"))
    return account_page({"password": error}, 400)


@blueprint.post("/two-step")
def start_two_step():
    me = person()
    assert me.user_id is not None
    secret = services().two_step.start_setup(me.user_id)
    return setup_page(me.email, secret, url_for("account.confirm_two_step"), None, False)


@blueprint.post("/two-step/confirm")
def confirm_two_step():
    me = person()
    assert me.user_id is not None
    two_step = services().two_step
    try:
        codes = two_step.confirm_setup(me.user_id, request.form.get("code", "")[:64])
    except BadRequest as wrong:
        secret = two_step.pending_secret(me.user_id) or ""
        page = setup_page(
            me.email, secret, url_for("account.confirm_two_step"), wrong.message, False
        )
        return page, 400
    audit("two_step_on", me, target=me.email)
    return render_template(
        "recovery_codes.html",
        title="Recovery codes",
        codes=codes,
        next_url=url_for("account.account_page"),
    )


@blueprint.post("/two-step/off")
def turn_off_two_step():
    me = person()
    assert me.user_id is not None
    if services().switches.is_on("require_two_step"):
        return account_page({"two_step": "Admins require two-step verification."}, 403)
    error = _proof_fails(me.email, request.form.get("code", "")[:64], "code")
    if error is not None:
        return account_page({"two_step": error}, 400)
    services().two_step.turn_off(me.user_id)
    audit("two_step_off", me, target=me.email)
    flash("Two-step verification is off.")
    return redirect(url_for("account.account_page"))


@blueprint.post("/recovery-codes")
def new_recovery_codes():
    me = person()
    assert me.user_id is not None
    error = _proof_fails(me.email, request.form.get("code", "")[:64], "code")
    if error is not None:
        return account_page({"two_step": error}, 400)
    codes = services().two_step.new_recovery_codes(me.user_id)
    return render_template(
        "recovery_codes.html",
        title="Recovery codes",
        codes=codes,
        next_url=url_for("account.account_page"),
    )
