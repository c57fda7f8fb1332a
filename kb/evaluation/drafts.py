"""What a writer would not keep in a generated draft, counted: a title with a brand prefix, a
greeting, a name, a question as a step, an empty Resolution, two steps that say the same thing.

The checks read the draft files as a writer would and look for what the generator should have
removed, by rules of their own (names are gathered from the raw tickets, not from the scrubber),
so a blind spot of the generator is not also one of its measure."""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import combinations
from pathlib import Path

import frontmatter
import numpy as np

from kb.tickets.records import StoredTicket

DUPLICATE_COSINE = 0.9  # two steps this close say the same thing
PROBLEMS = ("brand_title", "greeting", "name", "question_step", "empty_resolution",
            "duplicate_steps")  # fmt: skip
_GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|dear|greetings|good (?:morning|afternoon|evening))\b"
    r"|^\W*(?:thanks|thank you|appreciate)\b[^.!?]{0,30}\b(?:reaching out|contacting|"
    r"getting in touch|the tag|tagging|your (?:tweet|message|patience))",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(?:can|could|would|will|do|does|did|are|is|have|has|what|which|where|when|why|who|"
    r"how (?:long|many|much|often))\b[^.!]*\b(?:you|your|we|it|this|that|there)\b",
    re.IGNORECASE,
)
_NAME = r"[A-Z][a-z]+(?:[A-Z][a-z]+)?"
# Where tickets carry names: after a greeting, in a sign-off, an agent's signature at the end
# ("-Cyn", "^AF", "~ Olivia"), an introduction, a device named after its owner.
_NAME_PLACES = (
    re.compile(rf"\b(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear)[ \t]+({_NAME})\b"),
    re.compile(
        rf"\b(?:[Tt]hanks|[Cc]heers|[Rr]egards|[Bb]est|[Tt]hank you)[,!]?[ \t]*\n?[ \t]*"
        rf"({_NAME})\b"
    ),  # fmt: skip
    re.compile(r"(?:^|\s)[-~^*/–—][ \t]?([A-Z][A-Za-z]{1,14})[ \t]*$", re.MULTILINE),
    re.compile(rf"\b[Mm]y name is[ \t]+({_NAME})\b"),
    re.compile(rf"\b({_NAME})['’]s[ \t]+(?:[A-Z]\w+)"),
)


@dataclasses.dataclass(frozen=True)
class DraftText:
    """A draft file read as a writer reads it: its title, Issue lines and Resolution steps."""

    name: str
    title: str
    body: str
    issue: list[str]
    steps: list[str]
    ticket_ids: list[str]

    @classmethod
    def read(cls, path: Path) -> DraftText:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
        sections = _sections(post.content)
        issue = [_item(line) for line in sections.get("issue", []) if _item(line)]
        steps = [_item(line) for line in sections.get("resolution", []) if _item(line)]
        return cls(
            path.stem,
            str(post.metadata.get("title", "")),
            post.content,
            issue,
            steps,
            [str(t) for t in _as_list(post.metadata.get("source_tickets"))],
        )


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _sections(body: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in body.splitlines():
        if line.startswith("## "):
            current = found.setdefault(line[3:].strip().lower(), [])
        elif line.strip():
            current.append(line.strip())
    return found


def _item(line: str) -> str:
    """A list item's text, without its bullet or number; a placeholder counts as nothing."""
    text = re.sub(r"^(?:[-*]|\d+\.)\s+", "", line).strip()
    return (
        ""
        if re.fullmatch(r"[(_].*(?:not stated|no customer|to be completed).*[)_]", text)
        else text
    )


def names_in(tickets: Iterable[StoredTicket]) -> set[str]:
    """Names the tickets carry where people put names, less ordinary words (written in lower
    case somewhere in the tickets: "Hi there", "Thanks Team") and the brands."""
    said = "\n".join(m.body for t in tickets for m in t.messages)
    lower = {w.lower() for w in re.findall(r"\b[a-z][a-z']+\b", said)}
    brands = {(t.brand or "").lower() for t in tickets}
    found: set[str] = set()
    for place in _NAME_PLACES:
        for match in place.finditer(said):
            name = match.group(1)
            if name.lower() not in lower and not any(name.lower() in b for b in brands if b):
                found.add(name)
    return found


def _name_pattern(name: str) -> str:
    """A name as a word; initials ("HD", "JS") only as a signature ("^HD"), since as a word
    they are as often something else ("HD video")."""
    if name.isupper():
        return rf"[-~^*/–—][ \t]?{name}\b"
    return rf"\b{re.escape(name)}\b"


def draft_problems(
    draft: DraftText,
    brands: set[str],
    names: set[str],
    embed: Callable[[Sequence[str]], np.ndarray],
) -> dict[str, bool]:
    """Which of PROBLEMS this draft has."""
    title = html.unescape(draft.title).lstrip("@ ").lower()
    lines = [draft.title, *draft.issue, *draft.steps]
    said = " ".join(lines + [draft.body])
    duplicate = False
    if len(draft.steps) > 1:
        vectors = embed(draft.steps)
        duplicate = any(
            float(vectors[a] @ vectors[b]) > DUPLICATE_COSINE
            for a, b in combinations(range(len(draft.steps)), 2)
        )
    return {
        "brand_title": any(title.startswith(brand.lower()) for brand in brands if brand),
        "greeting": any(_GREETING.search(line) for line in lines),
        "name": any(re.search(_name_pattern(n), said) for n in names),
        "question_step": any(
            step.rstrip(" .)").endswith("?") or _QUESTION_START.match(step) for step in draft.steps
        ),
        "empty_resolution": not draft.steps,
        "duplicate_steps": duplicate,
    }


def measure_drafts(
    paths: Sequence[Path],
    tickets: Sequence[StoredTicket],
    embed: Callable[[Sequence[str]], np.ndarray],
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """How many drafts have each problem, and which ones."""
    brands = {t.brand for t in tickets if t.brand}
    names = names_in(tickets)
    counts = dict.fromkeys(PROBLEMS, 0)
    which: dict[str, list[str]] = {problem: [] for problem in PROBLEMS}
    for path in paths:
        draft = DraftText.read(path)
        for problem, present in draft_problems(draft, brands, names, embed).items():
            if present:
                counts[problem] += 1
                which[problem].append(draft.name)
    return counts, which
