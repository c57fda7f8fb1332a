"""Staff sign in as people, in Chromium: with a password, with two-step verification, and through
single sign-on against a real OpenID Connect provider on loopback (oidc-provider-mock); an
invitation and a password reset arrive at a real SMTP server (aiosmtpd) and work once; an agent
cannot open the writer or admin pages. Every new page is looked at (axe-core, both widths,
screenshots).

The help center here is a server of its own: it sends e-mail to this module's mailbox, knows the
provider, and has a first admin from its settings."""

from __future__ import annotations

import re
import socket
import time
import warnings
from collections.abc import Iterator

import authlib.deprecate  # noqa: F401, I001 - before the provider: see test_single_sign_on
import pyotp
import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.pages import look_at, sign_in_with_password
from tests.browser.server import LiveServer, prepare_site, running_server
from tests.mailbox import Mailbox

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import oidc_provider_mock

ADMIN, ADMIN_PASSWORD = "admin@example.com", "the first boss's passphrase"
AGENT_PASSWORD = "the agent's long passphrase"
NEW_PASSWORD = "a brand new long passphrase"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the provider's Authlib


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def help_center(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig, mailbox: Mailbox, provider: str
) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("accounts")
    cache = getattr(pytestconfig, "cache", None)  # None under -p no:cacheprovider
    vectors = cache.mkdir("browser-embeddings") / "embeddings.sqlite" if cache else None
    site = prepare_site(root, embedding_cache=vectors)
    port = free_port()
    environment = {
        "KB_SMTP_URL": mailbox.url,
        "KB_MAIL_FROM": "help@example.com",
        "KB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "KB_FIRST_ADMIN_EMAIL": ADMIN,
        "KB_FIRST_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "KB_OIDC_ISSUER": provider,
        "KB_OIDC_CLIENT_ID": "kb-help-center",
        "KB_OIDC_CLIENT_SECRET": "client-secret",
        "KB_OIDC_ROLE_MAP": "support:agent,docs:writer,kb-admins:admin",
    }
    with running_server(site, root / "gunicorn.log", environment, port) as server:
        yield server


@pytest.fixture
def browser_context_args(browser_context_args: dict, help_center: LiveServer) -> dict:
    return {**browser_context_args, "base_url": help_center.url}


@pytest.fixture
def page(context) -> Page:
    """A page on this module's help center. The provider's page asks a CDN for its stylesheet:
    answered empty here, as no request leaves the machine."""
    context.route(
        "https://cdn.jsdelivr.net/**", lambda route: route.fulfill(body="", content_type="text/css")
    )
    return context.new_page()


def invite(page: Page, mailbox: Mailbox, email: str, name: str, role: str) -> str:
    """As the signed-in admin, invite someone; the link from the e-mail that arrives."""
    before = len(mailbox.messages)
    page.goto("/admin/people")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Name").fill(name)
    page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".shown-once")).to_contain_text(f"{email} is invited")
    message = mailbox.wait_for(before + 1)[before]
    assert message["To"] == email
    link = re.search(r"http://\S+/staff/invitation/\S+", message.get_content()).group(0)
    expect(page.locator(".shown-once code")).to_have_text(link)  # shown to the admin once
    return link


