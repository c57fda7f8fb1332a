"""Every bad input is a 4xx that names its field, never a 500: lone surrogates and NUL in JSON,
forms and URLs, JSON nested without end, a line break in a redirect target, queries over their
character and byte limits, and contact-form fields that show nothing."""

from __future__ import annotations

import pytest

from kb.limits import MAX_JSON_DEPTH, MAX_QUERY_STRING_BYTES
from tests.helpers import AGENT_KEY, auth, csrf_token

SURROGATE = '"\\ud800"'  # JSON text: a lone surrogate escape
TICKET = {"id": "t-1", "subject": "Sync", "messages": [{"author": "customer", "body": "stuck"}]}


def post_json(client, url: str, text: str, key: str | None = None):
    headers = {"Content-Type": "application/json", **(auth(key) if key else {})}
    return client.post(url, data=text.encode("utf-8"), headers=headers)


def error(response) -> dict:
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]


@pytest.mark.parametrize(
    ("url", "body", "field", "key"),
    [
        (
            "/api/v1/articles/request-a-refund/feedback",
            '{"helpful": false, "comment": LONE}',
            "comment",
            None,
        ),
        ("/api/v1/suggest", '{"subject": LONE, "body": "x"}', "subject", AGENT_KEY),
        ("/api/v1/suggest", '{"subject": "x", "body": LONE}', "body", AGENT_KEY),
        (
            "/api/v1/suggest",
            '{"body": "x", "messages": [{"author": "agent", "body": LONE}]}',
            "messages[0].body",
            AGENT_KEY,
        ),
        (
            "/api/v1/suggest/feedback",
            '{"request_id": LONE, "slug": "request-a-refund", "action": "linked"}',
            "request_id",
            AGENT_KEY,
        ),
        (
            "/api/v1/tickets",
            '{"id": "t-1", "subject": LONE, "messages": [{"author": "customer", "body": "x"}]}',
            "subject",
            AGENT_KEY,
        ),
        (
            "/api/v1/tickets",
            '{"tickets": [{"id": "a", "subject": LONE}]}',
            "tickets[0].subject",
            AGENT_KEY,
        ),
        (
            "/api/v1/articles/request-a-refund/feedback",
            '{"helpful": true, "comment": "nul \\u0000 inside"}',
            "comment",
            None,
        ),
    ],
)
def test_strings_no_store_can_keep_are_a_400_naming_the_field(client, url, body, field, key):
    found = error(post_json(client, url, body.replace("LONE", SURROGATE), key))
    assert found["field"] == field
    assert "surrogate" in found["message"] or "NUL" in found["message"]


@pytest.mark.parametrize(
    "url", ["/api/v1/articles/request-a-refund/feedback", "/api/v1/suggest", "/api/v1/tickets"]
)
@pytest.mark.parametrize("depth", [100_000, MAX_JSON_DEPTH + 1])
def test_json_nested_too_deeply_is_a_400(client, url: str, depth: int) -> None:
    found = error(post_json(client, url, "[" * depth + "]" * depth, AGENT_KEY))
    assert f"nested more than {MAX_JSON_DEPTH} levels" in found["message"]


def test_json_that_is_not_utf8_or_not_json_is_a_400(client) -> None:
    url = "/api/v1/articles/request-a-refund/feedback"
    headers = {"Content-Type": "application/json"}
    assert error(client.post(url, data=b'{"helpful": "\xff"}', headers=headers))["code"]
    assert "line 1" in error(client.post(url, data=b'{"helpful": tru', headers=headers))["message"]


