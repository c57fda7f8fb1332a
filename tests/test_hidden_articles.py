"""Internal and draft articles stay out of everything a customer sees: the search page and its
instant answer, the contact form's suggestions and related articles; and a draft is not an
article in the agent console either. (Search itself: tests/test_search.py; the API:
tests/test_api.py; links inside article bodies: tests/test_article_links.py.)"""

from __future__ import annotations

import re

import pytest

from tests.helpers import HIDDEN_SLUGS, build, csrf_token, sign_in

# What the internal and the draft article say, and their titles.
HIDDEN_TEXT = (
    "Refund approval rules",
    "Agents approve refunds",
    "team lead",
    "Offline vault preview",
    "secret vault",
)


def shows_nothing_hidden(html: str, *typed: str) -> bool:
    """Whether the page shows none of the hidden articles, beyond what the customer typed."""
    for text in typed:
        html = html.replace(text, "")
    return not [hidden for hidden in (*HIDDEN_SLUGS, *HIDDEN_TEXT) if hidden in html]


@pytest.mark.parametrize(
    "query", ["refund approval limits manager", "team lead $200", "secret vault preview"]
)
def test_the_search_page_never_shows_them(client, query) -> None:
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert shows_nothing_hidden(html, query)


def test_the_instant_answer_never_quotes_them(client) -> None:
    # the internal article's own words: its section would be a confident answer
    query = "Agents approve refunds up to $200 without a manager"
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    assert shows_nothing_hidden(html, query)


def test_the_contact_forms_suggestions_never_offer_them(client) -> None:
    form = {
        "name": "Jane Doe",
        "email": "jane@example.com",
        "subject": "Refund approval limits",
        "description": "Can agents approve refunds up to $200 without a manager or a team lead?",
        "csrf_token": csrf_token(client, "/contact"),
    }
    response = client.post("/contact", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "?from=contact" in html  # suggestions were shown
    shown = re.search(r'name="shown" id="shown" value="([^"]*)"', html).group(1)
    assert shown and not set(shown.split(",")) & HIDDEN_SLUGS
    assert shows_nothing_hidden(html, form["subject"], form["description"])


def test_related_articles_name_only_public_ones(client, content_dir, data_dir, embedder) -> None:
    refund = content_dir / "billing/request-a-refund.md"
    refund.write_text(
        refund.read_text().replace(
            "related: [cancel-subscription]",
            "related: [refund-approval-rules, unreleased-feature, cancel-subscription]",
        )
    )
    assert not build(content_dir, data_dir, embedder).problems
    html = client.get("/articles/request-a-refund").get_data(as_text=True)
    related = re.search(r'<nav aria-label="Related articles".*?</nav>', html, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', related) == ["/articles/cancel-subscription"]
    assert shows_nothing_hidden(html)
    api = client.get("/api/v1/articles/request-a-refund").get_json()
    assert [r["slug"] for r in api["related"]] == ["cancel-subscription"]


def test_a_draft_is_no_article_in_the_agent_console(client) -> None:
    sign_in(client, "agent")
    assert client.get("/agent/articles/refund-approval-rules").status_code == 200
    assert client.get("/agent/articles/unreleased-feature").status_code == 404
