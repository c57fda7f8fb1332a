"""The staff shell: one header with the areas a person's key may open, the current one marked,
one sign-out that ends the session on the server, and a staff footer instead of the customers'."""

from __future__ import annotations

import re

import pytest

from tests.helpers import ADMIN_KEY, AGENT_KEY, WRITER_KEY

NAV = re.compile(r'<nav class="staff-nav".*?</nav>', re.S)


def token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, area: str, key: str) -> None:
    page = client.get(f"/{area}/login").get_data(as_text=True)
    response = client.post(f"/{area}/login", data={"key": key, "csrf_token": token(page)})
    assert response.status_code == 302


def areas(html: str) -> list[str]:
    nav = NAV.search(html)
    return re.findall(r">([A-Za-z ]+)</a>", nav.group(0)) if nav else []


ADMIN_AREAS = ["Inbox", "Drafts", "Insights", "People", "Keys", "Audit log"]


@pytest.mark.parametrize(
    ("area", "key", "page", "expected", "current"),
    [
        ("agent", AGENT_KEY, "/agent", ["Inbox"], "Inbox"),
        ("writer", WRITER_KEY, "/writer", ["Drafts"], "Drafts"),
        ("admin", ADMIN_KEY, "/admin", ADMIN_AREAS, "Insights"),
        ("admin", ADMIN_KEY, "/writer", ADMIN_AREAS, "Drafts"),
        ("admin", ADMIN_KEY, "/admin/people", ADMIN_AREAS, "People"),
        ("admin", ADMIN_KEY, "/admin/audit", ADMIN_AREAS, "Audit log"),
    ],
)
def test_the_header_offers_the_areas_the_key_may_open(
    client, area, key, page, expected, current
) -> None:
    sign_in(client, area, key)
    html = client.get(page).get_data(as_text=True)
    assert areas(html) == expected
    assert re.search(rf'aria-current="page">{current}</a>', html)
    assert "Contact support" not in html  # the customers' footer is not on staff pages
    assert "Staff area" in html


def test_customer_pages_have_no_staff_header_even_when_signed_in(client) -> None:
    sign_in(client, "admin", ADMIN_KEY)
    html = client.get("/").get_data(as_text=True)
    assert areas(html) == [] and "Contact support" in html


def test_an_internal_article_opens_in_the_staff_shell(client) -> None:
    sign_in(client, "agent", AGENT_KEY)
    html = client.get("/agent/articles/refund-approval-rules").get_data(as_text=True)
    assert areas(html) == ["Inbox"] and "Contact support" not in html


def test_one_sign_out_ends_the_session_and_returns_to_that_areas_sign_in(client) -> None:
    sign_in(client, "writer", WRITER_KEY)
    page = client.get("/writer").get_data(as_text=True)
    refused = client.post("/staff/logout", data={"area": "/writer"})
    assert refused.status_code == 400  # no CSRF token: not signed out
    assert client.get("/writer").status_code == 200
    out = client.post("/staff/logout", data={"csrf_token": token(page), "area": "/writer/drafts"})
    assert out.status_code == 302 and out.headers["Location"].endswith("/writer/login")
    assert client.get("/writer").status_code == 302  # the session is gone
    assert client.get("/writer").headers["Location"].endswith("/writer/login")


def test_sign_out_from_an_unknown_place_lands_on_a_sign_in_page(client) -> None:
    sign_in(client, "agent", AGENT_KEY)
    page = client.get("/agent").get_data(as_text=True)
    out = client.post("/staff/logout", data={"csrf_token": token(page), "area": "//evil.example"})
    assert out.headers["Location"].endswith("/agent/login")
