"""`kb outbox ...`: deliver the tickets handed to a queue (its webhook, its e-mail address), and
see how the outbox stands."""

from __future__ import annotations

import dataclasses
import json
import sys
import time

import click

from kb.settings import Settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


@click.group()
def outbox() -> None:
    """Deliver tickets handed to a queue onward, list the ones that failed, and retry them."""


@outbox.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering what comes due (Ctrl-C stops).")
@click.option(
    "--every",
    type=click.FloatRange(0.5, 3600),
    default=5.0,
    show_default=True,
    help="With --loop: seconds between looks at the outbox.",
)
@click.pass_context
def deliver(ctx: click.Context, loop: bool, every: float) -> None:
    """Send every row that is due once (retries wait their backoff); with --loop, for ever.
    Several deliverers may run at once: none sends a row another has claimed."""
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

    from kb.delivery.outbox import Deliverer  # noqa: PLC0415
    from kb.state.database import Database  # noqa: PLC0415

    settings = _settings(ctx)
    deliverer = Deliverer(Database.for_settings(settings), settings)
    while True:
        try:
            run = deliverer.deliver_all_due()
        except SQLAlchemyError as error:
            if not loop:
                raise
            # The database away (a restart, a fail-over): nothing is lost, look again later.
            click.echo(f"the outbox could not be read: {type(error).__name__}", err=True)
            time.sleep(every)
            continue
        if run.attempted or not loop:
            click.echo(
                f"{run.delivered} delivered, {run.retrying} to retry, {run.failed} failed",
                err=True,
            )
        if not loop:
            return
        time.sleep(every)


@outbox.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Rows waiting, delivered and failed, and the failed ones with their last error. Exit 1
    when any has failed."""
    from kb.delivery.outbox import backlog, rows_with_status  # noqa: PLC0415
    from kb.state.database import Database  # noqa: PLC0415

    database = Database.for_settings(_settings(ctx))
    figures = backlog(database)
    failed = rows_with_status(database, "failed")
    if as_json:
        click.echo(json.dumps({**dataclasses.asdict(figures), "failed_rows": failed}, indent=2))
    else:
        click.echo(
            f"{figures.pending} waiting (the oldest for {figures.oldest_pending_seconds:.0f} s), "
            f"{figures.delivered} delivered, {figures.failed} failed"
        )
        for row in failed:
            click.echo(
                f"failed: ticket {row['ticket_id']} to {row['destination']} after "
                f"{row['attempts']} attempts since {row['created_at']}: {row['last_error']}"
            )
    if figures.failed:
        sys.exit(1)


@outbox.command("retry")
@click.option("--id", "row_id", type=click.IntRange(1), help="The row (see `kb outbox status`).")
@click.option("--all-failed", is_flag=True, help="Every failed row.")
@click.pass_context
def retry(ctx: click.Context, row_id: int | None, all_failed: bool) -> None:
    """Put deliveries that gave up (failed) back to pending: the next `kb outbox deliver` sends
    them at once, and retries them for 3 more days. The receiver dedupes by the delivery id."""
    from kb.delivery.outbox import retry_failed  # noqa: PLC0415
    from kb.state.database import Database  # noqa: PLC0415

    if (row_id is None) == (not all_failed):
        raise click.UsageError("name the rows: one of --id or --all-failed")
    retried = retry_failed(Database.for_settings(_settings(ctx)), row_id)
    if not retried:
        click.echo("no failed deliveries")
        return
    for row in retried:
        click.echo(
            f"row {row['id']} (ticket {row['ticket_id']} to {row['destination']}, "
            f"{row['attempts']} attempts since {row['created_at']}) is pending again"
        )
    count = len(retried)
    click.echo(
        f"{count} deliver{'y' if count == 1 else 'ies'} back to pending: "
        "`kb outbox deliver` sends them",
        err=True,
    )
