"""`kb eval` on a BEIR folder and on a labelled query file, and `--tune` feeding search."""

from __future__ import annotations

import json
from pathlib import Path

from cli import main
from kb.evaluation.runs import document_slugs, load_beir
from kb.settings import Settings
from tests.helpers import FIXTURES

BEIR = FIXTURES / "beir-mini"


def test_beir_loading_maps_ids_to_slugs() -> None:
    documents, queries = load_beir(BEIR)
    assert len(documents) == 5
    assert [q.id for q in queries] == ["q1", "q2", "q3", "q4"]  # q5 has no label
    assert queries[3].relevant == {"d-5-x": 1}
    assert document_slugs(["A", "a", "a!"]) == {"A": "a", "a": "a-2", "a!": "a-3"}


def test_eval_beir_json_shape(runner) -> None:
    result = runner.invoke(main, ["eval", str(BEIR), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dataset"] == "beir-mini" and report["queries"] == 4
    assert set(report["modes"]) == {"keyword", "semantic", "hybrid"}
    for metrics in report["modes"].values():
        assert set(metrics) == {"ndcg@10", "mrr@10", "recall@10", "recall@100"}
        assert all(0.0 <= value <= 1.0 for value in metrics.values())
    # each query shares its words with its own document only: keyword search ranks it first,
    # "D 5/x" included (its label reaches the article made from it)
    assert report["modes"]["keyword"] == {
        "ndcg@10": 1.0,
        "mrr@10": 1.0,
        "recall@10": 1.0,
        "recall@100": 1.0,
    }


def test_eval_explain_shows_worst_queries(runner) -> None:
    result = runner.invoke(main, ["eval", str(BEIR), "--mode", "hybrid", "--explain", "2"])
    assert result.exit_code == 0, result.output
    assert "hybrid" in result.output and "keyword" not in result.output.splitlines()[2]
    assert result.output.count("wanted:") == 2 and "semantic" in result.output


def test_eval_query_file_on_the_live_index(runner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["index"]).exit_code == 0
    queries = tmp_path / "queries.jsonl"
    # Keyword search finds only the sync article for "DBX-301" (the one article with that
    # code) and only the refund article for "money back" (its tag): the first label is found
    # first, the second not at all, so every figure is a half.
    queries.write_text(
        '{"query": "DBX-301", "relevant": ["sync-error-codes"]}\n'
        '{"query": "money back", "relevant": ["cancel-subscription"]}\n'
    )
    result = runner.invoke(main, ["eval", str(queries), "--mode", "keyword", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["queries"] == 2 and list(report["modes"]) == ["keyword"]
    assert report["modes"]["keyword"] == {
        "ndcg@10": 0.5,
        "mrr@10": 0.5,
        "recall@10": 0.5,
        "recall@100": 0.5,
    }


def test_bad_query_file_names_the_line(runner, tmp_path: Path) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"query": "ok", "relevant": ["a"]}\n{"query": "no labels"}\n')
    result = runner.invoke(main, ["eval", str(queries)])
    assert result.exit_code == 2 and f"{queries}:2" in result.output


def test_tune_writes_a_setting_that_search_then_uses(runner, data_dir: Path, tmp_path) -> None:
    """Tuned on the help center's own labelled queries, its search uses the tuned fusion."""
    assert runner.invoke(main, ["index"]).exit_code == 0
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"query": "DBX-301", "relevant": ["sync-error-codes"]}\n')
    result = runner.invoke(main, ["eval", str(queries), "--tune", "--json"])
    assert result.exit_code == 0, result.output
    tuned = json.loads(result.output)["tuned"]
    written = json.loads((data_dir / "settings.json").read_text())
    assert tuned["written_to"] == str(data_dir / "settings.json")
    assert written == {"fusion": tuned["method"], "semantic_weight": tuned["semantic_weight"]}
    settings = Settings(data_dir=data_dir).with_tuned()
    assert (settings.fusion, settings.semantic_weight) == (
        written["fusion"],
        written["semantic_weight"],
    )
    # an explicit environment setting still wins over the tuned file
    explicit = Settings.from_env({"KB_DATA_DIR": str(data_dir), "KB_SEMANTIC_WEIGHT": "0.123"})
    assert explicit.with_tuned().semantic_weight == 0.123
    # and a second eval reports the tuned fusion as the one in use
    again = json.loads(runner.invoke(main, ["eval", str(queries), "--json"]).output)
    assert again["fusion"] == {
        "method": written["fusion"],
        "semantic_weight": written["semantic_weight"],
    }


def test_tuning_on_a_beir_set_stays_with_that_set(runner, data_dir: Path) -> None:
    """A development set's tuned fusion is written to its own data folder and read by its own
    evals; the help center's search is not changed by it, nor its own tuning by the set's."""
    (data_dir).mkdir(parents=True, exist_ok=True)
    (data_dir / "settings.json").write_text('{"semantic_weight": 0.31}')
    result = runner.invoke(main, ["eval", str(BEIR), "--tune", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["fusion"]["semantic_weight"] != 0.31  # the help center's tuning not read
    own = data_dir / "eval" / BEIR.name / "data" / "settings.json"
    assert report["tuned"]["written_to"] == str(own)
    written = json.loads(own.read_text())
    assert json.loads((data_dir / "settings.json").read_text()) == {"semantic_weight": 0.31}
    again = json.loads(runner.invoke(main, ["eval", str(BEIR), "--json"]).output)
    assert again["fusion"] == {
        "method": written["fusion"],
        "semantic_weight": written["semantic_weight"],
    }
