"""Who is calling: a Bearer API key, or a console session signed in with one.

A session lives on the server (kb/sessions.py): the signed cookie carries only a random id, and
signing out, going idle or reaching the session's maximum age ends it for every copy of the
cookie."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from kb.errors import BadRequest, Forbidden, KBError, Unauthorized
from kb.state.auth import Principal, hash_key
from web.services import services

SESSION_ID = "staff_session"


class CSRFFailed(BadRequest):
    code = "csrf_failed"


def current_principal() -> Principal:
    header = request.headers.get("Authorization", "")
    keys = services().keys
    if header:
        scheme, _, key = header.partition(" ")
        return checked_key(key.strip() if scheme.lower() == "bearer" else "")
    if SESSION_ID in session:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # A signed-in browser sends the session cookie by itself: require the CSRF token.
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except ValidationError as error:
                raise CSRFFailed(f"send the page's CSRF token in X-CSRFToken ({error})") from None
        digest = session_key_hash()
        if digest is None:
            raise Unauthorized("the session has ended; sign in again")
        return keys.authenticate_hash(digest)
    raise Unauthorized("send an API key: Authorization: Bearer <key>")


def checked_key(key: str) -> Principal:
    """Who the key belongs to, or 401. Wrong keys count against the client's wrong-key limit;
    a client past it is refused (429) before its key is checked, so even a good one waits."""
    limits = services().rate_limits
    limits.refuse_if_spent("wrong_key")
    try:
        if not key:
            raise Unauthorized("use Authorization: Bearer <key>")
        return services().keys.authenticate(key)
    except Unauthorized:
        limits.count("wrong_key")
        raise


def session_key_hash() -> str | None:
    """The hash of the key this browser signed in with, while the server still holds its
    session (not signed out, idle or too old); checked once per request."""
    if "session_key_hash" not in g:
        session_id = session.get(SESSION_ID)
        digest = services().sessions.key_hash(session_id) if session_id else None
        if session_id and digest is None:
            session.clear()
        g.session_key_hash = digest
    return g.session_key_hash


def authorise(role: str) -> Principal:
    """The caller, if their key has the role: 401 without a valid key, 403 without the role."""
    principal = current_principal()
    if not principal.may(role):
        raise Forbidden(f"this needs the {role} role; the key has the {principal.role} role")
    return principal


def require_role(role: str) -> Callable:
    """A view only callers with the role reach (see authorise)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            g.principal = authorise(role)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def signed_in_staff() -> Principal | None:
    """Whoever this browser's session signed in, whatever their role (or None)."""
    digest = session_key_hash()
    if digest is None:
        return None
    try:
        return services().keys.authenticate_hash(digest)
    except KBError:  # the key was revoked: its session ends
        sign_out()
        return None


def signed_in(role: str) -> Principal | None:
    """The browser session's user if their key (still) has the role, else None."""
    digest = session_key_hash()
    if digest is None:
        return None
    try:
        principal = services().keys.authenticate_hash(digest)
    except KBError:  # the key was revoked: its session ends
        sign_out()
        return None
    return principal if principal.may(role) else None


def pages_need_sign_in(role: str, prefix: str, login_endpoint: str):
    """Whether to send this request to sign in: paths under `prefix` need a session whose key
    has `role` (the sign-in page itself excepted). Returns a redirect, or None to go on."""
    if not request.path.startswith(prefix) or request.endpoint == login_endpoint:
        return None
    if signed_in(role) is None:
        return redirect(url_for(login_endpoint))
    return None


def login_page(role: str, purpose: str, heading: str, success_endpoint: str):
    """A sign-in page for a role's pages (GET shows it, POST signs in or shows why not)."""
    error = None
    if request.method == "POST":
        error = sign_in(request.form.get("key", ""), role, purpose)
        if error is None:
            return redirect(url_for(success_endpoint))
    keys = f"{role} or admin" if role != "admin" else "admin"
    page = render_template(
        "key_login.html", title=f"{role.capitalize()} sign-in", heading=heading, keys=keys,
        error=error,
    )  # fmt: skip
    return page, 401 if error else 200


def sign_in(key: str, role: str, purpose: str) -> str | None:
    """Start a session for a key with the role; the error to show otherwise."""
    services().rate_limits.hit("sign_in")
    try:
        principal = checked_key(key.strip())
    except Unauthorized:
        return "That key is not valid."
    if not principal.may(role):
        return f"A {principal.role} key cannot {purpose}."
    sign_out()  # a new session, so a fixed session id cannot be planted beforehand
    session[SESSION_ID] = services().sessions.start(hash_key(key.strip()))
    return None


def sign_out() -> None:
    """End this browser's session on the server, so no copy of its cookie works any more."""
    session_id = session.get(SESSION_ID)
    if session_id:
        services().sessions.end(session_id)
    session.clear()
    g.pop("session_key_hash", None)
