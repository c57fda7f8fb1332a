"""`kb tickets ...` and `kb drafts ...`: resolved tickets in, draft articles out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kb.settings import Settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


def _store(settings: Settings):
    from kb.state.database import Database  # noqa: PLC0415
    from kb.tickets.store import TicketStore  # noqa: PLC0415

    return TicketStore(Database.for_settings(settings))


def _assist(settings: Settings):
    from kb.assist.suggestions import AgentAssist  # noqa: PLC0415
    from kb.search.engine import open_engine  # noqa: PLC0415

    return AgentAssist(open_engine(settings.with_tuned()), None)


def import_file(settings: Settings, path: Path) -> bool:
    """Import a ticket file, report every bad record; True when every record was valid."""
    from kb.tickets.sources import read_ticket_file  # noqa: PLC0415

    tickets, problems = read_ticket_file(path)
    for problem in problems:
        click.echo(f"{problem} [skipped]", err=True)
    inserted, updated = _store(settings).upsert(tickets)
    click.echo(f"{inserted} imported, {updated} updated, {len(problems)} invalid", err=True)
    return not problems


@click.group()
def tickets() -> None:
    """Import resolved tickets and list the ones no article answers."""


@tickets.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_tickets(ctx: click.Context, path: Path) -> None:
    """Import FILE (JSON lines, or .csv); importing again updates by id. Exit 1 if any record
    was invalid (the valid ones are kept)."""
    if not import_file(_settings(ctx), path):
        sys.exit(1)


@tickets.command("gaps")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def gaps(ctx: click.Context, as_json: bool) -> None:
    """Resolved tickets that no linked article or confident suggestion covers."""
    from kb.tickets.drafts import find_gaps  # noqa: PLC0415

    settings = _settings(ctx)
    assist = _assist(settings)
    stored = _store(settings).all()
    coverage = find_gaps(stored, assist, set(assist.engine.current_index().articles))
    if as_json:
        click.echo(json.dumps({"gaps": [t.id for t in coverage.gaps], "covered": coverage.covered}))
        return
    for ticket in coverage.gaps:
        first = (ticket.subject or ticket.customer_text()).strip().splitlines()[0][:90]
        click.echo(f"{ticket.id}  {ticket.brand or '-'}  {first}")
    click.echo(f"{len(coverage.gaps)} gaps, {len(coverage.covered)} covered", err=True)


@click.group()
def drafts() -> None:
    """Generate draft articles from ticket gaps; list, show, publish or reject them."""


@drafts.command("generate")
@click.option(
    "--tickets",
    "ticket_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Import this ticket file first (as `kb tickets import`).",
)
@click.option(
    "--min-group",
    type=click.IntRange(1, 1000),
    default=2,
    show_default=True,
    help="Smallest group that becomes a draft; smaller ones stay candidates.",
)
@click.option("--job", "job_id", help="Report progress in this studio job (the studio sets it).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def generate(
    ctx: click.Context, ticket_file: Path | None, min_group: int, job_id: str | None, as_json: bool
) -> None:
    """Group gap tickets and write one draft per group under content/drafts/; groups no agent
    answered are kept as gaps that need an answer."""
    from kb.state.database import Database  # noqa: PLC0415
    from kb.tickets.generation import run_generation  # noqa: PLC0415

    settings = _settings(ctx)
    if ticket_file is not None:
        import_file(settings, ticket_file)
    database = Database.for_settings(settings)
    report = run_generation(
        _store(settings).all(), _assist(settings), settings.content_dir, database,
        settings.data_dir, job_id=job_id, min_group=min_group,
    )  # fmt: skip
    if as_json:
        click.echo(
            json.dumps(
                {
                    "drafts": [
                        {
                            "path": str(d.path.resolve()),
                            "kind": d.kind,
                            "target": d.target,
                            "ticket_ids": d.ticket_ids,
                            "title": d.title,
                            "action": d.action,
                        }
                        for d in report.drafts
                    ],
                    "covered": report.covered,
                    "singletons": report.singletons,
                    "need_an_answer": [
                        {"title": g.title, "ticket_ids": g.ticket_ids} for g in report.unanswered
                    ],
                },
                indent=2,
            )
        )
        return
    for draft in report.drafts:
        target = f" → {draft.target}" if draft.target else ""
        click.echo(
            f"{draft.action:11} {draft.kind}{target}  {len(draft.ticket_ids):3} tickets  "
            f"{draft.path}"
        )
    click.echo(
        f"{len(report.drafts)} drafts, {len(report.unanswered)} groups need an answer, "
        f"{len(report.covered)} tickets covered, "
        f"{len(report.singletons)} singletons kept as candidates",
        err=True,
    )


@drafts.command("list")
@click.pass_context
def list_drafts(ctx: click.Context) -> None:
    from kb.tickets.draft_files import list_drafts as read_all  # noqa: PLC0415

    for draft in read_all(_settings(ctx).content_dir):
        edited = " (edited)" if draft.edited else ""
        target = f" → {draft.meta['update_of']}" if draft.meta.get("update_of") else ""
        click.echo(
            f"{draft.id}  {len(draft.source_tickets)} tickets{target}{edited}  "
            f"{draft.meta.get('title')}"
        )


@drafts.command("show")
@click.argument("draft_id")
@click.pass_context
def show(ctx: click.Context, draft_id: str) -> None:
    from kb.tickets.draft_files import get_draft  # noqa: PLC0415

    click.echo(get_draft(_settings(ctx).content_dir, draft_id).text)


@drafts.command("publish")
@click.argument("draft_id")
@click.pass_context
def publish(ctx: click.Context, draft_id: str) -> None:
    """Publish a draft under content/<category>/<slug>.md and re-index so it is searchable;
    with KB_PUBLISH=branch, commit it to the branch drafts/ID for review instead."""
    from indexer import build_from_settings  # noqa: PLC0415
    from kb.index.embeddings import make_embedder  # noqa: PLC0415
    from kb.tickets.publishing import publish_new  # noqa: PLC0415

    settings = _settings(ctx)
    published = publish_new(settings.content_dir, draft_id, None, mode=settings.publish)
    committed = f" (commit {published.commit[:10]})" if published.commit else ""
    if not published.live:
        click.echo(f"committed {published.path} to the branch {published.branch}{committed}")
        return
    report = build_from_settings(settings, make_embedder(settings.embedder))
    click.echo(f"published {published.path}{committed}; {report.summary()}")


@drafts.command("reject")
@click.argument("draft_id")
@click.option("--reason", required=True)
@click.pass_context
def reject(ctx: click.Context, draft_id: str, reason: str) -> None:
    from kb.tickets.draft_files import reject_draft  # noqa: PLC0415

    path = reject_draft(_settings(ctx).content_dir, draft_id, reason)
    click.echo(f"archived at {path}")
