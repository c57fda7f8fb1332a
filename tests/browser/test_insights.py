"""The insights an admin acts on, in a browser, on a help center with a seeded fortnight of events
(`kb demo-events`, as an operator would run it): trend charts for a date range with the value
under the pointer, the gap queue paged through its kinds, "Start a draft" opening the draft
already written on the topic; every insights page checked at a phone's and a desktop's width;
sign-out from every staff page; and an opened search result counted once."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.pages import PHONE, SCREENSHOTS, WIDTHS, eventually, look_at, sign_in
from tests.browser.server import (
    KEYS,
    LiveServer,
    import_seed_tickets,
    prepare_site,
    running_server,
    server_environment,
)
from tests.helpers import REPO

SEED_DRAFT = "camera-upload-waiting-for-wi-fi"  # tests/browser/seed/drafts/
SEED_DRAFT_TITLE = "Camera upload waits for Wi-Fi on Android"
ON_ITS_TOPIC = "camera upload stuck waiting for wifi"  # a demo query nobody finds an answer to
# The value the chart shows under the pointer, as Chart.js's tooltip holds it.
TOOLTIP = """canvas => { const tip = Chart.getChart(canvas).tooltip;
  return {title: tip.title.join(" "), body: tip.body.map((b) => b.lines.join(" ")).join(" ")}; }"""


@pytest.fixture(scope="module")
def seeded(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[LiveServer]:
    """Its own help center (the demo events must not reach the other tests' server), with the
    seed drafts and their tickets and fourteen days of demo events up to today."""
    root = tmp_path_factory.mktemp("insights")
    cache = getattr(pytestconfig, "cache", None)
    vectors = cache.mkdir("browser-embeddings") / "embeddings.sqlite" if cache else None
    site = prepare_site(root, embedding_cache=vectors)
    seeding = subprocess.run(
        [sys.executable, "-m", "cli", "demo-events", "--days", "14"],
        cwd=REPO, env=server_environment(site), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert seeding.returncode == 0, seeding.stderr
    with running_server(site, root / "gunicorn.log") as server:
        import_seed_tickets(server)
        yield server


@pytest.fixture
def admin(new_context, seeded: LiveServer) -> Page:
    """A browser signed in as an admin of the seeded help center (its pages are opened by their
    whole address: the suite's base URL is the other server's)."""
    context: BrowserContext = new_context()
    page = context.new_page()
    page.goto(f"{seeded.url}/admin/login")
    page.get_by_text("Sign in with an API key").click()
    page.get_by_label("API key").fill(KEYS["admin"])
    page.get_by_role("button", name="Sign in with the key").click()
    expect(page).to_have_url(f"{seeded.url}/admin")
    return page


def last(days: int) -> dict[str, str]:
    end = dt.datetime.now(dt.UTC).date()
    return {"from": (end - dt.timedelta(days=days - 1)).isoformat(), "to": end.isoformat()}


def test_the_trends_are_charted_for_a_date_range_with_values_on_hover(
    admin: Page, seeded: LiveServer
) -> None:
    admin.goto(f"{seeded.url}/admin?" + urllib.parse.urlencode(last(14)))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Trends")
    table = admin.locator("#trend-table tbody tr")
    expect(table).to_have_count(14)
    charts = admin.locator("figure.trend canvas")
    # searches, click-through, no results, deflection; the bot: conversations, resolved, handed over
    expect(charts).to_have_count(7)
    for n in range(7):
        canvas = charts.nth(n)
        expect(canvas).to_be_visible()
        box = canvas.bounding_box()
        assert box is not None and box["width"] > 250 and box["height"] > 150, box
    # The pointer over the last day of the searches chart shows that day's number of searches.
    searches = charts.nth(0)
    box = searches.bounding_box()
    assert box is not None
    searches.hover(position={"x": box["width"] - 12, "y": box["height"] / 2})  # scrolls to it
    admin.wait_for_function(  # Chart.js draws on the next animation frame
        "canvas => Chart.getChart(canvas).tooltip.getActiveElements().length > 0",
        arg=searches.element_handle(),
    )
    shown = searches.evaluate(TOOLTIP)
    last_row = table.nth(13)  # in the closed "as a table": its text, not what is shown
    assert shown["title"] == (last_row.locator("th").text_content() or "").strip()
    assert shown["body"] == f"Searches: {last_row.locator('td').nth(0).text_content()}"
    expect(admin.locator("details.trend-table")).not_to_have_attribute("open", "")
    look_at(admin, "insights-trends")
    admin.get_by_label("per", exact=True).select_option("week")
    admin.get_by_role("button", name="Show").click()
    expect(admin).to_have_url(re.compile(r"by=week"))
    expect(admin.locator("#trend-table tbody th").first).to_contain_text("week of")


def test_the_answer_bots_figures_show_and_lead_to_its_questions(
    admin: Page, seeded: LiveServer
) -> None:
    """The demo events' conversations: the bot's tiles, its ratings, and its unanswered
    questions one click away in the gap queue."""
    admin.goto(f"{seeded.url}/admin?" + urllib.parse.urlencode(last(14)))
    bot = admin.get_by_role("region", name="The answer bot")
    expect(bot.locator("#tile-conversations strong")).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(bot.locator("#tile-automated_resolution_rate strong")).to_have_text(
        re.compile(r"^\d+ %$")
    )
    expect(bot.locator("#tile-handover_rate")).to_contain_text("handed over to a person")
    expect(bot.locator("#tile-satisfaction")).to_contain_text(re.compile(r"/ 5.*\(\d+ rated\)"))
    expect(bot.get_by_role("table", name=re.compile("^Ratings given"))).to_be_visible()
    for width in WIDTHS:  # the section itself, to look at closely
        admin.set_viewport_size({"width": width, "height": 900})
        bot.screenshot(path=SCREENSHOTS / f"insights-answer-bot-{width}.png")
    look_at(admin, "insights-trends-with-the-bot")
    bot.get_by_role("link", name="See them in the gap queue").click()
    expect(admin).to_have_url(re.compile(r"/admin/gaps\?.*kind=bot"))
    expect(admin.locator("table.gaps tbody tr").first).to_contain_text("Bot question")


def test_the_gap_queue_pages_through_its_kinds(admin: Page, seeded: LiveServer) -> None:
    before = len(seeded.get_json("/api/v1/analytics/gaps", KEYS["admin"])["gaps"])
    for n in range(30):  # more failed searches than a page holds
        seeded.get_json(f"/api/v1/search?q=zebra+crossing+permit+{n}")
    eventually(
        lambda: (
            len(seeded.get_json("/api/v1/analytics/gaps", KEYS["admin"])["gaps"]) >= before + 30
        ),
        "the new failed searches never reached the gap queue",
    )
    admin.goto(f"{seeded.url}/admin/gaps")
    tabs = admin.get_by_role("navigation", name="Kinds of gap")
    tabs.get_by_role("link", name=re.compile("^Failed searches")).click()
    expect(admin.get_by_text(re.compile(r"^Page 1 of [2-9]"))).to_be_visible()
    admin.get_by_role("link", name="Next →").click()
    expect(admin.get_by_text(re.compile(r"^Page 2 of"))).to_be_visible()
    expect(admin.locator("table.gaps tbody tr").first).to_contain_text(
        re.compile("Nothing found|No result opened")
    )
    tabs.get_by_role("link", name=re.compile("^Ticket groups")).click()
    expect(admin.locator("table.gaps tbody")).to_contain_text(SEED_DRAFT_TITLE)
    tabs.get_by_role("link", name=re.compile("^Unhelpful articles")).click()
    expect(admin.locator("table.gaps tbody tr").first).to_contain_text(
        re.compile(r"Unhelpful article|No gaps of this kind")
    )
    tabs.get_by_role("link", name=re.compile("^Bot questions")).click()
    expect(admin.locator("table.gaps tbody tr").first).to_contain_text(
        re.compile(r"Bot question|No gaps of this kind")
    )
    tabs.get_by_role("link", name=re.compile("^All")).click()
    look_at(admin, "insights-gaps")


def test_start_a_draft_opens_the_draft_already_on_that_topic(
    admin: Page, seeded: LiveServer
) -> None:
    admin.goto(f"{seeded.url}/admin/gaps?kind=searches")
    row = admin.locator("table.gaps tbody tr", has_text=ON_ITS_TOPIC)
    expect(row).to_contain_text(f"opens “{SEED_DRAFT_TITLE}”")
    row.get_by_role("button", name=re.compile("^Start a draft")).click()
    expect(admin).to_have_url(re.compile(rf"/writer/drafts/{SEED_DRAFT}$"))
    expect(admin.get_by_role("heading", level=1)).to_have_text(SEED_DRAFT_TITLE)
    expect(admin.get_by_role("status")).to_contain_text("already started")


def test_start_a_draft_without_one_fills_it_in_from_the_searches(
    admin: Page, seeded: LiveServer
) -> None:
    admin.goto(f"{seeded.url}/admin/gaps?kind=searches")
    row = admin.locator("table.gaps tbody tr", has_text="student discount")
    row.get_by_role("button", name=re.compile("^Start a draft")).click()
    expect(admin).to_have_url(re.compile(r"/writer/drafts/student-discount"))
    expect(admin.get_by_label("Markdown")).to_have_value(
        re.compile(r"Customers searched for “student discount” \d+ times")
    )


@pytest.mark.parametrize("path", ["/admin/searches", "/admin/content", "/admin/support"])
def test_every_insights_page_fits_and_passes_axe(
    admin: Page, seeded: LiveServer, path: str
) -> None:
    admin.goto(seeded.url + path)
    expect(admin.locator("table").first).to_be_visible()
    look_at(admin, "insights-" + path.rsplit("/", 1)[1])


def test_a_health_row_opens_the_writers_editor(admin: Page, seeded: LiveServer) -> None:
    admin.goto(f"{seeded.url}/admin/content")
    fix = re.compile("^(Fix in the editor|Open its draft)")
    admin.locator("#unread-articles").get_by_role("button", name=fix).first.click()
    expect(admin).to_have_url(re.compile(r"/writer/drafts/update-"))
    # The studio's update page: the article beside what the health check asks to fix.
    expect(admin.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Update “.+”$"))
    expect(admin.locator(".additions")).to_contain_text("What to fix")


STAFF_PAGES = [
    ("/agent", "/agent/login"),
    ("/agent/articles/refund-approval-rules", "/agent/login"),
    ("/writer", "/writer/login"),
    (f"/writer/drafts/{SEED_DRAFT}", "/writer/login"),
    ("/admin", "/admin/login"),
    ("/admin/gaps", "/admin/login"),
    ("/admin/searches", "/admin/login"),
    ("/admin/content", "/admin/login"),
    ("/admin/support", "/admin/login"),
    ("/admin/people", "/admin/login"),
    ("/admin/keys", "/admin/login"),
    ("/admin/audit", "/admin/login"),
]


@pytest.mark.parametrize(("path", "sign_in_page"), STAFF_PAGES, ids=[p for p, _ in STAFF_PAGES])
def test_sign_out_works_from_every_staff_page_on_a_phone(
    page: Page, path: str, sign_in_page: str
) -> None:
    sign_in(page, "admin")  # an admin may open every staff area
    page.set_viewport_size({"width": PHONE, "height": WIDTHS[PHONE]})
    page.goto(path)
    header = page.get_by_role("banner")
    expect(header.get_by_role("navigation", name="Staff areas")).to_be_visible()
    sign_out = header.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_in_viewport()
    sign_out.click()
    expect(page).to_have_url(re.compile(re.escape(sign_in_page) + "$"))
    page.goto(path)  # the session is over: back to signing in
    expect(page).to_have_url(re.compile(re.escape(sign_in_page) + "$"))


def clicks(server: LiveServer) -> int:
    return server.get_json("/api/v1/analytics/summary", KEYS["admin"])["summary"]["clicks"]


def test_an_opened_result_is_counted_once(page: Page, live_server: LiveServer) -> None:
    before = clicks(live_server)
    page.goto("/search?q=how+do+I+cancel+my+subscription")
    page.locator(".results a.result-title").first.click()
    expect(page).to_have_url(re.compile(r"/articles/"))
    eventually(lambda: clicks(live_server) > before, "the opened result was never counted")
    time.sleep(2)  # the events writer flushes every second: a second count would be in by now
    assert clicks(live_server) == before + 1
