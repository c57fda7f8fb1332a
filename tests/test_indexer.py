"""Incremental builds, removal, full rebuilds, and a live index that survives a failed build."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from indexer import build as build_module
from indexer.cache import BuildCache
from kb.content import loading as content_module
from kb.content.loading import load_content
from kb.index import generations as store_module
from kb.index.chroma_store import ChromaVectorStore, claimants
from kb.index.generations import IndexLayout
from kb.index.handle import IndexHandle
from kb.index.passages import article_vector_ids
from kb.index.vector_stores import drop_collections
from kb.search.autocomplete import Autocompleter
from kb.search.engine import SearchEngine
from kb.search.hits import Filters
from kb.search.spelling import count_words
from kb.search.vocabulary import Vocabulary
from tests.helpers import CHROMA_URL, REPO, CountingEmbedder, build, make_engine


def claims(key: str) -> list[str]:
    return claimants(CHROMA_URL, key)


def give_up_claims(key: str, but: str) -> None:
    """Other tests' folders built the same fixture content on the same server and never prune
    it: take their claims away, as if those folders had moved on."""
    for user in claims(key):
        if user != but:
            drop_collections(CHROMA_URL, {key}, user)


def lose_collections(key: str) -> None:
    """What a new or emptied server looks like: the collections gone, whoever claimed them."""
    give_up_claims(key, but="")
    drop_collections(CHROMA_URL, {key})


def engine_for(data_dir: Path, embedder) -> SearchEngine:
    return make_engine(data_dir, embedder)


def slugs(engine: SearchEngine, query: str) -> list[str]:
    return [
        r.article.slug for r in engine.search(query, filters=Filters(include_internal=True)).results
    ]


def test_first_build_embeds_every_searchable_section(
    content_dir: Path, data_dir: Path, embedder: CountingEmbedder
) -> None:
    report = build(content_dir, data_dir, embedder)
    assert len(report.added) == 5
    # drafts are not indexed: 4 published articles, 9 sections with text, each embedded as its
    # heading and one passage (every fixture section is shorter than a passage)
    assert report.sections == 9
    assert len(embedder.embedded) == report.embedded == 18


def test_editing_one_article_reembeds_only_its_sections(
    built, content_dir: Path, data_dir: Path, embedder: CountingEmbedder
) -> None:
    path = content_dir / "sync/sync-error-codes.md"
    path.write_text(path.read_text().replace("free up space", "delete old files"))
    embedder.embedded.clear()
    report = build(content_dir, data_dir, embedder)
    assert report.updated == ["sync-error-codes"] and len(report.unchanged) == 4
    assert embedder.embedded and all(t.startswith("Sync error codes") for t in embedder.embedded)
    assert report.embedded == len(embedder.embedded) == 1  # only the changed section
    assert "sync-error-codes" in slugs(engine_for(data_dir, embedder), "delete old files")


def test_unchanged_run_embeds_nothing(built, content_dir, data_dir, embedder) -> None:
    embedder.embedded.clear()
    report = build(content_dir, data_dir, embedder)
    assert (report.embedded, len(report.unchanged)) == (0, 5)
    assert "0 added, 0 updated, 0 removed, 5 unchanged" in report.summary()


def test_removed_file_leaves_the_index(built, content_dir, data_dir, embedder) -> None:
    (content_dir / "billing/cancel-subscription.md").unlink()
    report = build(content_dir, data_dir, embedder)
    assert report.removed == ["cancel-subscription"]
    assert "cancel-subscription" not in slugs(engine_for(data_dir, embedder), "cancel plan renewal")


def test_full_rebuild_reembeds_everything(built, content_dir, data_dir, embedder) -> None:
    embedder.embedded.clear()
    report = build(content_dir, data_dir, embedder, full=True)
    assert report.embedded == len(embedder.embedded) == 18


class ExplodingEmbedder(CountingEmbedder):
    def embed(self, texts):
        raise RuntimeError("power cut")


def test_crashed_build_leaves_previous_index_serving(
    built, content_dir, data_dir, embedder
) -> None:
    layout = IndexLayout(data_dir)
    before = layout.current_name()
    (content_dir / "sync/new.md").write_text("---\ntitle: Brand new\n---\n## Fresh\nzebra text\n")
    with pytest.raises(RuntimeError):
        build(content_dir, data_dir, ExplodingEmbedder())
    assert layout.current_name() == before
    assert "request-a-refund" in slugs(engine_for(data_dir, embedder), "refund")
    assert "new" not in slugs(engine_for(data_dir, embedder), "zebra")


KILLABLE_BUILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from indexer import build as build_module
    from indexer import stores as stores_module
    from kb.index.embeddings import HashingEmbedder

    def halfway(write):
        def slowly(*args):
            write(*args)
            Path(sys.argv[3]).write_text("keyword index written")
            time.sleep(60)  # killed here, halfway through writing the generation
        return slowly
    stores_module.create_keyword_index = halfway(stores_module.create_keyword_index)
    build_module.update_keyword_index = halfway(build_module.update_keyword_index)
    folders = Path(sys.argv[1]), Path(sys.argv[2])
    options = build_module.BuildOptions(*folders, chroma_url=sys.argv[4])
    build_module.build_index(options, HashingEmbedder())
""")


