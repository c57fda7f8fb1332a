"""Draft articles in the KCS shape (Issue, Environment, Resolution, Cause), built from the
tickets' own sentences: no language model, only choosing and merging what people wrote."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Sequence

from kb.assist.ticket_text import clean_message, error_codes
from kb.search.spelling import words
from kb.tickets.records import StoredTicket
from kb.tickets.scrub import scrub_personal_data

CAUSE_TO_FILL = "_Not stated in the tickets: to be completed by the writer._"
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_MARKER = re.compile(r"\((?:handle|link|email|id|phone|number|card number|address|name)\)")
_PLEASANTRY = re.compile(
    r"\b(thanks for|thank you|happy to help|sorry (?:to hear|for)|we're here|let us know|"
    r"reach(?:ing)? out|dm us|send us a dm|via dm|have a (?:great|good)|glad|appreciate|"
    r"hope this helps|we understand|we hear you)\b",
    re.IGNORECASE,
)
_CAUSE = re.compile(r"\b(because|due to|caused by|known issue|this happens|the reason)\b", re.I)
_PLATFORMS = (
    "iOS",
    "iPhone",
    "iPad",
    "Android",
    "Windows",
    "Mac",
    "macOS",
    "Linux",
    "PS4",
    "PS5",
    "Xbox",
    "Chrome",
    "Firefox",
    "Safari",
    "Edge",
    "Smart TV",
    "Roku",
    "Fire TV",
    "web",
)
_VERSION = re.compile(r"\b(?:v|version\s?)?\d+\.\d+(?:\.\d+){0,3}\b", re.IGNORECASE)
_STOP = frozenset(
    " ".join(
        (
            "the and for you your with this that have has are was were but not can can't cant just",
            "my me our its it's from what when how why please help hi hello hey thanks any there",
            "their they them would could should will been being into about out get got now still",
            "also again know need",
        )
    ).split()
)


@dataclasses.dataclass(frozen=True)
class DraftContent:
    title: str
    issue: list[str]
    environment: list[str]
    resolution: list[str]
    cause: list[str]
    tags: list[str]


def sentences(text: str) -> list[str]:
    """Scrubbed, cleaned sentences without personal-data markers or leading mentions."""
    cleaned = scrub_personal_data(clean_message(text))
    found = []
    for sentence in _SENTENCE.split(cleaned):
        sentence = " ".join(_MARKER.sub(" ", sentence).split()).strip(" -–:")
        if len(sentence.split()) >= 3:
            found.append(sentence[0].upper() + sentence[1:])
    return found


def ticket_words(ticket: StoredTicket) -> set[str]:
    """Topic words of a ticket: no stop words, and no word only ever written capitalised in it
    (names: an agent's "-Stephanie" must not become a tag)."""
    text = scrub_personal_data(
        " ".join((ticket.subject, ticket.customer_text(), ticket.agent_text()))
    )
    lower = set(re.findall(r"\b[a-z][a-z']+\b", text))
    return {w for w in words(text) if len(w) > 2 and w not in _STOP and w in lower}


@dataclasses.dataclass(frozen=True)
class Background:
    """In how many of all tickets each word occurs: what makes a group's own words stand out."""

    frequencies: Counter[str]
    tickets: int

    @classmethod
    def of(cls, tickets: Sequence[StoredTicket]) -> Background:
        frequencies: Counter[str] = Counter()
        for ticket in tickets:
            frequencies.update(ticket_words(ticket))
        return cls(frequencies, len(tickets))


def topic_terms(
    tickets: Sequence[StoredTicket], background: Background, limit: int = 8
) -> list[str]:
    """Words in many of these tickets and few of all tickets (tf·idf over tickets)."""
    counts: Counter[str] = Counter()
    for ticket in tickets:
        counts.update(ticket_words(ticket))
    scored = {
        word: count * math.log((1 + background.tickets) / (1 + background.frequencies[word]))
        for word, count in counts.items()
        if count > 1 or len(tickets) == 1
    }
    return sorted(scored, key=lambda word: (-scored[word], word))[:limit]


def _representative(candidates: list[str], terms: list[str], count: int) -> list[str]:
    scored = []
    for position, sentence in enumerate(candidates):
        sentence_words = set(words(sentence))
        overlap = sum(1 for t in terms if t in sentence_words)
        length_penalty = 0 if 5 <= len(sentence.split()) <= 30 else 1
        scored.append((-overlap, length_penalty, position, sentence))
    chosen: list[str] = []
    for *_, sentence in sorted(scored):
        if not any(_similar(sentence, other) for other in chosen):
            chosen.append(sentence)
        if len(chosen) == count:
            break
    return chosen


def _similar(first: str, second: str) -> bool:
    a, b = set(words(first)), set(words(second))
    return bool(a and b) and len(a & b) / len(a | b) >= 0.6


def merge_steps(answers: Sequence[list[str]]) -> list[str]:
    """Agents' sentences, de-duplicated across tickets, in the order they were given, the most
    often given first among equals."""
    steps: list[tuple[str, int, int]] = []  # sentence, times given, first position
    for reply in answers:
        for position, sentence in enumerate(reply):
            if _PLEASANTRY.search(sentence) and len(sentence.split()) < 14:
                continue
            for index, (known, times, first) in enumerate(steps):
                if _similar(sentence, known):
                    steps[index] = (known, times + 1, min(first, position))
                    break
            else:
                steps.append((sentence, 1, position))
    ordered = sorted(steps, key=lambda step: (step[2], -step[1]))
    return [sentence for sentence, _, _ in ordered][:8]


def build_draft_content(tickets: Sequence[StoredTicket], background: Background) -> DraftContent:
    terms = topic_terms(tickets, background)
    questions = [s for t in tickets for s in sentences(t.customer_text())]
    answers = [sentences(t.agent_text()) for t in tickets]
    issue = _representative(questions, terms, 3)
    resolution = merge_steps(answers)
    cause = [s for reply in answers for s in reply if _CAUSE.search(s)][:2]
    return DraftContent(
        title=make_title(tickets, questions, terms),
        issue=issue,
        environment=environment(tickets),
        resolution=resolution,
        cause=cause,
        tags=terms[:5],
    )


_OPENING = re.compile(
    r"^(?:(?:hi|hello|hey|so|ok|okay|um|well|please|help|guys|yo)\b[\s,!.]*)+", re.I
)


def make_title(tickets: Sequence[StoredTicket], questions: list[str], terms: list[str]) -> str:
    """The brand and the short customer sentence that best covers the group's topic words: a
    title a writer keeps more often than a tweet's first line."""
    brand = next((t.brand for t in tickets if t.brand), None)
    brand_words = set(words(brand or ""))
    topic = [t for t in terms if t not in brand_words]
    best: tuple[int, int, str] | None = None
    for sentence in questions:
        phrase = _OPENING.sub("", sentence).strip(" ,.!?:;")
        length = len(phrase.split())
        if not 4 <= length <= 16:
            continue
        candidate = (-len(set(words(phrase)) & set(topic)), length, phrase)
        best = min(best, candidate) if best else candidate
    phrase = best[2] if best else " ".join(topic[:4])
    phrase = phrase[:1].upper() + phrase[1:]
    return f"{brand}: {phrase}" if brand else phrase


def environment(tickets: Sequence[StoredTicket]) -> list[str]:
    text = "\n".join(t.customer_text() + "\n" + t.agent_text() for t in tickets)
    scrubbed = scrub_personal_data(text)
    lines = []
    brands = sorted({t.brand for t in tickets if t.brand})
    if brands:
        lines.append("Product: " + ", ".join(brands))
    channels = sorted({t.channel for t in tickets if t.channel})
    if channels:
        lines.append("Reported through: " + ", ".join(channels))
    platforms = [
        p for p in _PLATFORMS if re.search(rf"\b{re.escape(p)}\b", scrubbed, re.IGNORECASE)
    ]
    if platforms:
        lines.append("Platforms: " + ", ".join(platforms))
    versions = list(dict.fromkeys(_VERSION.findall(scrubbed)))[:6]
    if versions:
        lines.append("Versions: " + ", ".join(versions))
    codes = error_codes(scrubbed)
    if codes:
        lines.append("Error codes: " + ", ".join(codes))
    return lines
