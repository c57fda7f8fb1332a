"""Journeys on the results page with the real model: a question nothing answers is told so, with
a way to a person; a misspelled one is offered the words the help center uses."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.pages import screenshot


def test_a_question_nothing_answers_gets_the_no_results_panel(page: Page) -> None:
    page.goto("/search?q=kubernetes+helm+chart+install")
    panel = page.locator(".no-results")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", level=2)).to_contain_text("Nothing in the help center")
    expect(page.locator(".instant-answer")).to_have_count(0)
    expect(page.locator("ol.results")).to_have_count(0)
    expect(page.get_by_text("articles found")).to_have_count(0)
    panel.get_by_role("link", name="Contact support").click()
    expect(page).to_have_url(re.compile(r"/contact$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_typo_gets_did_you_mean_and_the_correction_finds_the_answer(page: Page) -> None:
    page.goto("/search?q=stuk+on+preparing")
    offer = page.locator(".did-you-mean")
    expect(offer).to_contain_text("Did you mean")
    screenshot(page, "search-did-you-mean")
    offer.get_by_role("link", name="stuck on preparing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “stuck on preparing”")
    first = page.locator("ol.results li").first
    expect(first.locator(".result-title")).to_contain_text(re.compile("indexing", re.IGNORECASE))
