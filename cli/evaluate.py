"""`kb eval`: build a knowledge base for a labelled set (or use the live one) and score search."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import click

from kb.settings import Settings


def evaluate_path(
    settings: Settings,
    path: Path,
    modes: list[str],
    explain: int,
    tune: bool,
    as_json: bool,
    answers: tuple[Path | None, int, bool] = (None, 3, False),
) -> None:
    from indexer import BuildOptions, build_index  # noqa: PLC0415
    from kb.evaluation import runs as evaluation  # noqa: PLC0415
    from kb.index.embeddings import make_embedder  # noqa: PLC0415
    from kb.search.engine import open_engine  # noqa: PLC0415

    started = time.perf_counter()
    explain_answers = 0
    embedder = make_embedder(settings.embedder)
    if path.is_dir():
        documents, queries = evaluation.load_beir(path)
        # Kept under the data folder so a second run reuses the index and its embeddings.
        root = settings.data_dir / "eval" / path.resolve().name
        evaluation.write_corpus_as_articles(documents, root / "content")
        options = BuildOptions.from_settings(settings)
        options = dataclasses.replace(options, content_dir=root / "content", data_dir=root / "data")
        report = build_index(options, embedder)
        if report.skipped:
            raise click.ClickException(
                f"{len(report.skipped)} corpus documents could not be indexed"
            )
        search_settings = dataclasses.replace(
            settings, content_dir=root / "content", data_dir=root / "data"
        )
    else:
        queries = evaluation.load_query_file(path)
        search_settings = settings
    # The knowledge base evaluated is the one whose tuning is read and written: a BEIR set's
    # goes to its own data folder, never to the help center's, whose search it would change.
    settings = search_settings.with_tuned()
    engine = open_engine(settings, embedder)
    index = engine.current_index()
    runs = evaluation.retrieve_all(engine, queries)
    knobs = (settings.fusion, settings.semantic_weight, settings.rrf_k)
    scores = evaluation.score_modes(runs, index, modes, *knobs)
    result = {
        "dataset": path.name,
        "queries": len(queries),
        "modes": _rounded(scores),
        "fusion": {"method": settings.fusion, "semantic_weight": settings.semantic_weight},
    }

    if tune:
        table = evaluation.tune_fusion(runs, index, settings.rrf_k)
        fusion, weight, best = table[0]
        tuned_path = settings.tuned_settings_path
        tuned_path.parent.mkdir(parents=True, exist_ok=True)
        tuned_path.write_text(json.dumps({"fusion": fusion, "semantic_weight": weight}, indent=1))
        result["tuned"] = {
            "method": fusion,
            "semantic_weight": weight,
            "ndcg@10": round(best, 4),
            "written_to": str(tuned_path),
        }
    if explain and not path.is_dir() and is_answer_file(path):
        explain_answers = explain
    elif explain:
        result["worst"] = evaluation.worst_queries(runs, index, *knobs, explain)
    if not path.is_dir() and (answers[0] or is_answer_file(path)):
        result["answers"] = answer_report(engine, path, *answers[:2], explain_answers, answers[2])
    result["seconds"] = round(time.perf_counter() - started, 1)

    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    _print_table(result)


def is_answer_file(path: Path) -> bool:
    """Its lines name the answering section (`anchor`), as tests/data/demo_sections.jsonl."""
    with path.open(encoding="utf-8") as handle:
        first = next((line for line in handle if line.strip()), "{}")
    try:
        return "anchor" in json.loads(first)
    except ValueError:
        return False


def answer_report(
    engine, path: Path, unanswerable: Path | None, every: int, explain: int, calibrate: bool
) -> dict:
    """Answer figures on the tuning and held-out parts, and the tuning part's failures."""
    from kb.evaluation import answers, refitting  # noqa: PLC0415

    labelled = answers.load_answer_file(path, every) if is_answer_file(path) else []
    unanswered = answers.load_unanswerable_file(unanswerable, every) if unanswerable else []
    seen = [(label, answers.observe(engine, label.text)) for label in labelled]
    refused = [(query, answers.observe(engine, query.text)) for query in unanswered]
    report: dict = {
        "held_out_every": every,
        "parts": {
            part: {k: round(v, 4) for k, v in figures.items()}
            for part, figures in answers.figures_by_part(seen, refused).items()
        },
    }
    if calibrate:
        tuning = [label for label in labelled if not label.held_out]
        report["calibration"] = refitting.calibrate(
            engine, tuning, [query for query in unanswered if not query.held_out]
        )
    if explain:
        # The tuning part only: the held-out part is scored, never read query by query.
        report["failures"] = answers.failures(seen, refused, explain)
    return report


