"""Search modes, each in one place: which retrievers it asks, and how their hits combine.

To add a mode, add it to MODES; the engine, `kb search`, `kb eval`, the API's `mode` parameter
and its OpenAPI document all take their list from here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from kb.search.fusion import fuse
from kb.search.hits import Hit


@dataclasses.dataclass(frozen=True)
class Fusion:
    """How hybrid fuses: the method, the weight of the vector side, and RRF's k."""

    method: str = "weighted"
    semantic_weight: float = 0.8
    rrf_k: int = 60


Combine = Callable[[Sequence[Hit], Sequence[Hit], Fusion], list[Hit]]


@dataclasses.dataclass(frozen=True)
class Mode:
    name: str
    keyword: bool  # asks the keyword index
    vector: bool  # asks the vector store
    combine: Combine  # (keyword hits, vector hits, fusion) -> section hits, best first


def _hybrid(keyword: Sequence[Hit], vector: Sequence[Hit], fusion: Fusion) -> list[Hit]:
    return fuse(keyword, vector, fusion.method, fusion.semantic_weight, fusion.rrf_k)


MODES: dict[str, Mode] = {
    mode.name: mode
    for mode in (
        Mode("keyword", keyword=True, vector=False, combine=lambda k, v, f: list(k)),
        Mode("semantic", keyword=False, vector=True, combine=lambda k, v, f: list(v)),
        Mode("hybrid", keyword=True, vector=True, combine=_hybrid),
    )
}
MODE_NAMES = tuple(MODES)
DEFAULT_MODE = "hybrid"
