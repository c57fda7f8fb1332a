"""Security headers on every response, pages that run under the Content-Security-Policy
(no inline script, handler or style), and cookie flags: HttpOnly, SameSite=Lax, Secure over
HTTPS (also behind a trusted proxy, and only then)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.helpers import (
    ADMIN_KEY,
    AGENT_KEY,
    WRITER_KEY,
    app_config,
    csrf_token,
    sign_in,
    token_in,
)
from web import create_app
from web.security import CONTENT_SECURITY_POLICY

EVERY_RESPONSE = [
    ("get", "/"),
    ("get", "/search?q=refund"),
    ("get", "/articles/request-a-refund"),
    ("get", "/api/v1/search?q=refund"),
    ("get", "/static/style.css"),
    ("get", "/articles/no-such-article"),  # 404 page
    ("get", "/api/v1/articles/no-such-article"),  # 404 JSON
    ("get", "/agent"),  # redirect to sign in
    ("post", "/contact"),  # CSRF failure
    ("get", "/healthz"),
]


@pytest.mark.parametrize(("method", "path"), EVERY_RESPONSE)
def test_every_response_carries_the_security_headers(client, method, path) -> None:
    response = getattr(client, method)(path)
    response.close()  # a static file is streamed
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS means nothing


def test_the_policy_allows_only_the_apps_own_scripts_and_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


class InlineCode(HTMLParser):
    """Collects what a strict Content-Security-Policy would block in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self._in_script = True
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}={value!r}")
            if name == "style":
                self.found.append(f"{tag} style={value!r}")
            scripted = (value or "").lower().startswith("javascript:")
            if name in ("href", "src", "action") and scripted:
                self.found.append(f"{tag} {name}={value!r}")

    def handle_data(self, data) -> None:
        if self._in_script and data.strip():
            self.found.append(f"inline script {data.strip()[:40]!r}")

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._in_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


CUSTOMER_PAGES = [
    "/",
    "/search",
    "/search?q=refund",
    "/search?q=how+do+I+ask+for+a+refund",
    "/search?q=zzzzqqqq",
    "/articles/request-a-refund",
    "/categories/billing",
    "/contact",
    "/articles/no-such-article",
    "/agent/login",
]
STAFF_PAGES = [
    ("agent", AGENT_KEY, "/agent"),
    ("agent", AGENT_KEY, "/agent/articles/refund-approval-rules"),
    ("writer", WRITER_KEY, "/writer"),
    ("admin", ADMIN_KEY, "/admin"),
]


@pytest.mark.parametrize("path", CUSTOMER_PAGES)
def test_customer_pages_have_no_inline_code(client, path) -> None:
    response = client.get(path)
    assert response.mimetype == "text/html"
    assert inline_code(response.get_data(as_text=True)) == []


def test_the_contact_forms_error_page_has_no_inline_code(client) -> None:
    response = client.post(
        "/contact", data={"csrf_token": csrf_token(client, "/contact"), "subject": "x"}
    )
    assert response.status_code == 400
    assert inline_code(response.get_data(as_text=True)) == []


@pytest.mark.parametrize(("area", "key", "path"), STAFF_PAGES)
def test_staff_pages_have_no_inline_code_and_are_never_cached(client, area, key, path) -> None:
    sign_in(client, area, key)
    response = client.get(path)
    assert response.status_code == 200
    assert inline_code(response.get_data(as_text=True)) == []
    assert response.headers["Cache-Control"] == "no-store"


def test_the_inline_code_check_finds_what_it_looks_for() -> None:
    found = inline_code(
        '<script>alert(1)</script><select onchange="x()"></select><p style="color:red"></p>'
        '<a href="javascript:x()">x</a><script src="/static/a.js"></script>'
    )
    assert len(found) == 4


def cookie(response, name: str) -> str:
    matches = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert matches, f"no {name} cookie set"
    return matches[-1]


def test_session_cookie_is_httponly_and_samesite_lax_without_secure_over_http(client) -> None:
    session = cookie(sign_in(client, "agent"), "session")
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session
    visitor = cookie(client.get("/search?q=refund"), "kb_visitor")
    assert "HttpOnly" in visitor and "SameSite=Lax" in visitor and "Secure" not in visitor


@pytest.fixture
def proxied_client(built, content_dir, data_dir, embedder, database_url):
    app = create_app(app_config(content_dir, data_dir, embedder, database_url, PROXY_HOPS=1))
    return app.test_client()


def test_behind_a_trusted_proxy_https_cookies_are_secure_and_hsts_is_sent(proxied_client) -> None:
    over_https = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
        "Referer": "https://localhost/agent/login",  # Flask-WTF checks it over HTTPS
    }
    page = proxied_client.get("/agent/login", headers=over_https)
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    token = token_in(page.get_data(as_text=True))
    response = proxied_client.post(
        "/agent/login", data={"key": AGENT_KEY, "csrf_token": token}, headers=over_https
    )
    assert "; Secure" in cookie(response, "session")
    visitor = proxied_client.get("/search?q=refund", headers=over_https)
    assert "; Secure" in cookie(visitor, "kb_visitor")


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(client) -> None:
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    response = client.get("/search?q=refund", headers=forged)
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in cookie(response, "kb_visitor")


def test_the_proxy_setting_names_the_client_address(proxied_client, client) -> None:
    from flask import request  # noqa: PLC0415

    seen = []
    for app_client in (proxied_client, client):
        app_client.application.before_request(lambda: seen.append(request.remote_addr) and None)
        app_client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["203.0.113.9", "127.0.0.1"]


def test_an_out_of_range_proxy_setting_is_named(built, content_dir, data_dir, embedder) -> None:
    from kb.errors import ConfigurationError  # noqa: PLC0415

    with pytest.raises(ConfigurationError, match="KB_PROXY_HOPS"):
        create_app(app_config(content_dir, data_dir, embedder, "", PROXY_HOPS=9))