def test_build_killed_halfway_leaves_previous_index_serving(
    built, content_dir, data_dir, embedder, tmp_path
) -> None:
    layout = IndexLayout(data_dir)
    before = layout.current_name()
    (content_dir / "sync/new.md").write_text("---\ntitle: Brand new\n---\n## Fresh\nzebra text\n")
    marker = tmp_path / "marker"
    script = tmp_path / "killable.py"
    script.write_text(KILLABLE_BUILD)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, str(script), str(content_dir), str(data_dir), str(marker), CHROMA_URL],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the build never got halfway"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert layout.current_name() == before
    assert len(layout.generations()) == 2  # the dead build's folder, never published
    assert "request-a-refund" in slugs(engine_for(data_dir, embedder), "refund")
    # the next build finishes, is published, and clears the unfinished folder
    build(content_dir, data_dir, embedder)
    assert layout.current_name() != before
    assert all((g / "manifest.json").exists() for g in layout.generations())


def test_running_server_picks_up_a_finished_build(built, content_dir, data_dir, embedder) -> None:
    engine = engine_for(data_dir, embedder)
    assert "new" not in slugs(engine, "zebra")
    (content_dir / "sync/new.md").write_text("---\ntitle: Brand new\n---\n## Fresh\nzebra text\n")
    build(content_dir, data_dir, embedder)
    assert slugs(engine, "zebra")[0] == "new"


def store_contents(data_dir: Path, embedder) -> tuple[dict, dict]:
    """What each store returns, per query, for every audience: (keyword, vector) hits."""
    index = engine_for(data_dir, embedder).current_index()
    everyone = Filters(include_internal=True)
    queries = ["refund", "zebra", "sync error", "vault preview", "cancel plan", "approval"]
    keyword = {
        q: sorted(h.section_id for h in index.keyword.search(q, 100, everyone)) for q in queries
    }
    vector = {
        q: sorted(
            h.section_id for h in index.vectors.search(embedder.embed_query(q), 100, everyone)
        )
        for q in queries
    }
    return keyword, vector


def live_manifest(data_dir: Path) -> dict:
    layout = IndexLayout(data_dir)
    return json.loads((layout.root / layout.current_name() / "manifest.json").read_text())


