"""Invitations and password resets: a one-time link e-mailed to the person (and shown once to
the admin who made it), where they choose their password. "Forgot your password?" sends one too,
only to an account that signs in with a password, and says the same whether or not there is one.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from kb.delivery.account_mail import link_lifetime, send_account_link
from kb.errors import BadRequest
from kb.state.passwords import check_password
from kb.state.users import User
from web.auth import audit
from web.services import services
from web.staff import AREAS
from web.urls import account_link_path

blueprint = Blueprint("links", __name__, url_prefix="/staff")
MAX_TOKEN_CHARS = 100


def link_url(purpose: str, token: str) -> str:
    """The link's full address: on KB_PUBLIC_URL, else on the address of this request (an
    admin's own; a self-service reset needs KB_PUBLIC_URL, so a forged Host header cannot make
    the link point elsewhere)."""
    base = services().settings.public_url or request.url_root
    return base.rstrip("/") + account_link_path(purpose, token)


def issue_link(user: User, purpose: str) -> tuple[str, str]:
    """A new invitation or reset link for the person, e-mailed to them; returns the link and
    why the e-mail was not sent ("" when it was)."""
    settings = services().settings
    lifetime = link_lifetime(settings, purpose)
    url = link_url(purpose, services().account_links.issue(user.id, purpose, lifetime))
    return url, send_account_link(settings, user.email, user.name, purpose, url)


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    return _choose_password(token, "invitation")


@blueprint.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _choose_password(token, "reset")


def _choose_password(token: str, purpose: str):
    token = token[:MAX_TOKEN_CHARS]
    links, users = services().account_links, services().users
    user_id = links.peek(token, purpose)
    user = users.get(user_id) if user_id is not None else None
    if user is None or not user.enabled:
        page = render_template(
            "choose_password.html", title="Link expired", expired=True, purpose=purpose
        )
        return page, 410
    error = None
    if request.method == "POST":
        try:
            minimum = services().settings.password_min_length
            password = check_password(request.form.get("password", ""), minimum, user.email)
            if password != request.form.get("confirm", ""):
                raise BadRequest("the two passwords differ", field="confirm")
            links.redeem(token, purpose)  # once: a second request with the link fails here
        except BadRequest as refused:
            error = refused.message
        else:
            users.set_password(user.id, password)
            how = "from an invitation" if purpose == "invitation" else "from a reset link"
            audit("password_changed", user.principal("password"), target=user.email, detail=how)
            flash("Your password is set. Sign in with it now.")
            area = next((a for a in AREAS if user.principal("password").may(a.role)), AREAS[0])
            return redirect(url_for(area.login))
    page = render_template(
        "choose_password.html",
        title="Choose a password",
        expired=False,
        purpose=purpose,
        user=user,
        error=error,
        min_length=services().settings.password_min_length,
    )
    return page, 400 if error else 200


@blueprint.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    settings = services().settings
    available = bool(settings.public_url) and settings.password_sign_in == "on"
    sent = False
    if request.method == "POST" and available:
        services().rate_limits.hit("sign_in")
        user = services().users.find_email(request.form.get("email", "")[:300])
        if user is not None and user.enabled and not user.single_sign_on:
            _url, problem = issue_link(user, "reset")
            detail = "asked for on the sign-in page" + (f"; {problem}" if problem else "")
            audit("password_reset_sent", None, target=user.email, detail=detail)
        sent = True  # the same answer whether or not the address has an account
    page = render_template(
        "forgot_password.html", title="Forgot your password?", available=available, sent=sent
    )
    return page
