"""The checks every browser test relies on see what they must: a page that breaks each rule
(served from another origin, so the app itself stays clean) is reported."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.problems import PageProblems
from tests.browser.server import OtherOrigin

STRICT = '<meta http-equiv="Content-Security-Policy" content="script-src \'self\'">'


def test_a_csp_violation_is_reported(
    page: Page, other_origin: OtherOrigin, page_problems: PageProblems
) -> None:
    url = other_origin.serve("/strict.html", f"{STRICT}<script>document.title = 'ran'</script>")
    page.goto(url)
    assert page.title() != "ran"  # the policy held
    problems = page_problems.take()
    assert any(p.startswith("CSP violation: script-src") for p in problems), problems
    assert any(p.startswith("CSP refusal") and "inline script" in p for p in problems), problems


def test_script_errors_console_errors_and_failed_requests_are_reported(
    page: Page, other_origin: OtherOrigin, page_problems: PageProblems
) -> None:
    script = "console.error('oops'); fetch('/missing.json'); throw new Error('boom');"
    page.goto(other_origin.serve("/broken.html", f"<script>{script}</script>"))
    page.wait_for_load_state("networkidle")
    problems = page_problems.take()
    assert any(p.startswith("console error") and p.endswith("oops") for p in problems), problems
    assert any(p.startswith("uncaught error") and "boom" in p for p in problems), problems
    assert f"404 for GET {other_origin.url}/missing.json" in problems, problems


def test_check_fails_with_every_problem(
    page: Page, other_origin: OtherOrigin, page_problems: PageProblems
) -> None:
    page.goto(other_origin.serve("/noisy.html", "<script>console.error('one')</script>"))
    with pytest.raises(AssertionError, match="console error on .*: one"):
        page_problems.check()
    page_problems.check()  # what check() reported is not reported twice