def test_a_line_break_in_the_feedback_forms_return_address_is_ignored(client) -> None:
    token = csrf_token(client, "/articles/request-a-refund")
    for back in ("/search?q=x\r\nSet-Cookie: evil=1", "/search?q=x\nLocation: //evil.example"):
        response = client.post(
            "/articles/request-a-refund/feedback",
            data={"helpful": "yes", "csrf_token": token, "back": back},
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/articles/request-a-refund#feedback")
        assert "evil" not in str(response.headers)


def test_the_feedback_form_returns_to_its_own_results_page(client) -> None:
    token = csrf_token(client, "/articles/request-a-refund")
    back = "/search?q=how+do+I+ask+for+a+refund"
    response = client.post(
        "/articles/request-a-refund/feedback",
        data={"helpful": "yes", "csrf_token": token, "back": back},
    )
    assert response.headers["Location"].endswith(back)
    for elsewhere in ("//evil.example/search?q=x", "/search?q=//evil.example", "https://x/"):
        response = client.post(
            "/articles/request-a-refund/feedback",
            data={"helpful": "yes", "csrf_token": token, "back": elsewhere},
        )
        assert response.headers["Location"].endswith("#feedback")


def test_queries_within_the_limits_are_answered_in_any_script(client) -> None:
    cjk = "退款" * 300  # 600 characters, 1,800 bytes of UTF-8
    response = client.get("/api/v1/search", query_string={"q": cjk})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("query", "words"),
    [("退款" * 350, "2000 bytes"), ("a" * 1001, "1000 characters")],
)
def test_queries_over_the_limits_name_q(client, query: str, words: str) -> None:
    found = error(client.get("/api/v1/search", query_string={"q": query}))
    assert found["field"] == "q" and words in found["message"]
    page = client.get("/search", query_string={"q": query})
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_a_query_string_over_its_byte_limit_is_a_json_414(client) -> None:
    response = client.get("/api/v1/search?q=refund&tag=" + "x" * MAX_QUERY_STRING_BYTES)
    assert response.status_code == 414
    assert response.get_json()["error"]["code"] == "uri_too_long"
    page = client.get("/search?q=refund&x=" + "y" * MAX_QUERY_STRING_BYTES)
    assert page.status_code == 414 and page.mimetype == "text/html"


@pytest.mark.parametrize(
    "url", ["/api/v1/search?q=re%00fund", "/api/v1/autocomplete?q=%00", "/search?q=a%00b"]
)
def test_nul_in_a_url_parameter_names_it(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    if response.is_json:
        assert response.get_json()["error"]["field"] == "q"


CONTACT = {
    "name": "Jane",
    "email": "jane@example.com",
    "subject": "Sync is stuck",
    "description": "My files stopped syncing yesterday and show a red icon.",
}


@pytest.mark.parametrize(
    "nothing",
    ["\u202e\u202e\u202e\u202e\u202e\u202e", "\u200b" * 30, "\u2066\u2069" * 12, " \t\u200f " * 10],
)
@pytest.mark.parametrize("field", ["name", "subject", "description"])
def test_contact_fields_that_show_nothing_are_invalid(client, field: str, nothing: str) -> None:
    token = csrf_token(client, "/contact")
    response = client.post("/contact", data={**CONTACT, field: nothing, "csrf_token": token})
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_a_contact_field_holding_nul_is_refused_and_nothing_is_stored(client, app) -> None:
    token = csrf_token(client, "/contact")
    response = client.post(
        "/contact", data={**CONTACT, "name": "\x00\x00", "confirm": "1", "csrf_token": token}
    )
    assert response.status_code == 400
    with app.extensions["kb"].database.connect() as connection:
        assert connection.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0


def test_a_bidi_override_inside_a_name_is_removed_before_storing(client, app) -> None:
    token = csrf_token(client, "/contact")
    response = client.post(
        "/contact",
        data={**CONTACT, "name": "Jane \u202eevil", "confirm": "1", "csrf_token": token},
    )
    assert response.status_code == 200
    with app.extensions["kb"].database.connect() as connection:
        requester = connection.execute("SELECT requester FROM tickets").fetchone()[0]
    assert "\u202e" not in requester and "Jane evil" in requester
