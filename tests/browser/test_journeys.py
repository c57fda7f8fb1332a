"""What customers and staff do, end to end in a browser: find an answer from the home page, be
shown articles before sending a message, read the analytics (the writer's are in
test_studio.py).
Each page a journey reaches is checked with axe-core where it first shows its content."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import WIDTHS, check_accessibility, eventually, look_at, sign_in
from tests.browser.server import KEYS, LiveServer

# The largest value the searches chart draws (Chart.js, web/static/insights.js).
TALLEST_BAR = "canvas => Math.max(0, ...Chart.getChart(canvas).data.datasets[0].data)"


def viewport(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})


@pytest.mark.parametrize("width", WIDTHS)
def test_from_the_home_page_to_the_section_that_answers(page: Page, width: int) -> None:
    viewport(page, width)
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search help articles")
    box.fill("how long until my refund arrives")
    expect(page.locator("#live-results").get_by_role("option").first).to_be_visible()
    box.press("Enter")  # no live result chosen: the form opens the results page
    expect(page).to_have_url(re.compile(r"/search\?q=how\+long\+until"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("how long until my refund")
    check_accessibility(page)
    result = page.locator(".results li a[href*='#']").first  # a result that names a section
    href = result.get_attribute("href") or ""
    result.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    anchor = urllib.parse.unquote(href.split("#", 1)[1])
    section = page.locator(f"[id='{anchor}']")
    expect(section).to_have_count(1)
    expect(section).to_be_in_viewport()  # the browser scrolled to the section
    check_accessibility(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_contact_form_shows_suggestions_before_the_send_button(page: Page, width: int) -> None:
    viewport(page, width)
    page.goto("/contact")
    page.get_by_label("Subject").fill("I want my money back")
    suggestions = page.locator("#deflection-list")
    expect(suggestions.locator("li").first).to_be_visible()
    send = page.get_by_role("button", name="Send to support")
    # Before it in the page (a screen reader and the Tab key reach them first) and on screen.
    follows = suggestions.evaluate(
        "(list, send) => Boolean(list.compareDocumentPosition(send)"
        " & Node.DOCUMENT_POSITION_FOLLOWING)",
        send.element_handle(),
    )
    assert follows, "the send button comes before the suggestions in the page"
    list_box, send_box = suggestions.bounding_box(), send.bounding_box()
    assert list_box is not None and send_box is not None
    assert list_box["y"] < send_box["y"], (list_box, send_box)
    check_accessibility(page)


def deflection(live_server: LiveServer) -> dict:
    return live_server.get_json("/api/v1/analytics/deflection", KEYS["admin"])["deflection"]


def test_a_suggestion_read_or_marked_as_the_answer_is_a_deflection(
    page: Page, live_server: LiveServer
) -> None:
    before = deflection(live_server)
    page.goto("/contact")
    page.get_by_label("Subject").fill("I want my money back")
    first = page.locator("#deflection-list li").first
    expect(first).to_be_visible()
    look_at(page, "contact-suggestions")
    first.get_by_role("link").click()  # read it, then left: counted unless a message follows
    expect(page).to_have_url(re.compile(r"/articles/[^?]+\?from=contact"))
    assert deflection(live_server)["left_after_reading"] == before["left_after_reading"] + 1
    page.go_back()
    page.get_by_label("Subject").fill("I want my money back")
    first = page.locator("#deflection-list li").first
    first.get_by_role("button", name="This solved my problem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glad that helped")
    check_accessibility(page)
    after = deflection(live_server)
    assert after["solved_by_article"] == before["solved_by_article"] + 1
    assert after["deflected"] == before["deflected"] + 2


def test_the_admin_dashboard_charts_the_searches(page: Page) -> None:
    for query in ("refund", "sync stuck on indexing", "share a folder"):
        page.goto(f"/search?q={urllib.parse.quote(query)}")
    sign_in(page, "admin")
    chart = page.get_by_role("img", name=re.compile(r"^Searches per day"))  # a <canvas>
    expect(chart).to_be_visible()

    def drawn() -> bool:  # searches are written by a background thread
        page.reload()
        return chart.evaluate(TALLEST_BAR) > 0

    eventually(drawn, "the chart has no bar for today's searches", timeout=30)
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 40
    check_accessibility(page)
