"""Browser tests: one live help center (gunicorn, real model) and one Chromium per session, a
new browser context per test, and every page a test opens checked for console errors, uncaught
script errors, Content-Security-Policy violations and failed requests.

The fixtures are pytest-playwright's (`page`, `context`, `new_context`, `browser`), pointed at
Debian's Chromium and at the live server (`page.goto("/contact")` works); a test that expects
a problem takes it with `page_problems.take()` and checks it itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext

from tests.browser.problems import PageProblems
from tests.browser.server import (
    LiveServer,
    OtherOrigin,
    import_seed_tickets,
    prepare_site,
    running_server,
)

# Debian's package (CI installs it: .ci/install-chromium). Playwright's own browser download
# needs the network, which CI machines do not have.
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",  # as root (CI runs as root), Chromium will not start with its sandbox
    "--disable-gpu",
    # The network is closed: no update checks, sync or first-run pages to wait for.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).parent
SERVER = pytest.StashKey[LiveServer]()
LOG_START = pytest.StashKey[int]()


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is marked `browser`, and skipped when Chromium is missing."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                reason = f"{CHROMIUM} is missing: install Debian's chromium (.ci/install-chromium)"
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A test passes only if its pages had no problem (checked while it still counts as the
    test's failure, not as an error in teardown). A test that failed on its own shows them
    beside its failure: a script error is often why an element never appeared."""
    problems = getattr(item, "funcargs", {}).get("page_problems")
    try:
        result = yield
    except BaseException:
        if problems is not None and (seen := problems.take()):
            item.add_report_section("call", "browser problems", "\n".join(seen))
        raise
    if problems is not None:
        problems.check()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed test's report shows what the server logged while it ran."""
    report = yield
    server = item.stash.get(SERVER, None)
    if report.failed and server is not None and (log := server.log_since(item.stash[LOG_START])):
        report.sections.append(("server log", log))
    return report


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[LiveServer]:
    """The demo content (and the seed drafts and their tickets) served by gunicorn."""
    root = tmp_path_factory.mktemp("help-center")
    # The demo content's vectors, kept in .pytest_cache between runs: a first run embeds it
    # all (most of this fixture's time), later runs only what changed.
    cache = getattr(pytestconfig, "cache", None)  # None under -p no:cacheprovider
    vectors = cache.mkdir("browser-embeddings") / "embeddings.sqlite" if cache else None
    site = prepare_site(root, embedding_cache=vectors)
    with running_server(site, root / "gunicorn.log") as server:
        import_seed_tickets(server)
        yield server


@pytest.fixture(autouse=True)
def _server_log(request: pytest.FixtureRequest, live_server: LiveServer) -> None:
    request.node.stash[SERVER] = live_server
    request.node.stash[LOG_START] = live_server.log_size()


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    """pytest-playwright gives every context this base URL."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": LAUNCH_ARGS}


@pytest.fixture
def page_problems() -> PageProblems:
    """The problems of every page in this test's contexts; checked when the test ends."""
    return PageProblems()


@pytest.fixture
def new_context(
    new_context: Callable[..., BrowserContext], page_problems: PageProblems
) -> Callable[..., BrowserContext]:
    """pytest-playwright's context factory, each context watched for problems."""

    def watched_context(**options) -> BrowserContext:
        context = new_context(**options)
        page_problems.watch(context)
        return context

    return watched_context


@pytest.fixture(scope="session")
def other_origin() -> Iterator[OtherOrigin]:
    """A web server on another port: pages of another site, e.g. one that frames the app."""
    with OtherOrigin() as server:
        yield server
