"""The agent sidebar inside help desks, in Chromium: a test help desk page of its own
(tests/browser/helpdesk/) sends the agent key and a ticket by postMessage and gets an answer
back; a message from another origin is ignored, and another origin cannot frame the sidebar at
all; the Zendesk adapter (a ZAF ticket sidebar app, with a stand-in for Zendesk's SDK) and the
Chatwoot adapter (a dashboard app, inside a page that speaks as Chatwoot does) do the same.

A gunicorn of its own serves the suite's site with KB_SIDEBAR_ORIGINS naming the help desk's
origin; the help desk pages come from servers on other ports (other origins)."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Frame, Page, expect

from tests.browser.pages import eventually, look_at
from tests.browser.problems import PageProblems
from tests.browser.server import LiveServer, running_server
from tests.helpers import AGENT_KEY, REPO

PAGES = Path(__file__).parent / "helpdesk"
ADAPTERS = REPO / "helpdesk"
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


class Site:
    """Files served from an origin of their own (a port), with their content types."""

    def __init__(self) -> None:
        files: dict[str, tuple[str, bytes]] = {}
        self.files = files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                kind, body = files.get(self.path.split("?")[0], ("text/plain", b"not found"))
                self.send_response(200 if body != b"not found" else 404)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def add(self, path: str, text: str) -> str:
        self.files[path] = (TYPES[Path(path).suffix], text.encode())
        return self.url + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def page_text(name: str, **values: str) -> str:
    text = (PAGES / name).read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


@pytest.fixture(scope="module")
def help_desk() -> Iterator[Site]:
    site = Site()
    yield site
    site.close()


@pytest.fixture(scope="module")
def another_site() -> Iterator[Site]:
    site = Site()
    yield site
    site.close()


@pytest.fixture(scope="module")
def sidebar_server(
    live_server: LiveServer, help_desk: Site, tmp_path_factory
) -> Iterator[LiveServer]:
    """The suite's site, served with the help desk's origin allowed to frame the sidebar."""
    log = tmp_path_factory.mktemp("sidebar") / "gunicorn.log"
    with running_server(live_server.site, log, {"KB_SIDEBAR_ORIGINS": help_desk.url}) as server:
        yield server


def sidebar(page: Page) -> Frame:
    frame = page.frame(name="kb-sidebar")
    assert frame is not None
    return frame


def test_the_sidebar_takes_a_ticket_from_the_help_desk_and_answers_into_its_reply(
    page: Page, sidebar_server: LiveServer, help_desk: Site, another_site: Site
) -> None:
    intruder = another_site.add("/intruder.html", page_text("intruder.html", AGENT_KEY=AGENT_KEY))
    url = help_desk.add(
        "/desk.html",
        page_text(
            "test_help_desk.html",
            SIDEBAR_URL=f"{sidebar_server.url}/agent/sidebar",
            SIDEBAR_ORIGIN=sidebar_server.url,
            AGENT_KEY=AGENT_KEY,
            INTRUDER=f'<iframe id="intruder" title="Another site" src="{intruder}"></iframe>',
        ),
    )
    suggested: list[str] = []
    page.on("request", lambda r: suggested.append(r.url) if "/api/v1/suggest" in r.url else None)
    page.goto(url)
    status = sidebar(page).get_by_role("status")
    expect(status).to_have_text("Waiting for the help desk to send a ticket.")
    # Another origin in the same page sends a key and a ticket: the sidebar ignores both.
    forger = page.frame_locator("#intruder")
    forger.get_by_role("button", name="Send as another site").click()
    expect(forger.get_by_role("status")).to_have_text("sent")
    page.get_by_role("button", name="Send the ticket").click()
    # Had the forged key counted, the ticket would now be searched; it waits for the key.
    expect(status).to_have_text("Waiting for the help desk to send its agent key.")
    assert suggested == []
    page.get_by_role("button", name="Send the agent key").click()
    expect(status).to_have_text("Suggestions for this ticket.")
    frame = sidebar(page)
    expect(frame.get_by_role("heading", name="All suggestions")).to_be_visible()  # two requests
    # A refund and a sync error: the queues' plain names, and a triage far from sure.
    expect(frame.locator("#sidebar-triage")).to_contain_text(
        re.compile(
            r"(Service: orders, billing, account|Support: technical problems).*confidence [5-7]\d%"
        )
    )
    refund = frame.locator("#sidebar-suggestions li", has_text="Request a refund").first
    refund.get_by_role("button", name="Insert answer").click()
    reply = page.get_by_label("Reply to the customer")
    # The section's text under its heading, then the customer's address of the section.
    address = re.escape(f"{sidebar_server.url}/articles/request-a-refund#")
    expect(reply).to_have_value(
        re.compile(r"^[^\n]+:\n\n.+\n\nMore in “Request a refund”: " + address, re.S)
    )
    look_at(page, "agent-sidebar-in-a-help-desk")


def test_another_origin_cannot_frame_the_sidebar(
    page: Page, sidebar_server: LiveServer, another_site: Site, page_problems: PageProblems
) -> None:
    url = another_site.add(
        "/framing.html",
        page_text("framing.html", SIDEBAR_URL=f"{sidebar_server.url}/agent/sidebar"),
    )
    page.goto(url)
    frame = page.locator("iframe").element_handle().content_frame()
    assert frame is not None
    assert "Suggested articles" not in frame.evaluate(
        "document.body ? document.body.innerText : ''"
    )
    problems = page_problems.take()
    assert any("frame-ancestors" in p for p in problems), problems
    assert any("ERR_BLOCKED_BY_RESPONSE" in p for p in problems), problems


def test_the_zendesk_app_puts_the_answer_into_the_reply(
    page: Page, sidebar_server: LiveServer, help_desk: Site
) -> None:
    """helpdesk/zendesk as Zendesk serves it, with a stand-in for its SDK (the page's only
    change: the SDK's script tag)."""
    assets = ADAPTERS / "zendesk" / "assets"
    html = (assets / "iframe.html").read_text()
    sdk = '<script src="https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js"></script>'
    assert sdk in html
    html = html.replace(
        sdk, '<script src="zaf_fake.js"></script><script src="zaf_data.js"></script>'
    )
    help_desk.add("/zendesk/zaf_fake.js", (PAGES / "zaf_fake.js").read_text())
    settings = {"kb_url": sidebar_server.url + "/", "agent_key": AGENT_KEY}
    ticket = {
        "ticket.id": 4321,
        "ticket.subject": "Sync error",
        "ticket.description": "DBX-201 for report:final.docx",
        "ticket.comments": [
            {
                "value": "<p>DBX-201 for <b>report:final.docx</b>, it never syncs.</p>",
                "author": {"role": "end-user"},
            }
        ],
        "comment.useRichText": True,
    }
    help_desk.add(
        "/zendesk/zaf_data.js",
        f"window.ZAF_SETTINGS = {json.dumps(settings)};\nwindow.ZAF_DATA = {json.dumps(ticket)};",
    )
    for name in ("kb-sidebar.js", "kb-sidebar.css"):
        help_desk.add(f"/zendesk/{name}", (assets / name).read_text())
    page.goto(help_desk.add("/zendesk/iframe.html", html))
    frame = page.frame_locator("#kb-sidebar")
    expect(frame.get_by_role("status")).to_have_text("Suggestions for this ticket.")
    expect(frame.locator("#sidebar-triage")).to_contain_text("Support: technical problems")
    first = frame.locator("#sidebar-suggestions li").filter(has=frame.get_by_role("button"))
    first.first.get_by_role("button", name="Insert answer").click()
    eventually(
        lambda: bool(page.evaluate("window.invoked.length > 1")), "the reply was not inserted"
    )
    invoked = page.evaluate("window.invoked")
    assert invoked[0] == ["resize", {"width": "100%", "height": "640px"}]
    action, html_reply = invoked[-1]
    assert action == "comment.appendHtml"  # the editor is rich text
    assert "<strong>" in html_reply and "More in <a href=" in html_reply


def test_the_chatwoot_app_takes_the_conversation_and_readies_the_reply(
    page: Page, sidebar_server: LiveServer, help_desk: Site
) -> None:
    folder = ADAPTERS / "chatwoot"
    for name in ("index.html", "kb-chatwoot.js", "kb-chatwoot.css"):
        help_desk.add(f"/chatwoot/{name}", (folder / name).read_text())
    config = {"url": sidebar_server.url, "agentKey": AGENT_KEY, "chatwootOrigin": help_desk.url}
    help_desk.add("/chatwoot/config.js", f"window.KB_SIDEBAR = {json.dumps(config)};")
    page.goto(help_desk.add("/chatwoot-host.html", page_text("chatwoot_host.html")))
    app = page.frame_locator("#dashboard-app")
    frame = app.frame_locator("#kb-sidebar")
    expect(frame.get_by_role("status")).to_have_text("Suggestions for this ticket.")
    refund = frame.locator("#sidebar-suggestions li", has_text="Request a refund").first
    refund.get_by_role("button", name="Insert link").click()
    box = app.get_by_label("Reply to paste")
    expect(box).to_have_value(
        re.compile(r"^\[Request a refund( › [^\]]+)?\]\(" + re.escape(sidebar_server.url))
    )
