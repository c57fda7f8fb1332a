"""What the vector side embeds: passages of whole sentences and a heading, folded back into
one hit per section at search time."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kb.content.front_matter import parse_article
from kb.index.chroma_store import ChromaVectorStore
from kb.index.passages import HEADING_WEIGHT, passages, section_of, section_vectors
from kb.search.hits import Filters

LONG = (
    "Use the settings page to change how the app behaves. "
    "Theme: pick light or dark. "
    "Language: choose the language of menus and e-mails. "
    "Shutter sound: play a tone when a photo is taken, or stay silent. "
    "Storage location: keep new files on the device or on a memory card. "
    "Location tags: add where a photo was taken to its details."
)


def test_passages_group_whole_sentences_and_lose_none() -> None:
    found = passages(LONG, words=12)
    assert len(found) > 2
    # Every word once, in order: nothing lost, nothing repeated.
    assert " ".join(found).split() == LONG.split()
    # Whole sentences only: every passage ends where a sentence (or a "Label:") does, and each
    # but the last has reached the size.
    assert all(passage[-1] in ".:" for passage in found)
    assert all(len(passage.split()) >= 12 for passage in found[:-1])


def test_short_text_is_one_passage_and_a_trailing_sentence_is_kept() -> None:
    assert passages("Tap Save.", words=20) == ["Tap Save."]
    assert passages("", words=20) == []
    # A long first sentence fills a passage alone; the short one after it still gets its own.
    long_sentence = " ".join(["word"] * 30) + "."  # long, but not cut: under 4 × 20 words
    assert passages(f"{long_sentence} Then tap Save.", words=20) == [
        long_sentence,
        "Then tap Save.",
    ]
    # A run far longer than a passage with no sentence end (a log line) is cut by word count.
    log = " ".join(f"w{number}" for number in range(100))
    assert passages(log, words=20) == [
        " ".join(f"w{n}" for n in range(i, i + 20)) for i in range(0, 100, 20)
    ]
    # Lines without end punctuation (list items) are sentences too.
    assert passages("first item\nsecond item", words=2) == ["first item", "second item"]


def test_every_vector_of_a_section_carries_its_heading() -> None:
    text = f"---\ntitle: Camera settings\nslug: camera-settings\n---\n## Options\n\n{LONG}\n"
    article = parse_article(text, "camera-settings.md")
    section = next(s for s in article.sections if s.text)
    vectors = list(section_vectors(article, section))
    heading_id, heading = vectors[0]
    assert heading == "Camera settings > Options"
    assert section_of(heading_id) == (section.id, HEADING_WEIGHT)
    for vector_id, text in vectors[1:]:
        assert text.startswith("Camera settings > Options\n")
        assert section_of(vector_id) == (section.id, 1.0)
    assert len({vector_id for vector_id, _ in vectors}) == len(vectors)


def test_a_search_returns_each_section_once_scored_by_its_best_vector(tmp_path: Path) -> None:
    unit = np.eye(4, dtype=np.float32)
    ids = ["a#x~h", "a#x~0", "a#x~1", "b#y~h", "b#y~0"]
    # Section a: one passage points exactly at the query; section b only by its heading.
    vectors = np.stack([unit[1], unit[2], unit[0], unit[0], unit[3]])
    ChromaVectorStore.create(tmp_path, {"public": ids}, {"public": vectors}, ef_search=50)
    hits = ChromaVectorStore(tmp_path).search(unit[0], 10, Filters())
    assert [hit.section_id for hit in hits] == ["a#x", "b#y"]
    assert abs(hits[0].score - 1.0) < 1e-5
    # A heading's similarity counts for less than a passage's.
    assert abs(hits[1].score - HEADING_WEIGHT) < 1e-5