def test_an_edited_generation_holds_what_a_full_build_would(
    built, content_dir, data_dir, embedder, tmp_path
) -> None:
    """Edits are layered over the live base stores; the result must equal a fresh build."""
    refund = content_dir / "billing/request-a-refund.md"
    refund.write_text(
        refund.read_text().replace("## ", "## Zebra crossing\nzebra refund\n\n## ", 1)
    )
    (content_dir / "sync/sync-error-codes.md").unlink()
    rules = content_dir / "agent-handbook/refund-approval-rules.md"
    rules.write_text(rules.read_text().replace("audience: internal", "audience: public"))
    cancel = content_dir / "billing/cancel-subscription.md"
    cancel.write_text(cancel.read_text().replace("kind: service", "kind: service\nstatus: draft"))
    (content_dir / "sync/new.md").write_text("---\ntitle: New zebra page\n---\n## Zebra\nsync\n")
    base = live_manifest(data_dir)["vectors"]["base"]
    report = build(content_dir, data_dir, embedder)
    assert len(report.updated) == 3 and report.removed == ["sync-error-codes"]
    stored = live_manifest(data_dir)["vectors"]
    # layered over the live base store (embedded, or the server's collections), not rewritten
    assert stored["base"] == base and len(stored["changed"]) == 5
    fresh_dir = tmp_path / "fresh"
    build(content_dir, fresh_dir, embedder, full=True)
    assert store_contents(data_dir, embedder) == store_contents(fresh_dir, embedder)
    edited, fresh = (engine_for(d, embedder).current_index() for d in (data_dir, fresh_dir))
    assert edited.articles == fresh.articles and list(edited.articles) == list(fresh.articles)
    found = slugs(engine_for(data_dir, embedder), "zebra")
    assert "request-a-refund" in found and "new" in found and "cancel-subscription" not in found


def test_an_edit_over_a_base_store_that_is_gone_writes_every_store_afresh(
    built, content_dir, data_dir, embedder
) -> None:
    """A chroma server that lost the base collections (a new server, an emptied one) or an
    embedded base folder without its vectors: the edit cannot layer, and must not publish a
    generation that cannot be opened."""
    if CHROMA_URL:
        lose_collections(live_manifest(data_dir)["vectors"]["key"])
    else:
        base = live_manifest(data_dir)["vectors"]["base"]
        shutil.rmtree(IndexLayout(data_dir).root / base / "vectors")
    refund = content_dir / "billing/request-a-refund.md"
    refund.write_text(refund.read_text() + "\n## Quokka\nQuokka refunds take a day.\n")
    report = build(content_dir, data_dir, embedder)
    stored = live_manifest(data_dir)["vectors"]
    assert stored["base"] == report.generation and stored["changed"] == []
    assert slugs(engine_for(data_dir, embedder), "quokka")[:1] == ["request-a-refund"]


def move_on(content_dir: Path, data_dir: Path, embedder, word: str) -> None:
    """Edit and build until the data folder's first base is pruned."""
    refund = content_dir / "billing/request-a-refund.md"
    refund.write_text(refund.read_text() + f"\n## {word}\n{word}\n")
    build(content_dir, data_dir, embedder, full=True)
    for number in range(store_module.KEEP_GENERATIONS + 1):
        refund.write_text(refund.read_text() + f"\n{word} {number}\n")
        build(content_dir, data_dir, embedder)


@pytest.mark.skipif(not CHROMA_URL, reason="server collections: .ci/chroma-server-tests")
def test_folders_sharing_a_servers_collections_keep_them_until_the_last_moves_on(
    built, content_dir, data_dir, embedder, tmp_path
) -> None:
    """Two nodes that each build for themselves from the same commit share its collections: the
    one that compacts (or rebuilds) first must leave them to the other, whose edits are layered
    over them; the last one to move on drops them."""
    key = live_manifest(data_dir)["vectors"]["key"]
    give_up_claims(key, but=IndexLayout(data_dir).node())
    other_content = tmp_path / "other-content"
    shutil.copytree(content_dir, other_content)
    other = tmp_path / "other-node"
    build(other_content, other, embedder)
    assert live_manifest(other)["vectors"]["key"] == key  # found complete, not uploaded again
    assert IndexLayout(other).node() != IndexLayout(data_dir).node()
    assert len(claims(key)) == 2

    move_on(content_dir, data_dir, embedder, "Quokka")
    assert live_manifest(data_dir)["vectors"]["key"] != key
    assert len(claims(key)) == 1
    ChromaVectorStore(other, CHROMA_URL, key)  # still there for the other node
    cancel = other_content / "billing/cancel-subscription.md"
    cancel.write_text(cancel.read_text() + "\n## Wombat\nWombat plans end at once.\n")
    build(other_content, other, embedder)  # an edit layered over the shared base
    assert live_manifest(other)["vectors"]["key"] == key
    assert slugs(engine_for(other, embedder), "wombat")[:1] == ["cancel-subscription"]
    assert slugs(engine_for(other, embedder), "refund")[:1] == ["request-a-refund"]

    move_on(other_content, other, embedder, "Zebra")
    assert not claims(key)
    with pytest.raises(Exception, match="does not exist"):
        ChromaVectorStore(other, CHROMA_URL, key)


