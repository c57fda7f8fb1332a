"""Who is calling: a Bearer API key, or a browser session signed in by a person (e-mail and
password, two-step verification, single sign-on: web/sign_in.py, whose `login_page` each area's
sign-in route shows, and web/single_sign_on.py) or with an operator's API key.

A session lives on the server (kb/state/sessions.py): the signed cookie carries only a random id,
and signing out, going idle or reaching the session's maximum age ends it for every copy of the
cookie; so does disabling the person or revoking the key."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, redirect, request, session, url_for
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from kb.errors import BadRequest, Forbidden, KBError, Unauthorized
from kb.state.auth import Principal, hash_key
from kb.state.sessions import StaffSession
from web.services import services

SESSION_ID = "staff_session"


class CSRFFailed(BadRequest):
    code = "csrf_failed"


def current_principal() -> Principal:
    header = request.headers.get("Authorization", "")
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
        principal = session_principal()
        if principal is None:
            raise Unauthorized("the session has ended; sign in again")
        return principal
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


def session_principal() -> Principal | None:
    """Who this browser's session signed in (a person, or a key), while the session lives and
    they may still sign in. Asked afresh at each call (a view may ask again after the check
    that let it in); a session whose person was disabled or whose key was revoked ends here."""
    live = _live_session()
    if live is None:
        return None
    try:
        if live.user_id is not None:
            return services().users.principal(live.user_id, live.method)
        return services().keys.authenticate_hash(live.key_hash or "")
    except KBError:  # disabled, or the key was revoked: the session ends
        sign_out()
        return None


def _live_session() -> StaffSession | None:
    """This browser's session while the server still holds it (not signed out, idle or too
    old); looked up once per request."""
    if "staff_session" not in g:
        session_id = session.get(SESSION_ID)
        live = services().sessions.lookup(session_id) if session_id else None
        if session_id and live is None:
            session.clear()
        g.staff_session = live
    return g.staff_session


def authorise(role: str) -> Principal:
    """The caller, if they have the role: 401 without a valid key or session, 403 without it."""
    principal = current_principal()
    if not principal.may(role):
        holder = "the key has" if principal.method == "key" else "your account has"
        raise Forbidden(f"this needs the {role} role; {holder} the {principal.role} role")
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
    return session_principal()


def signed_in(role: str) -> Principal | None:
    """The browser session's person or key if they (still) have the role, else None."""
    principal = session_principal()
    return principal if principal is not None and principal.may(role) else None


def pages_need_sign_in(role: str, prefix: str, login_endpoint: str):
    """Whether to send this request to sign in: paths under `prefix` need a session whose
    person or key has `role` (the sign-in page itself excepted). Returns a redirect, or None
    to go on."""
    if not request.path.startswith(prefix) or request.endpoint == login_endpoint:
        return None
    if signed_in(role) is None:
        return redirect(url_for(login_endpoint))
    return None


def sign_in(key: str, role: str, purpose: str) -> str | None:
    """Start a session for a key with the role; the error to show otherwise."""
    services().rate_limits.hit("sign_in")
    try:
        principal = checked_key(key.strip())
    except Unauthorized:
        audit("sign_in_failed", None, detail="an API key that is not valid")
        return "That key is not valid."
    if not principal.may(role):
        return f"A {principal.role} key cannot {purpose}."
    start_session(principal, key_hash=hash_key(key.strip()))
    return None


def start_session(principal: Principal, key_hash: str | None = None) -> None:
    """Sign this browser in as the person (or, with `key_hash`, the key), in a new session so a
    session id planted beforehand is worthless; the sign-in is audited."""
    sign_out()
    sessions = services().sessions
    if key_hash is not None:
        session[SESSION_ID] = sessions.start(key_hash)
    else:
        assert principal.user_id is not None
        session[SESSION_ID] = sessions.start(user_id=principal.user_id, method=principal.method)
        services().users.signed_in(principal.user_id)
    g.pop("staff_session", None)
    audit("sign_in", principal, detail=f"with {METHODS[principal.method]}")


METHODS = {"password": "a password", "sso": "single sign-on", "key": "an API key"}


def sign_out() -> None:
    """End this browser's session on the server, so no copy of its cookie works any more."""
    session_id = session.get(SESSION_ID)
    if session_id:
        services().sessions.end(session_id)
    session.clear()
    g.pop("staff_session", None)


def audit(action: str, actor: Principal | None, *, target: str = "", detail: str = "") -> None:
    """Add an entry to the audit log for this request: who (None: nobody signed in), from which
    address (hashed as analytics hashes it), what."""
    services().audit.record(
        action,
        actor,
        target=target,
        detail=detail,
        address=services().addresses.hash(request.remote_addr),
    )
