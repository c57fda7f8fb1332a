"""The layered vector store: a base store less hidden articles, plus an exact delta."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb.errors import ConfigurationError
from kb.index.passages import section_of
from kb.index.vectors import Delta, Hidden, LayeredVectors, VectorIndex
from kb.search.hits import Filters

DIMENSION = 8


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def exact(ids: list[str], vectors: np.ndarray, query: np.ndarray, limit: int) -> list[str]:
    """Sections by their best vector's weighted cosine, computed directly."""
    best: dict[str, float] = {}
    for vector_id, similarity in zip(ids, vectors @ query, strict=True):
        section_id, weight = section_of(vector_id)
        best[section_id] = max(best.get(section_id, -2.0), weight * float(similarity))
    return sorted(best, key=lambda s: (-best[s], s))[:limit]


def test_hidden_articles_crowding_the_nearest_vectors_are_fetched_past(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    query = unit(rng.normal(size=(1, DIMENSION)))[0]
    # 60 vectors of an edited article lie right around the query; 40 others further off.
    near = unit(query + 0.05 * rng.normal(size=(60, DIMENSION)))
    far = unit(rng.normal(size=(40, DIMENSION)))
    ids = [f"edited#s{i}~{i}" for i in range(60)] + [f"other#s{i}~0" for i in range(40)]
    VectorIndex.create(tmp_path, {"public": ids}, {"public": np.vstack([near, far])}, ef_search=200)
    base = VectorIndex(tmp_path)
    # The edited article now has one vector, in the delta.
    moved = unit(rng.normal(size=(1, DIMENSION)))
    delta = Delta({"public": ["edited#new~0"]}, {"public": moved})
    hidden = Hidden(frozenset({"edited"}), {"public": 60})
    layered = LayeredVectors(base, delta, hidden, base_path=tmp_path)
    found = [hit.section_id for hit in layered.search(query, 5, Filters())]
    expected = exact(ids[60:] + ["edited#new~0"], np.vstack([far, moved]), query, 5)
    assert found == expected
    assert not any(section.startswith("edited#s") for section in found)


def test_a_delta_survives_saving_and_loading(tmp_path: Path) -> None:
    vectors = unit(np.random.default_rng(5).normal(size=(3, DIMENSION)))
    delta = Delta({"internal": ["a#x~h", "a#x~0", "b#~0"]}, {"internal": vectors})
    delta.save(tmp_path / Delta.FILE)
    loaded = Delta.load(tmp_path / Delta.FILE)
    assert loaded.ids == {"public": [], "internal": ["a#x~h", "a#x~0", "b#~0"]}
    assert np.array_equal(loaded.vectors["internal"], vectors) and len(loaded) == 3
    nearest = loaded.nearest("internal", vectors[2], 1)
    assert nearest[0][0] == "b#~0" and abs(nearest[0][1] - 1.0) < 1e-5
    assert loaded.nearest("public", vectors[0], 5) == []


def test_a_chroma_url_that_is_not_one_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="KB_CHROMA_URL .* 'localhost:8000'"):
        VectorIndex(tmp_path, url="localhost:8000")
