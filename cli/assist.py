"""`kb keys ...` and `kb suggest`: API keys and agent suggestions from a shell."""

from __future__ import annotations

import json
import sys

import click

from kb.settings import Settings


def _services(settings: Settings):
    from kb.state.auth import KeyStore, parse_env_keys  # noqa: PLC0415
    from kb.state.database import Database  # noqa: PLC0415

    return KeyStore(Database.for_settings(settings), parse_env_keys(settings.api_keys))


@click.group()
def keys() -> None:
    """Create, list and revoke API keys (stored hashed in the data folder)."""


@keys.command("create")
@click.option("--role", type=click.Choice(["agent", "writer", "admin"]), required=True)
@click.option("--name", default="", help="A label, e.g. the system using it.")
@click.option("--user", "owner", default="", help="The owner's e-mail (a role they hold).")
@click.option("--expires-days", type=click.IntRange(1, 3650), help="It stops after N days.")
@click.pass_context
def create_key(
    ctx: click.Context, role: str, name: str, owner: str, expires_days: int | None
) -> None:
    """Print a new key once; it works at once, without restarting the server."""
    import datetime as dt  # noqa: PLC0415

    from cli.users import Accounts  # noqa: PLC0415

    settings = ctx.find_root().obj
    accounts = Accounts(settings)
    person = accounts.user(owner).principal("key") if owner else None
    expires = None
    if expires_days:
        moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=expires_days)
        expires = moment.isoformat(timespec="seconds")
    key, record = _services(settings).create(role, name, person, expires)
    accounts.audit(
        "key_created",
        f"{record.prefix}… ({record.name})",
        f"{record.role} key for {record.owner or 'nobody'}",
    )
    click.echo(key)
    click.echo(
        f"key {record.id} ({record.role}, {record.name}): store it now, it is not shown again",
        err=True,
    )


@keys.command("list")
@click.pass_context
def list_keys(ctx: click.Context) -> None:
    """List keys (never the keys themselves): owner, created, expires, last used, state."""
    for record in _services(ctx.find_root().obj).list():
        state = f"revoked {record.revoked_at}" if record.revoked_at else "active"
        click.echo(
            f"{record.id:4}  {record.role:6}  {record.prefix}…  {record.name}  "
            f"owner {record.owner or '-'}  created {record.created_at}  "
            f"expires {record.expires_at or 'never'}  "
            f"last used {record.last_used_at or 'never'}  {state}"
        )


@keys.command("revoke")
@click.argument("key_id", type=int)
@click.pass_context
def revoke_key(ctx: click.Context, key_id: int) -> None:
    """Revoke a key by its id (see `kb keys list`); it stops working at once."""
    from cli.users import Accounts  # noqa: PLC0415

    store = _services(ctx.find_root().obj)
    record = store.get(key_id)
    store.revoke(key_id)
    Accounts(ctx.find_root().obj).audit(
        "key_revoked", f"{record.prefix}… ({record.name})", f"{record.role} key"
    )
    click.echo(f"key {key_id} revoked")


@click.command()
@click.option(
    "--file",
    "source",
    type=click.File("r"),
    default="-",
    help="A ticket as JSON ({subject, body, messages?}); - or nothing reads stdin.",
)
@click.option("--limit", type=click.IntRange(1, 20), default=5)
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@click.pass_context
def suggest(ctx: click.Context, source, limit: int, as_json: bool) -> None:
    """Suggest articles for a ticket and triage it, as the agent API does."""
    from kb.assist.suggestion_log import SuggestionLog  # noqa: PLC0415
    from kb.assist.suggestions import AgentAssist  # noqa: PLC0415
    from kb.assist.ticket_text import Ticket, messages_from  # noqa: PLC0415
    from kb.errors import BadRequest  # noqa: PLC0415
    from kb.search.engine import open_engine  # noqa: PLC0415
    from kb.state.database import Database  # noqa: PLC0415

    settings = ctx.find_root().obj.with_tuned()
    try:
        data = json.loads(source.read())
        if not isinstance(data, dict):
            raise ValueError("a ticket must be a JSON object")
        ticket = Ticket(
            str(data.get("subject", "")),
            str(data.get("body", "")),
            messages_from(data.get("messages", [])),
        )
    except (ValueError, TypeError, AttributeError) as error:
        raise BadRequest(f"the ticket is not valid JSON of the right shape: {error}") from error
    engine = open_engine(settings)
    log = SuggestionLog(Database.for_settings(settings))
    result = AgentAssist(engine, log).suggest(ticket, limit)
    if as_json:
        from web.results import suggest_response  # noqa: PLC0415 - the API's shape, no Flask

        click.echo(suggest_response(result).model_dump_json(indent=2))
        return
    triage = result.triage
    click.echo(f"{triage.kind} · {triage.category or '-'} · confidence {triage.confidence:.0%}")
    for reason in triage.reasons:
        click.echo(f"  - {reason}")
    for rank, s in enumerate(result.suggestions, start=1):
        section = f" › {s.section.title}" if s.section.anchor else ""
        badge = " [internal]" if s.article.audience == "internal" else ""
        click.echo(f"{rank}. {s.article.title}{section}{badge}  confidence {s.confidence:.0%}")
    for request in result.requests:  # a ticket that asks for several things: each on its own
        asked = request.triage
        click.echo(f"“{request.label}”: {asked.kind} · confidence {asked.confidence:.0%}")
        for s in request.suggestions:
            section = f" › {s.section.title}" if s.section.anchor else ""
            click.echo(f"   - {s.article.title}{section}  confidence {s.confidence:.0%}")
    click.echo(f"request {result.request_id} in {result.took_ms:.0f} ms", err=sys.stderr.isatty())
