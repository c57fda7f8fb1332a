"""No other site may frame the help center (clickjacking): Chromium refuses to render the app
inside a page of another origin (`frame-ancestors 'none'`, and X-Frame-Options DENY)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.problems import PageProblems
from tests.browser.server import LiveServer, OtherOrigin

FRAMED = ["/agent/login", "/"]


@pytest.fixture
def framing_page(other_origin: OtherOrigin, live_server: LiveServer) -> str:
    """A page of another site that frames the app's pages, and one of its own (the control:
    it shows that the test sees a frame's content when the frame renders)."""
    control = other_origin.serve("/control.html", "<p>Framed fine</p>")
    frames = [f'<iframe title="{path}" src="{live_server.url}{path}"></iframe>' for path in FRAMED]
    frames.append(f'<iframe title="control" src="{control}"></iframe>')
    html = "<!doctype html><title>Another site</title>" + "".join(frames)
    return other_origin.serve("/frames.html", html)


def frame_text(page: Page, title: str) -> str:
    frame = page.locator(f'iframe[title="{title}"]').element_handle().content_frame()
    assert frame is not None
    return frame.evaluate("document.body ? document.body.innerText : ''")


def test_another_origin_cannot_frame_the_app(
    page: Page, framing_page: str, live_server: LiveServer, page_problems: PageProblems
) -> None:
    page.goto(framing_page)
    assert frame_text(page, "control") == "Framed fine"
    for path in FRAMED:
        shown = frame_text(page, path)
        assert "Driftbox Help Center" not in shown, f"{path} rendered inside another site"
    # Chromium says why, on the framing page's console, once per frame.
    problems = page_problems.take()
    refused = f"Framing '{live_server.url}/' violates"
    refusals = [p for p in problems if refused in p and "frame-ancestors 'none'" in p]
    assert len(refusals) == len(FRAMED), problems
    for path in FRAMED:
        assert f"GET {live_server.url}{path} failed: net::ERR_BLOCKED_BY_RESPONSE" in problems
