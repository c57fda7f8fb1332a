"""`kb users ...`: accounts from a shell, each change in the audit log as the command line's."""

from __future__ import annotations

import re

from cli import main
from tests.accounts.conftest import PASSWORD, PUBLIC_URL, link_in, services, sign_in


def run(runner, *args: str, stdin: str | None = None):
    return runner.invoke(main, ["users", *args], input=stdin)


def test_create_admin_makes_the_first_admin_once(app, runner) -> None:
    made = run(
        runner, "create-admin", "boss@example.com", "--name", "Boss", stdin=f"{PASSWORD}\n" * 2
    )
    assert made.exit_code == 0, made.output
    assert sign_in(app.test_client(), "boss@example.com", area="admin").status_code == 302
    again = run(
        runner,
        "create-admin",
        "other@example.com",
        "--password-stdin",
        "--if-none",
        stdin=f"{PASSWORD}\n",
    )
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert [u.email for u in services(app).users.list()] == ["boss@example.com"]


def test_create_admin_asks_twice_and_refuses_a_weak_password(app, runner) -> None:
    mismatch = run(runner, "create-admin", "boss@example.com", stdin=f"{PASSWORD}\nother\n" * 2)
    assert mismatch.exit_code != 0 and PASSWORD not in mismatch.output  # never echoed
    weak = run(
        runner, "create-admin", "boss@example.com", "--password-stdin", stdin="password1234\n"
    )
    assert weak.exit_code == 2 and "most common passwords" in weak.output
    assert services(app).users.list() == []


def test_invite_list_roles_disable_enable_and_reset(app, runner, mailbox, monkeypatch) -> None:
    monkeypatch.setenv("KB_SMTP_URL", mailbox.url)
    monkeypatch.setenv("KB_PUBLIC_URL", PUBLIC_URL)
    invited = run(runner, "invite", "wendy@example.com", "--role", "writer", "--name", "Wendy")
    assert invited.exit_code == 0, invited.output
    (message,) = mailbox.wait_for(1)
    assert invited.stdout.strip() == PUBLIC_URL + link_in(message)  # printed this once
    listed = run(runner, "list").stdout
    assert re.search(r"wendy@example.com\s+Wendy\s+\[writer\]\s+invited\s+enabled", listed)
    assert (
        run(runner, "roles", "wendy@example.com", "--role", "writer", "--role", "agent").exit_code
        == 0
    )
    assert services(app).users.find_email("wendy@example.com").roles == ("agent", "writer")
    assert run(runner, "disable", "wendy@example.com").exit_code == 0
    assert not services(app).users.find_email("wendy@example.com").enabled
    assert run(runner, "enable", "wendy@example.com").exit_code == 0
    services(app).users.set_password(
        services(app).users.find_email("wendy@example.com").id, PASSWORD
    )
    assert run(runner, "reset", "wendy@example.com").exit_code == 0
    assert "/staff/reset-password/" in link_in(mailbox.wait_for(2)[1])
    actions = [e.action for e in reversed(services(app).audit.entries())]
    assert actions == [
        "user_invited",
        "roles_changed",
        "user_disabled",
        "user_enabled",
        "password_reset_sent",
    ]
    assert {e.actor.split(" (")[0] for e in services(app).audit.entries()} == {"command line"}


def test_an_unknown_person_is_a_one_line_error(app, runner) -> None:
    answer = run(runner, "disable", "nobody@example.com")
    assert (
        answer.exit_code == 2
        and answer.output.strip() == "error: no account for nobody@example.com"
    )


def test_without_mail_the_link_is_printed_with_the_reason(app, runner, monkeypatch) -> None:
    monkeypatch.setenv("KB_PUBLIC_URL", PUBLIC_URL)
    invited = run(runner, "invite", "wendy@example.com", "--role", "agent")
    assert invited.exit_code == 0
    assert invited.stdout.startswith(PUBLIC_URL + "/staff/invitation/")
    assert "not e-mailed: set KB_SMTP_URL" in invited.stderr