def _rounded(scores: dict) -> dict:
    return {mode: {k: round(v, 4) for k, v in metrics.items()} for mode, metrics in scores.items()}


def _print_table(result: dict) -> None:
    fusion = result["fusion"]
    click.echo(
        f"{result['dataset']}: {result['queries']} queries; hybrid = {fusion['method']} "
        f"fusion, semantic weight {fusion['semantic_weight']}"
    )
    click.echo(f"{'mode':10} {'nDCG@10':>8} {'MRR@10':>8} {'R@10':>8} {'R@100':>8}")
    for mode, metrics in result["modes"].items():
        click.echo(
            f"{mode:10} {metrics['ndcg@10']:8.4f} {metrics['mrr@10']:8.4f} "
            f"{metrics['recall@10']:8.4f} {metrics['recall@100']:8.4f}"
        )
    if "tuned" in result:
        tuned = result["tuned"]
        click.echo(
            f"tuned: {tuned['method']} fusion, semantic weight {tuned['semantic_weight']} "
            f"-> hybrid nDCG@10 {tuned['ndcg@10']:.4f}; written to {tuned['written_to']}"
        )
    if "answers" in result:
        _print_answers(result["answers"])
    for item in result.get("worst", []):
        click.echo(f"\n{item['ndcg@10']:.3f}  {item['query']}")
        click.echo("  found:    " + "; ".join(f"{slug} ({title})" for slug, title in item["found"]))
        for rel in item["relevant"]:
            click.echo(
                f"  wanted:   {rel['slug']} ({rel['title']}): keyword rank/score "
                f"{rel['keyword'] or 'not found'}, semantic {rel['semantic'] or 'not found'}"
            )
    click.echo(f"\n{result['seconds']} s", err=True)


ANSWER_COLUMNS = (
    ("section hit@1", "sect@1"),
    ("article hit@1", "art@1"),
    ("answer precision", "IA prec"),
    ("answer coverage", "IA cov"),
    ("false-answer rate", "false"),
    ("answerable kept", "kept"),
    ("ndcg@10", "nDCG@10"),
)


def _print_answers(report: dict) -> None:
    click.echo(f"\nanswers (one line in {report['held_out_every']} held out):")
    header = " ".join(f"{short:>8}" for _, short in ANSWER_COLUMNS)
    click.echo(f"{'part':9} {'n':>4} {'unans':>5} {header}")
    for part, figures in report["parts"].items():
        values = " ".join(f"{figures[name]:8.3f}" for name, _ in ANSWER_COLUMNS)
        click.echo(f"{part:9} {figures['answerable']:4} {figures['unanswerable']:5} {values}")
    if "calibration" in report:
        click.echo(
            "\ncalibration on the tuning part (constants of kb/search/answers.py; the section "
            "choice's are CHOICE in kb/search/section_choice.py):"
        )
        for key, value in report["calibration"].items():
            click.echo(f"  {key}: {value}")
    for failure in report.get("failures", []):
        click.echo(f"\n{failure['why']}: {failure['query']}")
        for key in ("gold", "top", "answer"):
            if key in failure:
                click.echo(f"  {key:7} {failure[key]}")
