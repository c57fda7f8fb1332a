"""Headers and cookie flags every response carries: what a browser may run, frame and send on.

The pages run only the app's own scripts and styles (no inline script or style attribute), so
the Content-Security-Policy can forbid everything else; no page may be framed (clickjacking);
cookies are HttpOnly, SameSite=Lax, and Secure whenever the request came over HTTPS.
"""

from __future__ import annotations

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    "X-Content-Type-Options": "nosniff",
    # Search URLs carry what the customer typed: never send them to another site.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Pages that show tickets, drafts, analytics or keys: never kept by a browser or shared cache.
STAFF_PREFIXES = ("/agent", "/writer", "/admin", "/staff")
HSTS = "max-age=31536000"


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, marked Secure when this request came over HTTPS (the
    configured flag alone would need one setting per deployment)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def add_security_headers(response: Response) -> Response:
    """Every response, pages, API, static files and errors alike. A view that needs another
    policy (a page made to be embedded) sets its own header first, and it is kept; one whose
    policy names the origins that may frame it is sent without X-Frame-Options, which could
    only refuse them all (browsers that know frame-ancestors ignore it anyway)."""
    for name, value in HEADERS.items():
        if name == "X-Frame-Options" and framed_by_some(response):
            continue
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if is_staff_page(request):
        response.headers["Cache-Control"] = "no-store"
    return response


def framed_by_some(response: Response) -> bool:
    policy = response.headers.get("Content-Security-Policy", "")
    return "frame-ancestors" in policy and "frame-ancestors 'none'" not in policy


def policy_framed_by(origins: tuple[str, ...]) -> str:
    """The app's policy, except that these origins (none: nobody) may frame the page."""
    ancestors = " ".join(origins) if origins else "'none'"
    return CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", f"frame-ancestors {ancestors}")


def is_staff_page(req: Request) -> bool:
    return any(req.path == p or req.path.startswith(p + "/") for p in STAFF_PREFIXES)


def register(app: Flask, proxy_hops: int) -> None:
    """Security headers, cookie flags, and (behind `proxy_hops` reverse proxies) the client's
    address and scheme from their X-Forwarded-For and X-Forwarded-Proto headers."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = SessionCookies()
    if proxy_hops:
        # Trust exactly this many proxies: a client cannot forge its address or scheme past them.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops, x_host=proxy_hops
        )
    app.after_request(add_security_headers)
