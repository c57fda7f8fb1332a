"""The help widget on another site: a plain page served from another origin adds it with one
script tag; a customer opens it, sees the page's articles, asks, gets an answer with a link that
works, asks a follow-up and hands over to a person, and the ticket is in the ticket store with
the transcript and its queue. A site not in KB_WIDGET_ORIGINS gets nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from kb.state.database import Database
from kb.tickets.store import TicketStore
from tests.browser.pages import check_accessibility, each_width, look_at
from tests.browser.problems import PageProblems
from tests.browser.server import LiveServer, OtherOrigin, running_server

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Driftbox billing</title><style>button{{background:red;font-size:40px}}</style></head>
<body><main><h1>Your billing</h1><p>Plan: Personal, yearly.</p></main>
<script src="{help}/widget.js" data-label="Help" async></script></body></html>"""


@pytest.fixture(scope="module")
def widget_site(
    live_server: LiveServer, tmp_path_factory
) -> Iterator[tuple[LiveServer, OtherOrigin]]:
    """The help center again (the same content and database), listing one other site in
    KB_WIDGET_ORIGINS, and that site."""
    with OtherOrigin() as shop:
        log = tmp_path_factory.mktemp("widget") / "gunicorn.log"
        environment = {"KB_WIDGET_ORIGINS": shop.url}
        with running_server(live_server.site, log, environment) as help_center:
            yield help_center, shop


def panel(page: Page):
    return page.locator("#kb-help-widget").get_by_role("dialog")


def test_a_customer_asks_follows_up_and_hands_over_from_another_site(
    page: Page, widget_site: tuple[LiveServer, OtherOrigin]
) -> None:
    help_center, shop = widget_site
    url = shop.serve("/billing/overview", HOST_PAGE.format(help=help_center.url))
    page.goto(url)
    launcher = page.get_by_role("button", name="Help", exact=True)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    look_at(page, "widget-closed")
    launcher.click()
    dialog = panel(page)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Your question")).to_be_focused()
    # The page's own articles (front matter `context: ["/billing/*"]`), before any question.
    expect(dialog.get_by_role("link", name="Request a refund")).to_be_visible()
    dialog.get_by_label("Your question").fill("how do I get my money back for the yearly plan")
    dialog.get_by_role("button", name="Send").click()
    answer = dialog.locator(".msg.bot").nth(1)
    expect(answer.get_by_role("heading")).to_contain_text("Request a refund")
    article = answer.get_by_role("link", name="Read the whole article")
    href = article.get_attribute("href")
    assert href and href.startswith(f"{help_center.url}/articles/request-a-refund")
    look_at(page, "widget-answer")
    with page.context.expect_page() as opened:
        article.click()
    expect(opened.value.get_by_role("heading", level=1)).to_have_text("Request a refund")
    opened.value.close()
    dialog.get_by_label("Your question").fill("how long does it take?")
    dialog.get_by_role("button", name="Send").click()
    follow_up = dialog.locator(".msg.bot").nth(2)
    expect(follow_up.get_by_role("heading")).to_contain_text("Request a refund")
    follow_up.get_by_role("button", name="Ask a person instead").click()
    expect(dialog.get_by_label("Your e-mail address")).to_be_focused()
    expect(dialog.get_by_label("Your question")).to_be_hidden()
    dialog.get_by_label("Your e-mail address").fill("jane@example.com")
    dialog.get_by_label("Anything to add? (optional)").fill("I was charged twice as well.")
    look_at(page, "widget-handoff")
    dialog.get_by_role("button", name="Send to our team").click()
    sent = dialog.get_by_text("Sent to our customer service team")
    expect(sent).to_be_visible()
    ticket_id = sent.inner_text().split("(ticket ")[1].split(")")[0]
    store = TicketStore(Database(help_center.site.data_dir / "kb.sqlite"))
    ticket = store.get(ticket_id)
    assert ticket is not None and ticket.channel == "widget"
    text = ticket.customer_text()
    assert "Customer: how do I get my money back for the yearly plan" in text
    assert "Customer: how long does it take?" in text and "Bot answered: Request a refund" in text
    assert f"{shop.url}/billing/overview" in text and "I was charged twice" in text
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()


def test_the_widget_is_usable_at_a_phones_width(
    page: Page, widget_site: tuple[LiveServer, OtherOrigin]
) -> None:
    help_center, shop = widget_site
    page.goto(shop.serve("/download", HOST_PAGE.format(help=help_center.url)))
    page.get_by_role("button", name="Help", exact=True).click()
    dialog = panel(page)
    dialog.get_by_label("Your question").fill("qwxzv plokmn")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_text("I could not find anything")).to_be_visible()
    expect(dialog.get_by_role("button", name="Talk to a person")).to_be_visible()
    for width in each_width(page):
        box = dialog.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        check_accessibility(page)
    look_at(page, "widget-no-answer")


def test_a_site_not_allowed_gets_no_widget(
    page: Page, widget_site: tuple[LiveServer, OtherOrigin], page_problems: PageProblems
) -> None:
    help_center, _ = widget_site
    with OtherOrigin() as stranger:
        page.goto(stranger.serve("/", HOST_PAGE.format(help=help_center.url)))
        page.wait_for_load_state("networkidle")
        expect(page.locator("#kb-help-widget")).to_have_count(0)
        expect(page.get_by_role("button", name="Help", exact=True)).to_have_count(0)
    problems = page_problems.take()
    assert problems and all("/api/v1/widget" in problem for problem in problems), problems
