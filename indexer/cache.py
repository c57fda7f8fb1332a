"""What a long-running watcher keeps between builds, so an edit re-reads and re-parses one file,
not the content folder."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from kb.content.loading import ContentReader
from kb.content.model import Article
from kb.search.spelling import count_words


class BuildCache(ContentReader):
    """What a long-running watcher keeps between builds: files read, and articles parsed,
    serialised and counted before, so an edit re-reads and re-parses one file, not the folder.

    A file is read again when its modification time, size or inode changed; an editor's save
    changes at least the first."""

    def __init__(self) -> None:
        self._texts: dict[str, tuple[tuple[int, int, int], str]] = {}
        self._read: set[str] = set()
        self._parsed: dict[str, tuple[str, Article]] = {}
        self._links: dict[str, list[tuple[int, str]]] = {}
        self._dicts: dict[tuple[str, str], str] = {}
        self._words: dict[tuple[str, str], Counter[str]] = {}
        self._vocabulary: Counter[str] = Counter()
        self._counted: set[tuple[str, str]] = set()

    def read(self, path: Path, relative: str) -> str:
        status = path.stat()
        stamp = (status.st_mtime_ns, status.st_size, status.st_ino)
        self._read.add(relative)
        known = self._texts.get(relative)
        if known is None or known[0] != stamp:
            known = (stamp, super().read(path, relative))
            self._texts[relative] = known
        return known[1]

    def parse(self, text: str, relative: str) -> Article:
        known = self._parsed.get(relative)
        if known is None or known[0] is not text and known[0] != text:
            known = (text, super().parse(text, relative))
            self._parsed[relative] = known
        return known[1]

    def links(self, text: str) -> list[tuple[int, str]]:
        if text not in self._links:
            self._links[text] = super().links(text)
        return self._links[text]

    def as_json(self, article: Article) -> str:
        key = (article.path, article.content_hash)
        if key not in self._dicts:
            self._dicts[key] = json.dumps(article.to_dict(), ensure_ascii=False)
        return self._dicts[key]

    def word_counts(self, article: Article) -> Counter[str]:
        key = (article.path, article.content_hash)
        if key not in self._words:
            texts = (article.title, *(section.text for section in article.sections))
            self._words[key] = count_words(texts)
        return self._words[key]

    def vocabulary(self, articles: list[Article]) -> dict[str, int]:
        """Word counts over these articles, updated by what changed since the last call."""
        now = {(article.path, article.content_hash): article for article in articles}
        for key in self._counted - now.keys():
            self._vocabulary.subtract(self._words[key])
        for key in now.keys() - self._counted:
            self._vocabulary.update(self.word_counts(now[key]))
        self._counted = set(now)
        return {word: count for word, count in self._vocabulary.items() if count > 0}

    def warm(self) -> None:
        """Serialise and count every article parsed so far, ahead of the first edit."""
        articles = [article for _, article in self._parsed.values()]
        for article in articles:
            self.as_json(article)
        self.vocabulary([a for a in articles if a.is_searchable and a.audience == "public"])

    def keep(self, articles: list[Article]) -> None:
        """Forget files that changed or went away since the last build; word counts stay
        until the vocabulary has subtracted them."""
        for relative in self._texts.keys() - self._read:
            del self._texts[relative]
        for relative in self._parsed.keys() - self._read:
            del self._parsed[relative]
        self._read = set()
        texts = {text for _, text in self._texts.values()}
        for text in self._links.keys() - texts:
            del self._links[text]
        live = {(article.path, article.content_hash) for article in articles}
        for key in self._dicts.keys() - live:
            del self._dicts[key]
        for key in self._words.keys() - live - self._counted:
            del self._words[key]