def choose_password(page: Page, link: str, password: str) -> None:
    page.goto(link)
    page.get_by_label("New password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Save the password").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_sign_in_with_a_password_and_the_admin_pages(page: Page) -> None:
    page.goto("/admin/login")
    look_at(page, "sign-in")
    sign_in_with_password(page, "admin", ADMIN, "not the password at all")
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    sign_in_with_password(page, "admin", ADMIN, ADMIN_PASSWORD)
    expect(page).to_have_url(re.compile(r"/admin$"))
    page.goto("/admin/people")
    expect(page.get_by_role("link", name="People", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    look_at(page, "people")
    accounts = page.get_by_role("region", name="Staff accounts")
    accounts.get_by_role("link", name=ADMIN.partition("@")[0]).click()
    look_at(page, "person")
    page.goto("/admin/keys")
    page.get_by_label("Name (what uses it)").fill("Zendesk sidebar")
    page.get_by_label("Expires in").fill("90")
    page.get_by_role("button", name="Make the key").click()
    expect(page.locator(".shown-once")).to_contain_text("shown only this once")
    look_at(page, "keys")
    page.goto("/admin/audit")
    expect(page.locator("tbody")).to_contain_text("key_created")
    expect(page.locator("tbody")).to_contain_text("sign_in_failed")
    look_at(page, "audit-log")


def test_an_invitation_arrives_by_e_mail_and_works_once(page: Page, mailbox: Mailbox) -> None:
    sign_in_with_password(page, "admin", ADMIN, ADMIN_PASSWORD)
    link = invite(page, mailbox, "wendy@example.com", "Wendy Writer", "writer")
    sign_out(page)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Wendy Writer")
    look_at(page, "choose-password")
    choose_password(page, link, AGENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/writer/login$"))
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    sign_in_with_password(page, "writer", "wendy@example.com", AGENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/writer$"))
    page.goto(link)  # the second time
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    look_at(page, "link-expired")


def test_an_agent_cannot_open_the_writer_or_admin_pages(page: Page, mailbox: Mailbox) -> None:
    sign_in_with_password(page, "admin", ADMIN, ADMIN_PASSWORD)
    link = invite(page, mailbox, "ann@example.com", "Ann Agent", "agent")
    sign_out(page)
    choose_password(page, link, AGENT_PASSWORD)
    sign_in_with_password(page, "agent", "ann@example.com", AGENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/agent$"))
    nav = page.get_by_role("navigation", name="Staff areas")
    expect(nav.get_by_role("link")).to_have_text(["Inbox"])
    for area, what in (
        ("/writer", "review drafts"),
        ("/admin", "see the analytics"),
        ("/admin/people", "see the analytics"),
    ):
        page.goto(area)
        login = "/writer/login" if area == "/writer" else "/admin/login"
        expect(page).to_have_url(re.compile(re.escape(login) + "$"))
        expect(page.locator(".notice.error")).to_contain_text(
            f"You are signed in as Ann Agent, whose account cannot {what}"
        )
    look_at(page, "sign-in-elsewhere")


def test_a_password_reset_arrives_by_e_mail_and_works_once(page: Page, mailbox: Mailbox) -> None:
    sign_in_with_password(page, "admin", ADMIN, ADMIN_PASSWORD)
    link = invite(page, mailbox, "rita@example.com", "Rita", "agent")
    sign_out(page)
    choose_password(page, link, AGENT_PASSWORD)
    before = len(mailbox.messages)
    page.goto("/agent/login")
    page.get_by_role("link", name="Forgot your password?").click()
    look_at(page, "forgot-password")
    page.get_by_label("Your e-mail address").fill("rita@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("on its way")
    message = mailbox.wait_for(before + 1)[before]
    assert message["To"] == "rita@example.com" and "Reset" in message["Subject"]
    reset = re.search(r"http://\S+/staff/reset-password/\S+", message.get_content()).group(0)
    choose_password(page, reset, NEW_PASSWORD)
    sign_in_with_password(page, "agent", "rita@example.com", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/agent$"))
    page.goto(reset)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")


def test_sign_in_with_two_step_verification(page: Page, mailbox: Mailbox) -> None:
    sign_in_with_password(page, "admin", ADMIN, ADMIN_PASSWORD)
    link = invite(page, mailbox, "tom@example.com", "Tom", "agent")
    sign_out(page)
    choose_password(page, link, AGENT_PASSWORD)
    sign_in_with_password(page, "agent", "tom@example.com", AGENT_PASSWORD)
    page.get_by_role("link", name="Tom").click()  # their name in the header: their account
    look_at(page, "account")
    page.get_by_role("button", name="Set up two-step verification").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    look_at(page, "two-step-setup")
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    assert page.locator(".recovery-codes li").count() == 10
    look_at(page, "recovery-codes")
    page.get_by_role("link", name="I have kept them; continue").click()
    sign_out(page)

    sign_in_with_password(page, "agent", "tom@example.com", AGENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/staff/two-step$"))
    look_at(page, "two-step")
    # The code setup used is spent: the next step's (accepted for clock drift).
    page.get_by_label("The 6-digit code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/agent$"))


def test_sign_in_through_single_sign_on(page: Page, provider: str) -> None:
    claims = {
        "email": "sam@example.com",
        "name": "Sam Writer",
        "groups": ["docs"],
        "email_verified": True,
    }
    requests.put(f"{provider}/users/sam", json=claims, timeout=10).raise_for_status()
    page.goto("/writer/login")
    page.get_by_role("link", name="Sign in with single sign-on").click()
    expect(page).to_have_url(re.compile(re.escape(provider) + "/oauth2/authorize"))
    page.get_by_placeholder("sub").fill("sam")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(r"/writer$"))
    expect(page.locator("header .who")).to_have_text("Sam Writer")

    requests.put(
        f"{provider}/users/mallory",
        json={**claims, "email": "mallory@example.com", "groups": ["marketing"]},
        timeout=10,
    )
    sign_out(page)
    page.goto("/writer/login")
    page.get_by_role("link", name="Sign in with single sign-on").click()
    page.get_by_placeholder("sub").fill("mallory")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(r"/writer/login$"))
    expect(page.locator(".notice.error")).to_contain_text("give you no role")
