"""Index generations on disk: each build writes a new folder, then one atomic rename publishes it.

    <data>/index/CURRENT          name of the live generation
    <data>/index/gen-.../          manifest.json, keyword/, vocabulary.json, synonyms.txt, and
                                   either articles.json and vectors/ (a full build: its own base)
                                   or changes.json and delta.npz (an edit, layered over the base
                                   generation its manifest names: kb.index.vectors.LayeredVectors)

A build that dies before the rename leaves CURRENT, and so the live index, untouched. A server
never serves a generation it cannot open (IndexHandle): it keeps the one it has.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from kb.index.vector_stores import drop_collections

KEEP_GENERATIONS = 3
NODE_FILE = "NODE"  # in <data>/index/: this data folder's id (IndexLayout.node)


ARTICLES_FILE = "articles.json"  # every article, in a generation that built its stores afresh


CHANGES_FILE = "changes.json"  # the articles changed since, in a generation an edit layered


GENERATION_NAME = re.compile(r"gen-[A-Za-z0-9._-]+")


NOT_BUILT = "no index has been built yet: run `kb index`"


class BrokenGeneration(Exception):
    """What CURRENT names cannot be served; `reason` is one line, for the log and /healthz."""

    def __init__(self, generation: str | None, reason: str) -> None:
        super().__init__(reason)
        self.generation = generation  # what CURRENT names; None when there is no CURRENT
        self.reason = reason


class IndexLayout:
    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "index"

    @property
    def current_file(self) -> Path:
        return self.root / "CURRENT"

    def current_generation(self) -> str | None:
        """The finished generation CURRENT names; None when there is no CURRENT (nothing was
        published yet). Raises BrokenGeneration when it cannot be read or names no such one."""
        try:
            with open(self.current_file, "rb") as handle:
                name = handle.read(256).decode("utf-8", errors="replace").strip()
        except FileNotFoundError:
            return None
        except OSError as error:  # a folder, or not readable by the server
            raise BrokenGeneration(None, f"CURRENT cannot be read: {error.strerror}") from error
        if GENERATION_NAME.fullmatch(name) and (self.root / name / "manifest.json").is_file():
            return name
        if not name:
            raise BrokenGeneration(name, "CURRENT is empty")
        if not GENERATION_NAME.fullmatch(name):
            raise BrokenGeneration(name, f"CURRENT does not name a generation: {name[:60]!r}")
        if not (self.root / name).is_dir():
            raise BrokenGeneration(name, f"CURRENT names {name}, which does not exist")
        raise BrokenGeneration(name, f"CURRENT names {name}, which has no manifest.json")

    def current_name(self) -> str | None:
        """The live generation to build on, or None (no CURRENT, or a broken one)."""
        try:
            return self.current_generation()
        except BrokenGeneration:
            return None

    def manifest(self, name: str | None = None) -> dict[str, Any]:
        """The manifest of generation `name`, or of the live one; {} for none, or one that
        cannot be read (a broken generation is no base to build on)."""
        current = name or self.current_name()
        return readable_manifest(self.root / current) if current else {}

    def publish(self, name: str) -> None:
        """Point CURRENT at a finished generation: write a temp file, fsync, rename over."""
        temporary = self.root / f".CURRENT.{os.getpid()}"
        with open(temporary, "w") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.current_file)

    def node(self) -> str:
        """This data folder's own id, made at first use (`NODE`): what it claims a chroma
        server's collections by, so folders sharing the same collections keep each other's."""
        path = self.root / NODE_FILE
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            pass
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x") as handle:
                handle.write(secrets.token_hex(8))
        except FileExistsError:
            pass  # another build of this folder made it first: that one it is
        return path.read_text().strip()

    def generations(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(path for path in self.root.iterdir() if path.name.startswith("gen-"))

    def prune(self, keep: int = KEEP_GENERATIONS, chroma_url: str = "") -> None:
        """Delete old and unfinished generations, keeping the live one and the newest few (and,
        on a chroma server, the collections that only pruned generations used).

        Only collections this folder's pruned generations name are dropped, and only when no
        other data folder claims them: another folder on the same server (a node that builds
        for itself, perhaps the same commit) keeps its own, and so does a compaction uploading
        its new base."""
        current = self.current_name()
        finished = [p for p in self.generations() if (p / "manifest.json").exists()]
        keep_names = {p.name for p in finished[-keep:]} | {current}
        # and the base generations whose stores the kept ones are layered over
        keep_names |= {_base(self.root / name) for name in keep_names if name}
        pruned = [path for path in self.generations() if path.name not in keep_names]
        dropped = {_key(path) for path in pruned} - {_key(self.root / n) for n in keep_names if n}
        dropped.discard("")  # embedded generations name no collections
        for path in pruned:
            shutil.rmtree(path, ignore_errors=True)
        if chroma_url and dropped:
            drop_collections(chroma_url, dropped, self.node())


def read_manifest(generation: Path) -> dict[str, Any]:
    return json.loads((generation / "manifest.json").read_text())


def readable_manifest(generation: Path) -> dict[str, Any]:
    """The manifest, or {} when it is missing or unreadable: a broken generation to build afresh."""
    try:
        manifest = read_manifest(generation)
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _key(generation: Path) -> str:
    """The content key of the server collections a generation reads ("" when embedded)."""
    return readable_manifest(generation).get("vectors", {}).get("key") or ""


def _base(generation: Path) -> str:
    return readable_manifest(generation).get("vectors", {}).get("base", generation.name)
