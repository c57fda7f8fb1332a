"""Links between articles: customers follow links to public articles only, agents also to
internal ones, nobody to drafts; `kb lint` says which links customers see as plain text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli import main
from kb.search import answers
from tests.helpers import AGENT_KEY, WRITER_KEY, sign_in

# What a customer must never see: the internal and draft articles' slugs, folders and files.
HIDDEN = ("refund-approval-rules", "unreleased-feature", "agent-handbook", "drafts/")
LINKS = (
    "Bigger refunds follow the [approval rules](../agent-handbook/refund-approval-rules.md"
    "#approval-limits); see also [the vault](../drafts/unreleased-feature.md)."
)
LINE = 16  # of billing/request-a-refund.md, once LINKS follows the refund rule


@pytest.fixture
def content_dir(content_dir: Path) -> Path:
    """The fixture corpus, its public refund article linking to an internal and a draft
    article, and the internal one linking back."""
    refund = content_dir / "billing/request-a-refund.md"
    rule = "Monthly plans are not refunded.\n"
    refund.write_text(refund.read_text().replace(rule, rule + LINKS + "\n"))
    assert refund.read_text().splitlines()[LINE - 1] == LINKS
    internal = content_dir / "agent-handbook/refund-approval-rules.md"
    internal.write_text(
        internal.read_text()
        + "Customers read [Request a refund](../billing/request-a-refund.md#who-can-get-a-refund)"
        + ".\n"
    )
    draft = content_dir / "drafts/unreleased-feature.md"
    draft.write_text(
        draft.read_text() + "\nAsk for [a refund](../agent-handbook/refund-approval-rules.md).\n"
    )
    return content_dir


def test_the_public_page_shows_the_text_of_links_to_hidden_articles(client) -> None:
    html = client.get("/articles/request-a-refund").get_data(as_text=True)
    assert "the <a" not in html and "approval rules)" not in html
    assert "follow the approval rules; see also the vault." in html
    assert not [hidden for hidden in HIDDEN if hidden in html]
    public = client.get("/articles/cancel-subscription").get_data(as_text=True)
    assert '<a href="/articles/request-a-refund#who-can-get-a-refund">refunds</a>' in public


def test_the_article_api_shows_their_text_and_nothing_else(client) -> None:
    response = client.get("/api/v1/articles/request-a-refund")
    assert "follow the approval rules; see also the vault." in response.get_json()["html"]
    assert not [hidden for hidden in HIDDEN if hidden in response.get_data(as_text=True)]


def test_the_instant_answer_shows_their_text(client, monkeypatch) -> None:
    monkeypatch.setattr(answers, "ANSWER_CONFIDENCE", 0.0)
    html = client.get("/search?q=who+can+get+a+refund+approval+rules").get_data(as_text=True)
    answer = re.search(r'<section class="instant-answer".*?</section>', html, re.S).group(0)
    assert "follow the approval rules; see also the vault." in answer
    assert not [hidden for hidden in HIDDEN if hidden in html]


def test_agents_follow_links_to_internal_articles_in_the_console(client) -> None:
    sign_in(client, "agent", AGENT_KEY)
    html = client.get("/agent/articles/request-a-refund").get_data(as_text=True)
    assert (
        '<a href="/agent/articles/refund-approval-rules#approval-limits">approval rules</a>' in html
    )
    assert "see also the vault." in html and "unreleased-feature" not in html  # drafts: text
    internal = client.get("/agent/articles/refund-approval-rules").get_data(as_text=True)
    assert '<a href="/articles/request-a-refund#who-can-get-a-refund">Request a refund</a>' in (
        internal
    )


def test_the_draft_preview_shows_what_customers_will_see(client) -> None:
    sign_in(client, "writer", WRITER_KEY)
    html = client.get("/writer/drafts/unreleased-feature").get_data(as_text=True)
    preview = html[html.index('class="body preview"') :]
    assert "<p>Ask for a refund.</p>" in preview and "refund-approval-rules" not in preview


def test_lint_warns_of_links_customers_see_as_plain_text(runner) -> None:
    result = runner.invoke(main, ["lint"])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if ".md:" in line]
    where = f"billing/request-a-refund.md:{LINE}"
    assert problems == [
        f"{where}: links to internal article 'refund-approval-rules': customers see plain text",
        f"{where}: links to draft article 'unreleased-feature': customers see plain text",
        # a public draft's link too: customers will see its text once it is published
        "drafts/unreleased-feature.md:9: links to internal article 'refund-approval-rules':"
        " customers see plain text",
    ]
    assert "5 articles, 3 problems" in result.output  # warnings: every article still loads
