"""`kb users ...`: staff accounts from a shell (list, invite, roles, disable, enable, reset,
create-admin). Every change is written to the audit log as done from the command line."""

from __future__ import annotations

import getpass
import json
import socket
import sys

import click

from kb.settings import Settings


class Accounts:
    """The stores a command needs, opened on the settings' database."""

    def __init__(self, settings: Settings) -> None:
        from kb.state.account_links import AccountLinks  # noqa: PLC0415
        from kb.state.audit import AuditLog  # noqa: PLC0415
        from kb.state.database import Database  # noqa: PLC0415
        from kb.state.users import UserStore  # noqa: PLC0415

        database = Database.for_settings(settings)
        self.settings = settings
        self.users = UserStore(database)
        self.links = AccountLinks(database)
        self.log = AuditLog(database)

    def audit(self, action: str, target: str, detail: str = "") -> None:
        self.log.record(action, None, target=target, detail=detail, actor_name=command_line())

    def user(self, email: str):
        from kb.errors import NotFound  # noqa: PLC0415

        found = self.users.find_email(email)
        if found is None:
            raise NotFound(f"no account for {email}")
        return found

    def send_link(self, user, purpose: str) -> None:
        """Make an invitation or reset link, e-mail it, and print it (this once)."""
        from kb.delivery.account_mail import link_lifetime, send_account_link  # noqa: PLC0415
        from web.urls import account_link_path  # noqa: PLC0415 - Flask-free

        token = self.links.issue(user.id, purpose, link_lifetime(self.settings, purpose))
        link = self.settings.public_url.rstrip("/") + account_link_path(purpose, token)
        if not self.settings.public_url:
            click.echo("warning: KB_PUBLIC_URL is not set: the link has no address", err=True)
        problem = send_account_link(self.settings, user.email, user.name, purpose, link)
        click.echo(link)
        sent = f"not e-mailed: {problem}" if problem else f"e-mailed to {user.email}"
        click.echo(f"{purpose} link {sent}; it is not shown again", err=True)
        action = "user_invited" if purpose == "invitation" else "password_reset_sent"
        self.audit(action, user.email, ", ".join(user.roles) if purpose == "invitation" else "")


def command_line() -> str:
    """Who acted, as the audit log names someone at a shell."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "someone"
    return f"command line ({who}@{socket.gethostname()})"


def _accounts(ctx: click.Context) -> Accounts:
    return Accounts(ctx.find_root().obj)


ROLE = click.option(
    "--role",
    "roles",
    type=click.Choice(["agent", "writer", "admin"]),
    multiple=True,
    required=True,
    help="A role (repeat for several).",
)


@click.group()
def users() -> None:
    """Staff accounts: list, invite, change roles, disable, enable, reset, create-admin."""


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_users(ctx: click.Context, as_json: bool) -> None:
    """Every account with its roles and state."""
    found = _accounts(ctx).users.list()
    if as_json:
        click.echo(json.dumps([u.__dict__ for u in found], indent=2))
        return
    for u in found:
        how = "sso" if u.single_sign_on else "password" if u.has_password else "invited"
        state = "enabled" if u.enabled else f"disabled {u.disabled_at}"
        two_step = ", two-step" if u.two_step else ""
        click.echo(
            f"{u.id:4}  {u.email}  {u.name}  [{', '.join(u.roles)}]  {how}{two_step}  {state}"
        )


@users.command()
@click.argument("email")
@ROLE
@click.option("--name", default="", help="Their name (default: the e-mail's name part).")
@click.pass_context
def invite(ctx: click.Context, email: str, roles: tuple[str, ...], name: str) -> None:
    """Make an account and e-mail an invitation link to choose a password (printed once)."""
    accounts = _accounts(ctx)
    user = accounts.users.create(email, name or email.partition("@")[0], roles)
    accounts.send_link(user, "invitation")


@users.command()
@click.argument("email")
@click.pass_context
def reset(ctx: click.Context, email: str) -> None:
    """E-mail a password-reset link (printed once)."""
    accounts = _accounts(ctx)
    accounts.send_link(accounts.user(email), "reset")


@users.command()
@click.argument("email")
@ROLE
@click.pass_context
def roles(ctx: click.Context, email: str, roles: tuple[str, ...]) -> None:
    """Set a person's roles (all of them: --role agent --role writer)."""
    accounts = _accounts(ctx)
    before = accounts.user(email)
    user = accounts.users.set_roles(before.id, roles)
    if user.roles != before.roles:
        accounts.audit(
            "roles_changed", user.email, f"{', '.join(before.roles)} → {', '.join(user.roles)}"
        )
    click.echo(f"{user.email}: {', '.join(user.roles)}")


@users.command()
@click.argument("email")
@click.pass_context
def disable(ctx: click.Context, email: str) -> None:
    """Disable an account: its sessions end now and its keys stop working."""
    accounts = _accounts(ctx)
    user = accounts.users.disable(accounts.user(email).id)
    accounts.audit("user_disabled", user.email)
    click.echo(f"{user.email} disabled")


@users.command()
@click.argument("email")
@click.pass_context
def enable(ctx: click.Context, email: str) -> None:
    """Let a disabled account sign in again."""
    accounts = _accounts(ctx)
    user = accounts.users.enable(accounts.user(email).id)
    accounts.audit("user_enabled", user.email)
    click.echo(f"{user.email} enabled")


@users.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Their name (default: the e-mail's name part).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--if-none", is_flag=True, help="Do nothing when any account exists already.")
@click.pass_context
def create_admin(
    ctx: click.Context, email: str, name: str, password_stdin: bool, if_none: bool
) -> None:
    """Make an admin who signs in with a password (asked for twice, never echoed): the first
    admin of a fresh install, or another."""
    from kb.state.passwords import check_password  # noqa: PLC0415

    accounts = _accounts(ctx)
    if if_none and accounts.users.count():
        click.echo("an account exists already: nothing to do", err=True)
        return
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    check_password(password, accounts.settings.password_min_length, email)
    user = accounts.users.create(email, name or email.partition("@")[0], ["admin"], password)
    accounts.audit("user_created", user.email, "an admin, from the command line")
    click.echo(f"admin {user.email} created; sign in at /admin/login")
