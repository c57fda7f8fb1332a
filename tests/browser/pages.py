"""Steps browser tests share: sign in as a role, take screenshots at a phone's and a desktop's
width."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.server import KEYS
from tests.helpers import REPO

# Git-ignored; look at them after a run (the README's "Tests and benchmarks" says so).
SCREENSHOTS = REPO / "tests" / "screenshots"
# Viewport width: height. 390 is a phone's width (iPhone 12 to 15), 1280 a laptop's.
WIDTHS = {390: 844, 1280: 800}
SIGN_IN_PAGES = {"agent": "/agent/login", "writer": "/writer/login", "admin": "/admin/login"}
SIGNED_IN_PAGES = {"agent": "/agent", "writer": "/writer", "admin": "/admin"}


def sign_in(page: Page, role: str) -> None:
    """Sign in with the suite's key for `role` (agent, writer or admin); lands on its page."""
    page.goto(SIGN_IN_PAGES[role])
    page.get_by_label("API key").fill(KEYS[role])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(SIGNED_IN_PAGES[role]) + "$"))


def screenshot(page: Page, name: str) -> list[Path]:
    """The whole page at each width in WIDTHS, as `<name>-<width>.png` in SCREENSHOTS; the
    viewport is put back afterwards."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"screenshot names are lower-case words and dashes, not {name!r}")
    SCREENSHOTS.mkdir(exist_ok=True)
    before = page.viewport_size
    paths = []
    for width, height in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        paths.append(path)
    if before:
        page.set_viewport_size(before)
    return paths
