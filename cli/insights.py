"""`kb report weekly` (the weekly insights report, for cron) and `kb demo-events` (a made-up
stretch of days for the demo help center)."""

from __future__ import annotations

import json
import sys

import click

from kb.settings import Settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


@click.group()
def report() -> None:
    """Reports from the insights."""


@report.command("weekly")
@click.option(
    "--ending", metavar="YYYY-MM-DD", help="Report the last full week before this day (today)."
)
@click.option("--print", "show", is_flag=True, help="Print the e-mail's text; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the webhook's JSON; send nothing.")
@click.pass_context
def weekly(ctx: click.Context, ending: str | None, show: bool, as_json: bool) -> None:
    """Last week's figures beside the week before, the top gaps and what breaks most, sent to
    KB_REPORT_TO (e-mail) and KB_REPORT_WEBHOOK_URL (signed JSON). Exits 1 if a delivery
    failed, so cron mails the error."""
    import datetime as dt  # noqa: PLC0415

    from kb.analytics.insights import Insights  # noqa: PLC0415
    from kb.analytics.report import report_text, send_report, weekly_report  # noqa: PLC0415
    from kb.content.loading import load_content  # noqa: PLC0415
    from kb.state.database import Database  # noqa: PLC0415

    settings = _settings(ctx)
    if ending is not None:
        try:
            dt.date.fromisoformat(ending)
        except ValueError:
            raise click.BadParameter(
                "must be a date like 2026-11-30", param_hint="--ending"
            ) from None
    articles = {a.slug: a for a in load_content(settings.content_dir).articles}
    insights = Insights(
        Database.for_settings(settings), settings.content_dir, articles, settings.stale_after_days
    )
    made = weekly_report(insights, settings.site_name, ending)
    if as_json:
        click.echo(json.dumps(made, indent=2))
        return
    if show:
        click.echo(report_text(made), nl=False)
        return
    failed = False
    for delivery in send_report(made, settings):
        if delivery.error:
            failed = True
            click.echo(f"not sent to {delivery.destination}: {delivery.error}", err=True)
        else:
            click.echo(f"sent the report for {made['from']} to {made['to']} to "
                       f"{delivery.destination}")  # fmt: skip
    if failed:
        sys.exit(1)


@click.command("demo-events")
@click.option("--days", type=click.IntRange(1, 90), default=14, show_default=True)
@click.option(
    "--seed", type=int, default=7, show_default=True, help="The same seed, the same days."
)
@click.option("--force", is_flag=True, help="Add them even if the database has searches already.")
@click.pass_context
def demo_events(ctx: click.Context, days: int, seed: int, force: bool) -> None:
    """Record a made-up but realistic stretch of days (searches of the live index, clicks, votes,
    deflections, tickets and agents' replies, conversations with the answer bot) up to today, for
    a demo or development database: run `kb index` first, then open /admin."""
    from kb.analytics.demo import has_events, seed_demo_events  # noqa: PLC0415
    from kb.bot.demo import seed_demo_conversations  # noqa: PLC0415
    from kb.search.engine import open_engine  # noqa: PLC0415
    from kb.state.database import Database  # noqa: PLC0415
    from web.urls import article_path  # noqa: PLC0415 - Flask-free

    settings = _settings(ctx)
    database = Database.for_settings(settings)
    if has_events(database) and not force:
        raise click.UsageError(
            "the database has recorded searches already: demo events would mix with them "
            "(--force adds them anyway)"
        )
    engine = open_engine(settings.with_tuned())
    seeded = seed_demo_events(database, engine, days, seed)
    site = settings.public_url.rstrip("/")
    talked = seed_demo_conversations(
        database, engine, settings, lambda slug, anchor: site + article_path(slug, anchor),
        days, seed,
    )  # fmt: skip
    click.echo(
        f"{seeded.days} days: {seeded.searches} searches, {seeded.clicks} results opened, "
        f"{seeded.votes} votes, {seeded.deflections} deflections, {seeded.tickets} tickets; "
        f"{talked.conversations} conversations with the answer bot ({talked.resolved} resolved, "
        f"{talked.rated} rated, {talked.handed_over} handed over, {talked.unanswered} questions "
        "it could not answer)"
    )
