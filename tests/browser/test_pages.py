"""Every page type loads under the Content-Security-Policy with no console error, script error,
CSP violation or failed request (checked by conftest on every page); at a phone's and a
desktop's width it fits the screen and axe-core finds no serious or critical violation; and it
is photographed at both widths (tests/screenshots/)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    PHONE,
    WIDTHS,
    check_accessibility,
    check_fits_screen,
    look_at,
    sign_in,
)

DRAFT = "camera-upload-waiting-for-wi-fi"  # tests/browser/seed/drafts/
# (screenshot name, who signs in first, path, HTTP status, the page's main heading)
PAGES = [
    ("home", None, "/", 200, "How can we help?"),
    (
        "results",
        None,
        "/search?q=how+do+I+ask+for+a+refund",
        200,
        "Results for “how do I ask for a refund”",
    ),
    (
        "results-none",
        None,
        "/search?q=lorem+ipsum+dolor",
        200,
        "Results for “lorem ipsum dolor”",
    ),
    ("article", None, "/articles/request-a-refund", 200, "Request a refund"),
    ("category", None, "/categories/billing", 200, "Billing"),
    ("contact", None, "/contact", 200, "Contact support"),
    ("404", None, "/articles/no-such-article", 404, "We couldn’t find that page"),
    ("error", None, "/search?q=" + "x" * 1001, 400, "That request didn’t work"),
    ("api-reference", None, "/api-docs", 200, re.compile(r"^Driftbox Help Center API \d")),
    ("agent-sign-in", None, "/agent/login", 200, "Agent console"),
    (
        "agent-internal-article",
        "agent",
        "/agent/articles/refund-approval-rules",
        200,
        "Refund approval rules (internal)",
    ),
    ("agent-inbox", "agent", "/agent", 200, "Inbox"),
    ("agent-handbook", "agent", "/agent/handbook", 200, "Agent handbook"),
    (
        "agent-search",
        "agent",
        "/agent/search?q=approve+a+refund",
        200,
        "Articles for “approve a refund”",
    ),
    ("agent-paste", "agent", "/agent/paste", 200, "Paste a ticket"),
    ("writer-queue", "writer", "/writer", 200, "Drafts"),
    (
        "writer-draft",
        "writer",
        f"/writer/drafts/{DRAFT}",
        200,
        "Camera upload waits for Wi-Fi on Android",
    ),
    ("admin-dashboard", "admin", "/admin", 200, "Trends"),
]
# The page types with the search box in their header (the others have their own, or none).
# Customer pages; staff pages have the staff header instead (tests/test_staff.py).
HEADER_SEARCH = ["results", "results-none", "article", "category", "contact", "error"]
# A phone's header search box must fit a question, not a word.
HEADER_SEARCH_MIN_WIDTH = 200


@pytest.mark.parametrize(
    ("name", "role", "path", "status", "heading"), PAGES, ids=[p[0] for p in PAGES]
)
def test_page_loads_under_the_policy(
    page: Page, name: str, role: str | None, path: str, status: int, heading: str | re.Pattern
) -> None:
    if role:
        sign_in(page, role)
    response = page.goto(path)
    assert response is not None and response.status == status
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    # The style sheet applied: a rule of style.css, not the browser's default, lays out <body>.
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    expect(page.locator("header #header-q")).to_have_count(1 if name in HEADER_SEARCH else 0)
    look_at(page, name)


@pytest.mark.parametrize("name", HEADER_SEARCH)
def test_header_search_box_is_wide_enough_on_a_phone(page: Page, name: str) -> None:
    role, path = next((p[1], p[2]) for p in PAGES if p[0] == name)
    if role:
        sign_in(page, role)
    page.set_viewport_size({"width": PHONE, "height": WIDTHS[PHONE]})
    page.goto(path)
    box = page.get_by_role("banner").get_by_role("combobox", name="Search help articles")
    expect(box).to_be_visible()
    width = (box.bounding_box() or {}).get("width", 0)
    assert width >= HEADER_SEARCH_MIN_WIDTH, f"{path}: the header search box is {width} px wide"


def test_search_shows_the_instant_answer(page: Page) -> None:
    page.goto("/search?q=how+do+I+ask+for+a+refund")
    answer = page.locator(".instant-answer")
    expect(answer).to_be_visible()
    expect(answer.get_by_role("link", name="Request a refund")).to_be_visible()


def test_search_without_results_suggests_what_to_try(page: Page) -> None:
    page.goto("/search?q=lorem+ipsum+dolor")
    expect(
        page.get_by_role("heading", name="Nothing in the help center answers “lorem ipsum dolor”")
    ).to_be_visible()


def test_contact_form_after_a_validation_error(page: Page) -> None:
    page.goto("/contact")
    page.get_by_label("Your name").fill("Ada")
    page.get_by_label("E-mail address").fill("not an address")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Send to support").click()
    assert sent.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("Please fix the")
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Ada")  # nothing typed is lost
    look_at(page, "contact-error")


def test_agent_console_with_suggestions_for_a_pasted_ticket(page: Page) -> None:
    sign_in(page, "agent")
    page.goto("/agent/paste")
    page.get_by_label("Subject").fill("Refund for my yearly plan")
    page.get_by_label("Ticket text").fill(
        "Hi, I paid for the yearly Personal plan last week by mistake and want my money back. "
        "How do I get a refund?\n\nThanks,\nMarta"
    )
    page.get_by_role("button", name="Suggest articles").click()
    expect(page.locator("#suggestions li.suggestion").first).to_be_visible()
    expect(page.locator("#triage")).to_contain_text("Service: orders, billing, account")
    look_at(page, "agent-console")


def test_every_public_article_and_category_on_a_phone(page: Page) -> None:
    """Articles differ (tables, code, long words): each fits a phone's screen and passes axe."""
    page.set_viewport_size({"width": PHONE, "height": WIDTHS[PHONE]})
    page.goto("/")
    categories = page.locator(".cards a").evaluate_all("links => links.map((a) => a.href)")
    articles: set[str] = set()
    for category in categories:
        page.goto(category)
        check_fits_screen(page)
        check_accessibility(page)
        found = page.locator("main a[href*='/articles/']").evaluate_all(
            "links => links.map((a) => a.href)"
        )
        articles.update(found)
    assert len(categories) >= 5 and len(articles) >= 30
    for article in sorted(articles):
        page.goto(article)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_fits_screen(page)
        check_accessibility(page)