def test_edits_layer_over_a_base_that_outlives_pruning_until_compacted(
    built, content_dir, data_dir, embedder, monkeypatch, tmp_path
) -> None:
    layout = IndexLayout(data_dir)
    base, key = (live_manifest(data_dir)["vectors"][name] for name in ("base", "key"))
    if CHROMA_URL:  # other tests built the same content into folders they never prune
        give_up_claims(key, but=layout.node())
    handle = IndexHandle(data_dir, CHROMA_URL)
    first = handle.get()
    refund = content_dir / "billing/request-a-refund.md"
    for number in range(store_module.KEEP_GENERATIONS + 2):
        refund.write_text(refund.read_text() + f"\n## Quokka {number}\nquokka {number}\n")
        build(content_dir, data_dir, embedder)
    assert live_manifest(data_dir)["vectors"]["base"] == base
    assert (layout.root / base).exists() and len(layout.generations()) == 4  # 3 newest + base
    # A server that had the index open keeps the open base store and the unchanged articles.
    edited = handle.get()
    assert edited.vectors.base is first.vectors.base
    assert edited.articles["cancel-subscription"] is first.articles["cancel-subscription"]
    cold = IndexHandle(data_dir, CHROMA_URL).get()
    assert cold.articles == edited.articles
    # Both know how many base vectors the edit hides, so a search fetches just enough more.
    in_base = len(article_vector_ids(first.articles["request-a-refund"]))
    assert cold.vectors.hidden == edited.vectors.hidden
    assert edited.vectors.hidden.vectors == {"public": in_base}
    # Past the limit, the next build writes a new base store and the old one is pruned.
    monkeypatch.setattr(build_module, "COMPACT_FLOOR", 0)
    monkeypatch.setattr(build_module, "COMPACT_SHARE", 0.0)
    refund.write_text(refund.read_text() + "\n## Zebra\nzebra\n")
    embedder.embedded.clear()
    report = build(content_dir, data_dir, embedder)
    assert report.embedded == len(embedder.embedded) == 2  # only the new section, even so
    stored = live_manifest(data_dir)["vectors"]
    assert stored["base"] == report.generation and stored["changed"] == []
    for _ in range(store_module.KEEP_GENERATIONS):
        refund.write_text(refund.read_text() + "\nmore\n")
        build(content_dir, data_dir, embedder)
    assert not (layout.root / base).exists()
    if CHROMA_URL:  # and its server collections, which no kept generation reads
        assert not claims(key)  # other tests' folders built the same content, and claim it
        with pytest.raises(Exception, match="does not exist"):
            ChromaVectorStore(data_dir, CHROMA_URL, key)
    fresh_dir = tmp_path / "fresh"
    build(content_dir, fresh_dir, embedder, full=True)
    assert store_contents(data_dir, embedder) == store_contents(fresh_dir, embedder)


