"""Fusion is a pure function: checked against hand-computed scores."""

from __future__ import annotations

import pytest

from kb.search.fusion import damped, fuse, reciprocal_rank_fusion, weighted_fusion
from kb.search.hits import Hit

KEYWORD = [Hit("a", 10.0), Hit("b", 6.0), Hit("c", 2.0)]
VECTOR = [Hit("c", 0.9), Hit("d", 0.7), Hit("a", 0.5)]


def test_damped_divides_by_best_plus_mean() -> None:
    # best 10, mean 6: scale 16
    assert damped(KEYWORD) == pytest.approx({"a": 0.625, "b": 0.375, "c": 0.125})
    assert damped([Hit("x", 3.0)]) == {"x": 0.5}
    assert damped([]) == {}


def test_weighted_fusion_hand_computed() -> None:
    fused = {hit.section_id: hit.score for hit in weighted_fusion(KEYWORD, VECTOR, 0.5)}
    # keyword damped: a .625, b .375, c .125; cosine as it is: c .9, d .7, a .5
    assert fused == pytest.approx({"a": 0.5625, "b": 0.1875, "c": 0.5125, "d": 0.35})
    assert [hit.section_id for hit in weighted_fusion(KEYWORD, VECTOR, 0.5)] == ["a", "c", "d", "b"]


def test_weight_zero_and_one_reproduce_each_side() -> None:
    assert [h.section_id for h in weighted_fusion(KEYWORD, VECTOR, 0.0)][:3] == ["a", "b", "c"]
    assert [h.section_id for h in weighted_fusion(KEYWORD, VECTOR, 1.0)][:3] == ["c", "d", "a"]


def test_rrf_hand_computed() -> None:
    fused = {h.section_id: h.score for h in reciprocal_rank_fusion(KEYWORD, VECTOR, 0.5, k=60)}
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 63)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["d"] == pytest.approx(1 / 62)


def test_fuse_dispatches_on_method() -> None:
    assert fuse(KEYWORD, VECTOR, "rrf") == reciprocal_rank_fusion(KEYWORD, VECTOR)
    assert fuse(KEYWORD, VECTOR, "weighted", 0.3) == weighted_fusion(KEYWORD, VECTOR, 0.3)
