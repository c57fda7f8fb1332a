"""An agent's day in Chromium: a ticket arrives through the API, the agent opens it from the inbox,
sees its triage and suggestions (one group per request), searches and previews an internal
article without leaving the ticket, inserts an answer into the reply box (copied to the
clipboard, and recorded as linked), and solves it."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.browser.pages import look_at, sign_in
from tests.browser.server import LiveServer
from tests.helpers import AGENT_KEY

TWO_THINGS = """Hi,

My bank statement shows two payments of $9.99 to Driftbox on 1 November. Can you please refund
the second one?

Also, honestly, after this I want to cancel. Please make sure my plan doesn't renew in December.

Thanks,
Priya

Sent from my phone

On Mon, 2 Nov 2026 at 10:14, Driftbox Support <help@driftbox.example> wrote:
> Thanks for getting in touch about your sync error. Reset the desktop app's cache and the
> error should go away.
"""


def test_open_a_ticket_from_the_inbox_and_insert_an_answer(
    page: Page, live_server: LiveServer
) -> None:
    ticket_id = f"BT-{uuid.uuid4().hex[:8]}"
    new_ticket = {
        "id": ticket_id,
        "subject": "Charged twice, and I want to cancel",
        "status": "open",
        "channel": "email",
        "created_at": "2099-01-01T09:00:00Z",  # the newest: first in the inbox
        "messages": [{"author": "customer", "body": TWO_THINGS}],
    }
    live_server.post_json("/api/v1/tickets", new_ticket, AGENT_KEY)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "agent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    row = page.get_by_role("row").filter(has_text=ticket_id)
    expect(row).to_contain_text("open")
    expect(row).to_contain_text("Service")
    look_at(page, "agent-inbox-with-tickets")
    row.get_by_role("link", name="Charged twice, and I want to cancel").click()
    expect(page).to_have_url(re.compile(f"/agent/tickets/{ticket_id}$"))
    expect(page.locator(".message-body")).to_contain_text("My bank statement shows two payments")
    triage = page.locator(".triage")
    expect(triage).to_contain_text("Service: orders, billing, account")
    expect(triage.locator(".reasons li").first).to_be_visible()
    expect(page.get_by_role("heading", name="This ticket asks 2 things")).to_be_visible()
    # The signature and the quoted reply are no request of their own, nor part of one.
    labels = page.locator(".requests .request h3")
    expect(labels).to_have_count(2)
    expect(labels.first).to_contain_text("My bank statement shows two payments")
    expect(labels.last).to_contain_text("I want to cancel")
    cancel = page.locator("#suggestions li", has_text="Cancel your subscription").first
    expect(cancel).to_be_visible()

    # Search and preview an internal article without leaving the ticket.
    page.get_by_label("Search public and internal articles").fill("refund approval limits")
    page.locator("#search-form").get_by_role("button", name="Search").click()
    internal = page.locator("#search-results li", has_text="Refund approval rules").first
    expect(internal).to_contain_text("Internal")
    expect(internal.get_by_role("button", name="Insert answer")).to_have_count(0)
    internal.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#preview-meta")).to_have_text("Internal: not for customers")

    with page.expect_response("**/api/v1/suggest/feedback") as recorded:
        cancel.get_by_role("button", name="Insert answer").click()
    assert recorded.value.status == 201  # linked, for the learning and for solving
    reply = page.get_by_label("Your reply")
    expect(reply).to_have_value(re.compile(r"More in “Cancel your subscription”: http"))
    expect(page.locator("#reply-status")).to_contain_text("copied the reply")
    assert page.evaluate("navigator.clipboard.readText()") == reply.input_value()
    look_at(page, "agent-ticket")

    page.get_by_label("Status").select_option("solved")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notice")).to_contain_text("Solved.")
    solved = live_server.get_json("/api/v1/tickets?status=solved&limit=5", AGENT_KEY)
    mine = next(t for t in solved["tickets"] if t["id"] == ticket_id)
    assert "cancel-subscription" in mine["linked_articles"]
    assert mine["covered_by"] == "cancel-subscription"
