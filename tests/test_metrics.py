"""Evaluation metrics against hand-computed examples."""

from __future__ import annotations

import math

import pytest

from kb.evaluation.metrics import mrr_at_k, ndcg_at_k, recall_at_k, summarise


def test_ndcg_single_relevant_at_rank_3() -> None:
    assert ndcg_at_k(["x", "y", "a"], {"a": 1}) == pytest.approx(1 / math.log2(4))


def test_ndcg_two_relevant() -> None:
    # dcg = 1/log2(2) + 1/log2(4) = 1.5 ; idcg = 1 + 1/log2(3)
    expected = 1.5 / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["a", "x", "b"], {"a": 1, "b": 1}) == pytest.approx(expected)


def test_ndcg_cutoff_and_nothing_found() -> None:
    assert ndcg_at_k(["x"] * 10 + ["a"], {"a": 1}, k=10) == 0.0
    assert ndcg_at_k(["a"], {}, k=10) == 0.0


def test_mrr_and_recall() -> None:
    assert mrr_at_k(["x", "a", "b"], {"a": 1, "b": 1}) == 0.5
    assert recall_at_k(["x", "a"], {"a": 1, "b": 1}, 10) == 0.5
    assert recall_at_k(["x", "a"], {"a": 1, "b": 1}, 1) == 0.0


def test_summarise_means_over_queries() -> None:
    result = summarise([["a"], ["x", "b"]], [{"a": 1}, {"b": 1}])
    assert result["mrr@10"] == pytest.approx(0.75)
    assert result["recall@10"] == 1.0
    assert result["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
