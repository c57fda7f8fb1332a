"""The writer studio in a browser: filter the list, open a draft, change its title and category
in the form, publish after a confirmation and find the article by search; update an existing
article beside the draft that adds to it; a draft with a placeholder is not published; the live
preview, the URL following the title, tickets shown without names; drafts regenerated in the
background while the list shows the progress. The seed drafts are in tests/browser/seed/."""

from __future__ import annotations

import re
import urllib.parse

from playwright.sync_api import Page, expect

from tests.browser.pages import eventually, look_at, sign_in
from tests.browser.server import LiveServer

# Published by one test only (the session's server keeps what it publishes).
PUBLISHED_DRAFT = "scanned-documents-saved-to-the-wrong-folder"
PUBLISHED_TITLE = "Scanned documents are saved to the wrong folder"
NEW_TITLE = "Document scanner saves to the wrong folder"
NEW_SLUG = "document-scanner-saves-to-the-wrong-folder"
UPDATE_TITLE = "Two-step codes stop working after a phone change"
PLACEHOLDER_DRAFT = "shared-link-asks-for-a-password"
ADDED = "After a phone change"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_a_writer_filters_edits_publishes_after_confirming_and_finds_it(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, "writer")
    page.get_by_label("Category").select_option("getting-started")  # the list reloads itself
    expect(page).to_have_url(re.compile(r"[?&]category=getting-started"))
    page.wait_for_load_state()  # the reloaded list's script listens once the page has loaded
    page.get_by_label("Show").select_option("new")
    expect(page).to_have_url(re.compile(r"[?&]kind=new"))
    cards = page.locator(".draft-card")
    expect(cards.get_by_role("link", name=PUBLISHED_TITLE)).to_be_visible()
    expect(cards.get_by_role("link", name=UPDATE_TITLE)).to_have_count(0)  # an update, filtered
    look_at(page, "writer-queue-filtered")
    cards.get_by_role("link", name=PUBLISHED_TITLE).click()
    expect(heading(page)).to_have_text(PUBLISHED_TITLE)
    page.get_by_label("Title").fill(NEW_TITLE)
    expect(page.get_by_label("URL")).to_have_value(NEW_SLUG)  # the URL follows the title
    page.get_by_label("Category").select_option("sync")
    page.get_by_role("button", name="Publish…").click()
    expect(heading(page)).to_have_text(f"Publish “{NEW_TITLE}”?")
    expect(page.locator(".confirm-list")).to_contain_text(f"sync/{NEW_SLUG}.md")
    look_at(page, "writer-confirm")
    page.get_by_role("button", name="Yes, publish").click()
    expect(page.get_by_role("status")).to_contain_text(f"sync/{NEW_SLUG}.md")
    query = "document scanner saves to the wrong folder"

    def searchable() -> bool:  # now, or once the background build is done
        found = live_server.get_json(f"/api/v1/search?log=0&q={urllib.parse.quote(query)}")
        return NEW_SLUG in [result["slug"] for result in found["results"]]

    eventually(searchable, f"{NEW_SLUG} is not found by search")
    page.goto("/")
    page.get_by_role("searchbox", name="Search help articles").fill(query)
    page.get_by_role("button", name="Search").click()
    page.locator(".results").get_by_role("link", name=re.compile(NEW_TITLE)).first.click()
    expect(heading(page)).to_have_text(NEW_TITLE)
    expect(page).to_have_url(re.compile(rf"/articles/{NEW_SLUG}"))


def test_a_draft_with_a_placeholder_cannot_be_published(page: Page) -> None:
    sign_in(page, "writer")
    page.goto(f"/writer/drafts/{PLACEHOLDER_DRAFT}")
    expect(page.locator("#unfilled")).to_contain_text("“(not stated)” on line")
    look_at(page, "writer-draft-placeholder")
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Publish…").click()
    assert sent.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("fill in or remove what is marked for you")
    expect(heading(page)).to_have_text("A shared link asks for a password nobody set")
    response = page.goto("/articles/a-shared-link-asks-for-a-password-nobody-set")
    assert response is not None and response.status == 404


def test_a_writer_updates_an_article_beside_the_draft_that_adds_to_it(
    page: Page, live_server: LiveServer
) -> None:
    sign_in(page, "writer")
    page.get_by_label("Show").select_option("update")
    page.get_by_role("link", name=UPDATE_TITLE).click()
    expect(heading(page)).to_have_text("Update “Turn on two-step verification”")
    expect(page.locator(".additions li ins").first).to_contain_text("new phone")
    tickets = page.locator(".tickets")
    expect(tickets).to_contain_text("a MacBook Air")  # "Jonas's MacBook Air", the name gone
    expect(tickets).not_to_contain_text("Jonas")
    expect(tickets).not_to_contain_text("Priya")
    look_at(page, "writer-update")
    editor = page.get_by_label("Markdown of account/two-step-verification.md")
    editor.fill(
        editor.input_value().rstrip()
        + f"\n\n## {ADDED}\n\nSign in with a backup code, then set up two-step verification "
        "again on the new phone.\n"
    )
    expect(page.locator("#article-preview")).to_contain_text(ADDED)  # the live preview
    page.get_by_role("button", name="Publish the updated article…").click()
    expect(heading(page)).to_have_text("Publish “Turn on two-step verification”?")
    page.get_by_role("button", name="Yes, publish").click()
    expect(page.get_by_role("status")).to_contain_text("account/two-step-verification.md")

    def updated() -> bool:
        return ADDED in live_server.get_json("/api/v1/articles/two-step-verification")["html"]

    eventually(updated, "the updated article is not served")


def test_the_form_previews_live_and_tickets_show_no_names(page: Page) -> None:
    sign_in(page, "writer")
    page.goto("/writer/drafts/camera-upload-waiting-for-wi-fi")
    body = page.get_by_label("Article text (Markdown)")
    body.fill(body.input_value() + "\n## Still waiting\n\nRestart the phone once.\n")
    expect(page.locator("#preview")).to_contain_text("Still waiting")
    page.get_by_label("Title").fill("Camera upload never starts")
    expect(page.get_by_label("URL")).to_have_value("camera-upload-never-starts")
    page.get_by_label("URL").fill("camera-upload")
    page.get_by_label("Title").fill("Camera upload never starts on Android")
    expect(page.get_by_label("URL")).to_have_value("camera-upload")  # set by the writer: kept
    tickets = page.locator(".tickets")
    expect(tickets).to_contain_text("Thanks,")
    expect(tickets).not_to_contain_text("Jonas")


def test_staff_with_several_roles_move_between_areas_and_sign_out(page: Page) -> None:
    sign_in(page, "admin")
    page.goto("/writer")
    areas = page.get_by_role("navigation", name="Staff areas")
    for area in ("Inbox", "Drafts", "Insights"):  # and the admin's people, keys and audit log
        expect(areas.get_by_role("link", name=area, exact=True)).to_be_visible()
    expect(areas.get_by_role("link", name="Drafts")).to_have_attribute("aria-current", "page")
    areas.get_by_role("link", name="Insights").click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    page.get_by_role("navigation", name="Staff areas").get_by_role("link", name="Drafts").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/writer/login$"))


def test_regenerating_drafts_shows_progress_then_the_outcome(page: Page) -> None:
    sign_in(page, "writer")
    page.get_by_role("button", name="Generate drafts from new solved tickets").click()
    # the job's progress while it runs (it may already have ended on a fast machine), then
    # the list again with how it ended: the page reloads itself
    expect(page.locator("#job-result")).to_contain_text("drafts (", timeout=240_000)
    expect(page.locator("#job-result")).not_to_contain_text("failed")
