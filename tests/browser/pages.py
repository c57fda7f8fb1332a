"""Steps and checks browser tests share: sign in as a role; look at a page at a phone's and a
desktop's width (nothing wider than the screen, axe-core's accessibility rules, screenshots)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.server import KEYS
from tests.helpers import REPO

# Git-ignored; look at them after a run (the README's "Tests and benchmarks" says so).
SCREENSHOTS = REPO / "tests" / "screenshots"
# Viewport width: height. 390 is a phone's width (iPhone 12 to 15), 1280 a laptop's.
WIDTHS = {390: 844, 1280: 800}
PHONE = 390
SIGN_IN_PAGES = {"agent": "/agent/login", "writer": "/writer/login", "admin": "/admin/login"}
SIGNED_IN_PAGES = {"agent": "/agent", "writer": "/writer", "admin": "/admin"}
# axe-core's impacts a page may not have (minor and moderate ones are reported by axe, not here).
BLOCKING_IMPACTS = ("serious", "critical")
AXE = Axe()  # reads axe.min.js once
# The elements that stick out past the right edge of the screen, outermost first.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.classList.length ? "." + [...e.classList].join(".") : "");
  const wide = [...document.body.querySelectorAll("*")]
    .filter((e) => e.getBoundingClientRect().right > width + 0.5)
    .map((e) => describe(e) + " to " + Math.round(e.getBoundingClientRect().right) + " px");
  return {width, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
}"""

# The visible tables whose column headings do not stand above their first row's cells: a table
# that some style lays out as something else (a grid, blocks) on a wide screen.
MISALIGNED_TABLES = """() => [...document.querySelectorAll("table")]
  .filter((table) => table.getClientRects().length)
  .map((table) => {
    const heads = [...table.querySelectorAll("thead tr:first-child > th")];
    const row = table.querySelector("tbody tr");
    const cells = row ? [...row.children] : [];
    if (!heads.length || heads.length !== cells.length) return null;
    const off = heads.findIndex((th, i) =>
      Math.abs(th.getBoundingClientRect().left - cells[i].getBoundingClientRect().left) > 1);
    return off < 0 ? null : (table.id || table.className || "table") + ": '"
      + heads[off].textContent.trim() + "' is not above its column";
  })
  .filter(Boolean)"""


def sign_in(page: Page, role: str) -> None:
    """Sign in with the suite's operator key for `role` (agent, writer or admin), in the sign-in
    page's folded "API key" form; lands on its page. (People sign in with a password:
    `sign_in_with_password`.)"""
    page.goto(SIGN_IN_PAGES[role])
    page.get_by_text("Sign in with an API key").click()
    page.get_by_label("API key").fill(KEYS[role])
    page.get_by_role("button", name="Sign in with the key").click()
    expect(page).to_have_url(re.compile(re.escape(SIGNED_IN_PAGES[role]) + "$"))


def sign_in_with_password(page: Page, role: str, email: str, password: str) -> None:
    """Sign in as a person at `role`'s sign-in page; lands there or on the two-step page."""
    page.goto(SIGN_IN_PAGES[role])
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def each_width(page: Page) -> Iterator[int]:
    """Size the viewport to each width in WIDTHS in turn, yielding the width; the viewport is put
    back when the loop ends."""
    before = page.viewport_size
    try:
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            yield width
    finally:
        if before:
            page.set_viewport_size(before)


def check_accessibility(page: Page) -> None:
    """axe-core over the page as it is now: fail on any serious or critical violation, with
    the rule, what it asks and the elements that break it."""
    violations = AXE.run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        lines = [
            f"- {v['id']} ({v['impact']}): {v['help']}; on "
            + ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
            for v in blocking
        ]
        width = (page.viewport_size or {}).get("width")
        raise AssertionError(f"axe-core on {page.url} at {width} px:\n" + "\n".join(lines))


def check_fits_screen(page: Page) -> None:
    """Nothing on the page is wider than the screen: a table or a long line scrolls inside its
    own box instead of making the whole page scroll sideways."""
    seen = page.evaluate(OVERFLOWING)
    if seen["scrollWidth"] > seen["width"]:
        raise AssertionError(
            f"{page.url} is {seen['scrollWidth']} px wide on a {seen['width']} px screen; "
            "sticking out: " + "; ".join(seen["wide"])
        )


def check_tables_line_up(page: Page) -> None:
    """Every table with column headings shows each above its column (a page-wide style once laid
    the gap queue's table out as a grid: headings in a heap, rows beside them)."""
    misaligned = page.evaluate(MISALIGNED_TABLES)
    if misaligned:
        raise AssertionError(f"{page.url}: " + "; ".join(misaligned))


def screenshot(page: Page, name: str) -> list[Path]:
    """The whole page at each width in WIDTHS, as `<name>-<width>.png` in SCREENSHOTS; the
    viewport is put back afterwards."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"screenshot names are lower-case words and dashes, not {name!r}")
    SCREENSHOTS.mkdir(exist_ok=True)
    paths = []
    for width in each_width(page):
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        paths.append(path)
    return paths


def look_at(page: Page, name: str) -> None:
    """What every page type must pass at each width: it fits the screen and axe-core finds no
    serious or critical violation; then it is photographed."""
    for width in each_width(page):
        check_fits_screen(page)
        if width > PHONE:  # on a phone, some tables become one card per row on purpose
            check_tables_line_up(page)
        check_accessibility(page)
    screenshot(page, name)


def eventually(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Call `check` until it returns true; fail after `timeout` seconds saying `what` never
    happened. For work the server finishes after it answers: events written by a background
    thread, an article indexed in the background."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout:.0f} s")
        time.sleep(0.25)
