"""Vector stores: one contract over every store in kb.index.vector_stores.STORES (a base store
searched by its best vector per section, hidden articles fetched past, internal sections only
when asked for), and the layered store: a base store less hidden articles, plus an exact delta."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb.errors import ConfigurationError
from kb.index.chroma_store import ChromaVectorStore
from kb.index.passages import section_of
from kb.index.vector_stores import STORES
from kb.index.vectors import Delta, Hidden, LayeredVectors
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


@pytest.mark.parametrize("store", STORES.values(), ids=STORES.keys())
def test_a_store_finds_sections_by_their_best_vector(tmp_path: Path, store) -> None:
    rng = np.random.default_rng(7)
    vectors = unit(rng.normal(size=(30, DIMENSION)))
    public = [f"p{i % 10}#s~{i}" for i in range(20)]  # ten sections, two vectors each
    internal = [f"i{i}#s~0" for i in range(10)]
    store.create(
        tmp_path, {"public": public, "internal": internal},
        {"public": vectors[:20], "internal": vectors[20:]}, 200,
    )  # fmt: skip
    opened = store(tmp_path)
    opened.probe(DIMENSION)
    query = vectors[3]
    hits = opened.search(query, 4, Filters())
    assert [h.section_id for h in hits] == exact(public, vectors[:20], query, 4)
    assert abs(hits[0].score - 1.0) < 1e-4  # its own vector: a cosine of 1
    everything = opened.search(vectors[25], 3, Filters(include_internal=True))
    assert everything[0].section_id == "i5#s"  # internal sections only when asked for
    assert all(not h.section_id.startswith("i") for h in opened.search(vectors[25], 5, Filters()))


@pytest.mark.parametrize("store", STORES.values(), ids=STORES.keys())
def test_hidden_articles_crowding_the_nearest_vectors_are_fetched_past(
    tmp_path: Path, store
) -> None:
    rng = np.random.default_rng(3)
    query = unit(rng.normal(size=(1, DIMENSION)))[0]
    # 60 vectors of an edited article lie right around the query; 40 others further off.
    near = unit(query + 0.05 * rng.normal(size=(60, DIMENSION)))
    far = unit(rng.normal(size=(40, DIMENSION)))
    ids = [f"edited#s{i}~{i}" for i in range(60)] + [f"other#s{i}~0" for i in range(40)]
    store.create(tmp_path, {"public": ids}, {"public": np.vstack([near, far])}, 200)
    base = store(tmp_path)
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
        ChromaVectorStore(tmp_path, url="localhost:8000")
