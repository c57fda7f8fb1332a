"""Writer-maintained synonyms: `content/synonyms.txt`, one group of equivalent terms per line.

# comments and blank lines are ignored
cancel, unsubscribe, end subscription
refund, money back, reimbursement
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from kb.content.model import ContentProblem

FILE_NAME = "synonyms.txt"


@dataclasses.dataclass(frozen=True)
class Synonyms:
    groups: tuple[tuple[str, ...], ...] = ()

    def expansions(self, query: str) -> list[str]:
        """Terms equivalent to something the query says, not already in it."""
        text = f" {_normalise(query)} "
        extra: list[str] = []
        for group in self.groups:
            if any(f" {term} " in text for term in group):
                extra.extend(t for t in group if f" {t} " not in text and t not in extra)
        return extra


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def parse_synonyms(text: str, path: str = FILE_NAME) -> tuple[Synonyms, list[ContentProblem]]:
    groups: list[tuple[str, ...]] = []
    problems: list[ContentProblem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        terms = tuple(dict.fromkeys(t for t in (_normalise(p) for p in line.split(",")) if t))
        if len(terms) < 2:
            problems.append(
                ContentProblem(path, number, "a synonym group needs two or more terms", fatal=False)
            )
            continue
        groups.append(terms)
    return Synonyms(tuple(groups)), problems


def load_synonyms(content_dir: Path) -> tuple[Synonyms, list[ContentProblem]]:
    path = content_dir / FILE_NAME
    if not path.exists():
        return Synonyms(), []
    return parse_synonyms(path.read_text(encoding="utf-8"))
