"""The pages' scripts (web/static/*.js) run under the Content-Security-Policy and do their job:
a blocked script would leave each of these pages inert, with no error of the server's."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.pages import sign_in


def test_search_as_you_type_shows_live_results(page: Page) -> None:  # search.js
    page.goto("/")
    page.get_by_role("searchbox", name="Search help articles").fill("refund")
    results = page.locator("#live-results")
    expect(results).to_be_visible()
    expect(results.get_by_role("option").first).to_contain_text("refund", ignore_case=True)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/articles/"))


def test_header_search_box_offers_completions(page: Page) -> None:  # autocomplete.js
    page.goto("/articles/cancel-subscription")
    page.get_by_role("combobox", name="Search help articles").fill("ref")
    expect(page.locator('#header-suggestions option[value="Request a refund"]')).to_have_count(1)


def test_changing_the_topic_filter_submits_it(page: Page) -> None:  # autosubmit.js
    page.goto("/search?q=refund")
    page.get_by_label("Topic").select_option("billing")
    expect(page).to_have_url(re.compile(r"[?&]category=billing"))
    expect(page.get_by_label("Topic")).to_have_value("billing")


def test_contact_form_suggests_articles_while_typing(page: Page) -> None:  # contact.js
    page.goto("/contact")
    page.get_by_label("Subject").fill("I want my money back")
    suggestions = page.locator("#deflection-list li")
    expect(suggestions.first).to_be_visible()
    expect(page.locator("#deflection-list")).to_contain_text("refund", ignore_case=True)
    # The form remembers what it showed, so the ticket records it.
    expect(page.locator("#shown")).to_have_value(re.compile(r"request-a-refund"))


def test_agent_console_suggests_and_records_feedback(page: Page) -> None:  # agent.js
    sign_in(page, "agent")
    page.goto("/agent/paste")
    page.get_by_label("Subject").fill("Sync stuck")
    page.get_by_label("Ticket text").fill(
        "The desktop app says indexing for two days, nothing syncs."
    )
    page.get_by_role("button", name="Suggest articles").click()
    first = page.locator("#suggestions li.suggestion").first
    expect(first.get_by_role("link")).to_have_attribute("href", re.compile(r"^/"))
    # A POST with the page's CSRF token, read from its meta tag.
    with page.expect_response("**/api/v1/suggest/feedback") as feedback:
        first.get_by_role("button", name="Helpful", exact=True).click()
    assert feedback.value.status == 201
    expect(first.get_by_role("button", name="Helpful ✓")).to_be_disabled()
