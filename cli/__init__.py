"""The `kb` command: parse, call the library, print. Heavy imports wait until a command runs."""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import click

from kb.errors import KBError
from kb.search.modes import DEFAULT_MODE, MODE_NAMES
from kb.settings import Settings


class _Group(click.Group):
    """Library errors become one line on stderr and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KBError as error:
            click.echo(f"error: {error.message}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.option(
    "--content-dir",
    type=click.Path(path_type=Path),
    envvar="KB_CONTENT_DIR",
    help="Folder of Markdown articles [KB_CONTENT_DIR, default ./content].",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    envvar="KB_DATA_DIR",
    help="Folder for indexes and the database [KB_DATA_DIR, default ./instance].",
)
@click.pass_context
def main(ctx: click.Context, content_dir: Path | None, data_dir: Path | None) -> None:
    """Markdown knowledge base with hybrid search: index, lint, search, evaluate and serve."""
    try:
        settings = Settings.from_env()
        settings = dataclasses.replace(
            settings,
            content_dir=content_dir or settings.content_dir,
            data_dir=data_dir or settings.data_dir,
        )
    except KBError as error:
        raise click.UsageError(error.message) from error
    ctx.obj = settings


def _settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj


@main.command()
@click.option("--full", is_flag=True, help="Rebuild everything, re-embedding every section.")
@click.option(
    "--compact", is_flag=True,
    help="Rebuild the base vector store with the edits layered since (what `kb watch` starts "
    "by itself when they outgrow it); edits go on meanwhile.",
)  # fmt: skip
@click.pass_context
def index(ctx: click.Context, full: bool, compact: bool) -> None:
    """Index the content folder (incremental by content hash). Exits 1 if any file was skipped."""
    from indexer import BuildOptions, build_from_settings  # noqa: PLC0415
    from indexer.compaction import compact as compact_index  # noqa: PLC0415
    from kb.index.embeddings import make_embedder  # noqa: PLC0415

    settings = _settings(ctx)
    if not settings.content_dir.is_dir():
        raise click.UsageError(f"content folder {settings.content_dir} does not exist")
    # the indexer's own steps on stderr (adapting the model takes minutes)
    logging.getLogger("indexer").addHandler(logging.StreamHandler())
    logging.getLogger("indexer").setLevel(logging.INFO)
    if compact:
        if full:
            raise click.UsageError("--compact and --full do not go together")
        options = BuildOptions.from_settings(settings)
        compacted = compact_index(options, make_embedder(settings.embedder))
        if compacted is None:
            click.echo("nothing to compact: another compaction is running")
        else:
            click.echo(f"compacted into {compacted.generation}: {compacted.summary()}")
        return
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if not sys.stderr.isatty() or total == 0:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="Embedding sections", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    report = build_from_settings(
        settings, make_embedder(settings.embedder), full=full, progress=progress
    )
    if bar is not None:
        bar.__exit__(None, None, None)
    for problem in report.problems:
        level = "error" if problem.fatal else "warning"
        click.echo(f"{problem} [{level}{', skipped' if problem.fatal else ''}]", err=True)
    click.echo(report.summary())
    if report.skipped:
        sys.exit(1)


@main.command()
@click.pass_context
def watch(ctx: click.Context) -> None:
    """Index, then re-index whenever an article or the synonyms file changes (Ctrl-C stops)."""
    from indexer import BuildOptions  # noqa: PLC0415
    from indexer.compaction import start_compaction  # noqa: PLC0415
    from indexer.watch import watch_content  # noqa: PLC0415
    from kb.index.embeddings import make_embedder  # noqa: PLC0415

    settings = _settings(ctx)
    if not settings.content_dir.is_dir():
        raise click.UsageError(f"content folder {settings.content_dir} does not exist")

    def report(build) -> None:
        for problem in build.problems:
            click.echo(f"{problem} [{'error, skipped' if problem.fatal else 'warning'}]", err=True)
        click.echo(build.summary(), err=False)

    click.echo(f"indexing {settings.content_dir}", err=True)
    watch_content(
        BuildOptions.from_settings(settings),
        make_embedder(settings.embedder),
        on_build=report,
        on_ready=lambda: click.echo(f"watching {settings.content_dir} (Ctrl-C stops)", err=True),
        on_compaction_due=lambda: _compact_apart(settings, start_compaction),
    )


def _compact_apart(settings: Settings, start: Callable[[Settings], int | None]) -> None:
    process = start(settings)
    if process is not None:
        click.echo(f"compacting the vector store in process {process} (edits go on)", err=True)


@main.command()
@click.pass_context
def lint(ctx: click.Context) -> None:
    """List every problem in the content folder with file and line; exit 1 if there is any."""
    from kb.content.loading import load_content  # noqa: PLC0415

    settings = _settings(ctx)
    loaded = load_content(settings.content_dir)
    for problem in loaded.problems:
        click.echo(str(problem))
    count = len(loaded.problems)
    click.echo(
        f"{len(loaded.articles)} articles, {count} problem{'s' if count != 1 else ''}", err=True
    )
    if count:
        sys.exit(1)


@main.command()
@click.argument("query")
@click.option("--mode", type=click.Choice(MODE_NAMES), default=DEFAULT_MODE)
@click.option("--limit", type=click.IntRange(1, 100), default=10)
@click.option("--internal", is_flag=True, help="Include internal (agent-only) articles.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def search(
    ctx: click.Context, query: str, mode: str, limit: int, internal: bool, as_json: bool
) -> None:
    """Search the built index."""
    from kb.search.engine import open_engine  # noqa: PLC0415
    from kb.search.hits import Filters  # noqa: PLC0415
    from web.results import search_response  # noqa: PLC0415 - the API's shape, without Flask
    from web.urls import article_path  # noqa: PLC0415

    engine = open_engine(_settings(ctx).with_tuned())
    found = engine.search(query, mode=mode, limit=limit, filters=Filters(include_internal=internal))
    if as_json:
        click.echo(search_response(found).model_dump_json(indent=2))
        return
    if not found.results:
        click.echo("No results.")
    for rank, result in enumerate(found.results, start=1):
        section = f" › {result.section.title}" if result.section.anchor else ""
        click.echo(f"{rank:2}. {result.article.title}{section}  ({result.score:.3f})")
        click.echo(f"    {article_path(result.article.slug, result.section.anchor)}")
    click.echo(f"{found.total} results in {found.took_ms:.1f} ms ({found.mode})", err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, debug: bool) -> None:
    """Run the development server (use gunicorn in production, see README)."""
    from web import create_app  # noqa: PLC0415
    from web.dev_server import PrivateRequestHandler  # noqa: PLC0415

    settings = _settings(ctx)
    app = create_app({"CONTENT_DIR": settings.content_dir, "DATA_DIR": settings.data_dir})
    app.run(host=host, port=port, debug=debug, request_handler=PrivateRequestHandler)


@main.command("eval")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--mode", type=click.Choice([*MODE_NAMES, "all"]), default="all")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--explain",
    type=click.IntRange(0, 1000),
    default=0,
    help="Show the N worst queries and where each retriever ranked the right article.",
)
@click.option(
    "--tune",
    is_flag=True,
    help="Search the fusion method and weight; write the best to the settings file.",
)
@click.option(
    "--unanswerable",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Queries nothing answers (JSON lines): measure the false-answer rate too.",
)
@click.option(
    "--held-out-every",
    type=click.IntRange(0, 100),
    default=3,
    show_default=True,
    help="Answer figures: every Nth line of a labelled file is the held-out part (0: none).",
)
@click.option(
    "--calibrate",
    is_flag=True,
    help="Answer figures: refit the confidences on the tuning part and print the constants.",
)
@click.pass_context
def evaluate(
    ctx: click.Context,
    path: Path,
    mode: str,
    as_json: bool,
    explain: int,
    tune: bool,
    unanswerable: Path | None,
    held_out_every: int,
    calibrate: bool,
):
    """Score search on PATH: a BEIR folder or a labelled query file (JSON lines). A file whose
    lines name the answering section (`slug`, `anchor`) is also scored for answers: section
    hit@1, instant-answer precision and coverage, and with --unanswerable the false-answer rate
    and answerable kept, on its tuning and held-out parts (tests/data/README.md)."""
    from cli.evaluate import evaluate_path  # noqa: PLC0415

    modes = list(MODE_NAMES) if mode == "all" else [mode]
    answers = (unanswerable, held_out_every, calibrate)
    evaluate_path(_settings(ctx), path, modes, explain, tune, as_json, answers)


def _register_assist_commands() -> None:
    from cli.assist import keys, suggest  # noqa: PLC0415 - light: imports nothing heavy
    from cli.insights import demo_events, report  # noqa: PLC0415
    from cli.loop import drafts, tickets  # noqa: PLC0415
    from cli.outbox import outbox  # noqa: PLC0415 - light: its commands import what they use
    from cli.users import users  # noqa: PLC0415 - light: its commands import what they use

    for command in (keys, suggest, tickets, drafts, users, outbox, report, demo_events):
        main.add_command(command)


_register_assist_commands()