def test_an_edits_generation_updates_the_open_vocabulary_to_what_a_fresh_one_holds(
    built, content_dir, data_dir, embedder
) -> None:
    """The vocabulary (word rarity for "no good match" and the section choice) and the
    autocompleter are the open generation's with the edit applied, not read again from every
    section (3 s and 0.6 s at 10,000 articles, on the first search and completion after each
    edit)."""
    handle = IndexHandle(data_dir, CHROMA_URL)
    first = handle.get()
    assert first.vocabulary.weight("refund") < first.vocabulary.weight("quokka")
    assert not first.autocomplete.complete("quok")
    assert [s.slug for s in first.autocomplete.complete("cancel")][:1] == ["cancel-subscription"]
    refund = content_dir / "billing/request-a-refund.md"
    refund.write_text(refund.read_text() + "\n## Quokka\nQuokka refunds take a day.\n")
    (content_dir / "sync/sync-error-codes.md").unlink()
    cancel = content_dir / "billing/cancel-subscription.md"
    cancel.write_text(
        cancel.read_text().replace("kind: service", "kind: service\naudience: internal")
    )
    build(content_dir, data_dir, embedder)
    edited = handle.get()
    assert edited.vectors.base is first.vectors.base  # opened after the first
    assert edited.vocabulary is not first.vocabulary
    fresh = Vocabulary(edited.articles.values(), edited.speller)
    assert (edited.vocabulary._counts, edited.vocabulary._sections) == (
        fresh._counts,
        fresh._sections,
    )
    assert (
        edited.vocabulary.unknown_share(["quokka"])
        == 0
        < first.vocabulary.unknown_share(["quokka"])
    )
    assert edited.autocomplete is not first.autocomplete
    fresh_completion = Autocompleter(a for a in edited.articles.values() if a.is_public)
    assert edited.autocomplete._words == fresh_completion._words
    assert edited.autocomplete._entries == fresh_completion._entries
    assert [(s.slug, s.anchor) for s in edited.autocomplete.complete("quok")] == [
        ("request-a-refund", "quokka")
    ]
    assert "cancel-subscription" not in {s.slug for s in edited.autocomplete.complete("cancel")}
    # The next edit's generation reads every article changed since the base again; only the
    # one changed since the open generation is applied to what that one built.
    (content_dir / "sync/new.md").write_text("---\ntitle: New zebra page\n---\n## Zebra\nsync\n")
    build(content_dir, data_dir, embedder)
    third = handle.get()
    assert [article.slug for article in third._edit[1]] == ["new"] and not third._edit[0]
    assert [s.slug for s in third.autocomplete.complete("zebr")] == ["new", "new"]


def test_a_watchers_cache_rereads_and_reparses_only_edited_files(
    built, content_dir, data_dir, embedder, monkeypatch
) -> None:
    read: list[str] = []
    parsed: list[str] = []
    real_read, real_parse = content_module.ContentReader.read, content_module.parse_article

    def counting_read(self, path: Path, relative: str) -> str:
        read.append(relative)
        return real_read(self, path, relative)

    def counting_parse(text: str, relative: str):
        parsed.append(relative)
        return real_parse(text, relative)

    monkeypatch.setattr(content_module.ContentReader, "read", counting_read)
    monkeypatch.setattr(content_module, "parse_article", counting_parse)
    cache = BuildCache()
    build(content_dir, data_dir, embedder, cache=cache)
    everything = len(parsed)
    assert len(read) == everything >= 5
    refund = content_dir / "billing/request-a-refund.md"
    refund.write_text(refund.read_text() + "\n## Quokka\nquokka refunds\n")
    report = build(content_dir, data_dir, embedder, cache=cache)
    assert report.updated == ["request-a-refund"]
    assert read[everything:] == parsed[everything:] == ["billing/request-a-refund.md"]
    assert "request-a-refund" in slugs(engine_for(data_dir, embedder), "quokka")


def test_a_watchers_vocabulary_follows_edits_exactly(
    built, content_dir, data_dir, embedder
) -> None:
    cache = BuildCache()
    build(content_dir, data_dir, embedder, cache=cache)
    refund = content_dir / "billing/request-a-refund.md"
    refund.write_text(refund.read_text().replace("refund", "reimbursement") + "\nquokka\n")
    (content_dir / "sync/sync-error-codes.md").unlink()
    build(content_dir, data_dir, embedder, cache=cache)
    layout = IndexLayout(data_dir)
    written = json.loads((layout.root / layout.current_name() / "vocabulary.json").read_text())
    public = [a for a in load_content(content_dir).articles if a.is_public]
    expected = count_words(t for a in public for t in (a.title, *(s.text for s in a.sections)))
    assert written == dict(expected) and "quokka" in written
