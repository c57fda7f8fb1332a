"""HNSW recall against exact search, and what each setting costs, on a built index.

    python -m bench.recall DIR [--queries 200] [--ef 100,200,400,800] [--fetch 100,200]
                               [--construction 100,200]

DIR holds `content/` and `data/` of a full build with the model, as `python -m bench.profile
--articles 10000 --keep DIR` leaves them. The public collection's vectors are read back from
chroma and searched exactly (one matrix product); then, for each `ef_search` and each number of
vectors fetched (the engine fetches KB_CANDIDATES × 2: 200 by default), the same query vectors
go to chroma's HNSW graph. hnswlib searches with max(ef_search, fetched), so an ef_search below
the fetch size changes nothing; both are varied.

Printed per setting: recall of the fetched vectors (the share of the exact nearest ones that
HNSW returned), recall of the top 10 sections after the engine's roll-up (a section scores by
its best vector, headings weighted as in kb.index.passages), and the query's p50/p95 in ms.
The queries are the bench's (bench.peers.make_queries), embedded by the model.

`--construction` also builds the same vectors into fresh collections with each HNSW
`ef_construction` (the index uses max(ef_search, 200)), timed, and measures those alike: what
a cheaper graph build costs in recall.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.__main__ import percentile
from bench.peers import make_queries
from bench.profile import load_average
from kb.content.loading import load_content
from kb.index.chroma_store import collection_name
from kb.index.embeddings import MiniLMEmbedder
from kb.index.generations import IndexLayout
from kb.index.passages import section_of

TOP_SECTIONS = 10


def sections(ids: list[str], similarities: list[float]) -> list[str]:
    """The top sections of these vectors, each scored by its best (weighted) vector."""
    best: dict[str, float] = {}
    for vector_id, similarity in zip(ids, similarities, strict=True):
        section, weight = section_of(vector_id)
        best[section] = max(best.get(section, -1.0), similarity * weight)
    return sorted(best, key=best.__getitem__, reverse=True)[:TOP_SECTIONS]


def read_vectors(collection: object) -> tuple[list[str], np.ndarray]:
    """Every id and vector of a chroma collection, in pages."""
    ids: list[str] = []
    rows: list[np.ndarray] = []
    offset, page = 0, 20_000
    while True:
        got = collection.get(include=["embeddings"], limit=page, offset=offset)  # type: ignore[attr-defined]
        if not got["ids"]:
            break
        ids.extend(got["ids"])
        rows.append(np.asarray(got["embeddings"], dtype=np.float32))
        offset += page
    return ids, np.vstack(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="content/ and data/ of a full build")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ef", default="100,200,400,800", help="ef_search values, commas")
    parser.add_argument("--fetch", default="100,200", help="vectors fetched per query, commas")
    parser.add_argument("--construction", default="", help="ef_construction values to try, commas")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import chromadb  # noqa: PLC0415 - heavy
    from chromadb.config import Settings as ChromaSettings  # noqa: PLC0415

    layout = IndexLayout(args.folder / "data")
    generation = layout.current_generation()
    built = str(layout.root / str(generation) / "vectors")
    client = chromadb.PersistentClient(
        path=built, settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_collection(collection_name("public"), embedding_function=None)
    ids, matrix = read_vectors(collection)
    articles = [a for a in load_content(args.folder / "content").articles if a.is_searchable]
    embedder = MiniLMEmbedder()
    queries = np.vstack([embedder.embed_query(q) for q in make_queries(articles, args.queries)])
    similarity = queries @ matrix.T  # exact cosine: the stored vectors are unit length
    print(f"\n## HNSW recall: {len(ids):,} public vectors, {len(queries)} queries, generation "
          f"{generation}\n\n{load_average()}\n")  # fmt: skip
    stores = [("as built", built, collection_name("public"))]
    scratch = tempfile.TemporaryDirectory()
    for construction in (int(value) for value in args.construction.split(",") if value):
        path = f"{scratch.name}/{construction}"
        other = chromadb.PersistentClient(
            path=path, settings=ChromaSettings(anonymized_telemetry=False)
        )
        name = f"construction-{construction}"
        started = time.perf_counter()
        fresh = other.create_collection(name, embedding_function=None, configuration={
            "hnsw": {"space": "cosine", "ef_construction": construction, "ef_search": 200}
        })  # fmt: skip
        for start in range(0, len(ids), 4000):
            fresh.add(ids=ids[start : start + 4000], embeddings=matrix[start : start + 4000])
        print(f"HNSW build with ef_construction {construction}: "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        stores.append((f"ef_construction {construction}", path, name))
    print("\n| graph | ef_search | fetched | vector recall | top-10 section recall | query p50 ms "
          "| p95 ms |\n|---|---|---|---|---|---|---|")  # fmt: skip
    for graph, path, name in stores:
        for ef in (int(value) for value in args.ef.split(",")):
            collection = with_ef_search(path, name, ef)
            measure(collection, ids, queries, similarity, graph, ef, args.fetch)
    scratch.cleanup()


def with_ef_search(path: str, name: str, ef: int) -> Any:
    """The collection at `path` searching with `ef`: the setting is stored, then the client is
    opened afresh, since an HNSW segment already open in the process keeps the value it was
    opened with (modifying it alone measured every ef_search the same)."""
    import chromadb  # noqa: PLC0415 - heavy
    from chromadb.api.shared_system_client import SharedSystemClient  # noqa: PLC0415
    from chromadb.config import Settings as ChromaSettings  # noqa: PLC0415

    settings = ChromaSettings(anonymized_telemetry=False)
    chromadb.PersistentClient(path=path, settings=settings).get_collection(name).modify(
        configuration={"hnsw": {"ef_search": ef}}
    )
    SharedSystemClient.clear_system_cache()
    client = chromadb.PersistentClient(path=path, settings=settings)
    return client.get_collection(name, embedding_function=None)


def measure(collection: Any, ids: list[str], queries: np.ndarray, similarity: np.ndarray,
            graph: str, ef: int, fetches: str) -> None:  # fmt: skip
    """One table row per number fetched: recall against the exact search, and query times."""
    for fetch in (int(value) for value in fetches.split(",")):
        vector_recall, section_recall, times = [], [], []
        for row, query in enumerate(queries):
            exact = np.argpartition(-similarity[row], fetch)[:fetch]
            started = time.perf_counter()
            found = collection.query(
                query_embeddings=[query], n_results=fetch, include=["distances"]
            )
            times.append((time.perf_counter() - started) * 1000)
            got_ids = found["ids"][0]
            exact_ids = [ids[i] for i in exact]
            vector_recall.append(len(set(got_ids) & set(exact_ids)) / fetch)
            got = sections(got_ids, [1.0 - d for d in found["distances"][0]])  # type: ignore[index]
            want = sections(exact_ids, [float(similarity[row, i]) for i in exact])
            section_recall.append(len(set(got) & set(want)) / max(len(want), 1))
        print(f"| {graph} | {ef} | {fetch} | {np.mean(vector_recall):.4f} | "
              f"{np.mean(section_recall):.4f} | {percentile(times, 0.5):.2f} | "
              f"{percentile(times, 0.95):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
