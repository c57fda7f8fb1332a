"""Draft articles in the KCS shape (Issue, Environment, Resolution, Cause), built from the
tickets' own sentences: no language model, only choosing and merging what people wrote, with
embeddings to tell which sentences say the same thing and which one is most typical."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from kb.search.spelling import words
from kb.tickets.environment import environment
from kb.tickets.placeholders import unfilled
from kb.tickets.records import StoredTicket
from kb.tickets.scrub import PLACEHOLDERS, scrub_personal_data
from kb.tickets.sentences import agent_role, as_step, is_pleasantry, is_pointer, split_sentences
from kb.tickets.titles import clean_title, good_title

Embed = Callable[[Sequence[str]], np.ndarray]
# Cosine at which two sentences say the same thing and are merged. all-MiniLM-L6-v2 puts
# rewordings of one step at 0.64 to 0.79 ("Submit a ticket here" / "Use this link to make a
# ticket" 0.77) and different steps mostly below 0.65; 0.75 merges most rewordings.
SAME_MEANING = 0.75
OFTEN = 2  # in a group of BIG_GROUP tickets or more, steps given this often are the ones kept
BIG_GROUP = 5
MAX_ISSUE_LINES = 4
MAX_STEPS = 6
MAX_CAUSES = 2
MAX_FACTS = 3
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
_PLACEHOLDER_WORDS = frozenset(w for p in PLACEHOLDERS for w in words(p))
_FILLER_ONLY = re.compile(
    r"^(?:can|could) (?:you|someone|anyone) (?:please )?(?:help|assist)(?: me)?\b|"
    r"^(?:please )?(?:help|any help|any update|any news|anyone)\b[^a-z]*$|^what do i do\b",
    re.IGNORECASE,
)


# Words a help center does not repeat: a sentence with one is no Issue line and no title.
_PROFANITY = re.compile(r"\b(?:fuck\w*|shit\w*|bullshit|wtf|ffs|damn|crap|ass)\b", re.I)


@dataclasses.dataclass(frozen=True)
class DraftContent:
    title: str
    issue: list[str]
    environment: list[str]
    resolution: list[str]
    cause: list[str]
    tags: list[str]


def ticket_words(ticket: StoredTicket) -> set[str]:
    """Topic words of a ticket: no stop words, no placeholder, and no word only ever written
    capitalised in it (names: an agent's "-Stephanie" must not become a tag)."""
    text = scrub_personal_data(
        " ".join((ticket.subject, ticket.customer_text(), ticket.agent_text()))
    )
    lower = set(re.findall(r"\b[a-z][a-z']+\b", text))
    return {
        w
        for w in words(text)
        if len(w) > 2 and w not in _STOP and w in lower and w not in _PLACEHOLDER_WORDS
    }


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
    brands = {w for t in tickets for w in words(t.brand or "")}
    scored = {
        word: count * math.log((1 + background.tickets) / (1 + background.frequencies[word]))
        for word, count in counts.items()
        if (count > 1 or len(tickets) == 1) and word not in brands
    }
    return sorted(scored, key=lambda word: (-scored[word], word))[:limit]


def _customer_sentences(ticket: StoredTicket) -> list[str]:
    said = [s for m in ticket.messages if m.author == "customer" for s in split_sentences(m.body)]
    return [
        s
        for s in said
        if not is_pleasantry(s) and not _FILLER_ONLY.match(s) and not _PROFANITY.search(s)
    ]


def _distinct(
    candidates: Sequence[str], vectors: np.ndarray, order: Iterable[int], count: int
) -> list[int]:
    """Up to `count` indexes, in `order`, none saying the same as one chosen before it."""
    chosen: list[int] = []
    for index in order:
        if all(float(vectors[index] @ vectors[other]) < SAME_MEANING for other in chosen):
            chosen.append(index)
        if len(chosen) == count:
            break
    return chosen


def build_draft_content(
    tickets: Sequence[StoredTicket], background: Background, embed: Embed
) -> DraftContent:
    """Title, Issue, Environment, Resolution, Cause and tags for one group of tickets."""
    terms = topic_terms(tickets, background)
    per_ticket = [_customer_sentences(t) for t in tickets]
    requests = [
        " ".join(s)[:600] or t.subject or "(empty)"
        for s, t in zip(per_ticket, tickets, strict=True)
    ]
    request_vectors = embed(requests)
    centre = request_vectors.mean(axis=0)
    centre = centre / (np.linalg.norm(centre) or 1.0)
    questions = [s for sentences in per_ticket for s in sentences if 4 <= len(s.split()) <= 40]
    # "Mail me at [e-mail address]" is how to reach one customer, not how customers put it
    questions = [q for q in questions if not unfilled(q)] or questions
    issue: list[str] = []
    if questions:
        vectors = embed(questions)
        closeness = vectors @ centre
        order = sorted(range(len(questions)), key=lambda i: -closeness[i])
        issue = [questions[i] for i in _distinct(questions, vectors, order, MAX_ISSUE_LINES)]
    brands = sorted({t.brand for t in tickets if t.brand})
    typical = max(range(len(tickets)), key=lambda i: float(request_vectors[i] @ centre))
    steps, causes = resolution_and_cause(tickets, embed)
    return DraftContent(
        title=make_title(per_ticket[typical], issue, terms, brands, embed, centre),
        issue=issue,
        environment=environment(tickets),
        resolution=steps,
        cause=causes,
        tags=terms[:5],
    )


def make_title(
    request: Sequence[str],
    issue: Sequence[str],
    terms: Sequence[str],
    brands: Sequence[str],
    embed: Embed,
    centre: np.ndarray,
) -> str:
    """From the most typical request: its sentence closest to the group's centre that makes a
    title; else the closest Issue line; else the group's topic words."""
    for sentences in (request, issue):
        titles = [clean_title(s, brands) for s in sentences]
        usable = [t for t in titles if good_title(t)]
        if usable:
            closeness = embed(usable) @ centre
            return usable[int(np.argmax(closeness))]
    return clean_title(" ".join(terms[:4])) or "Untitled problem"


def resolution_and_cause(
    tickets: Sequence[StoredTicket], embed: Embed
) -> tuple[list[str], list[str]]:
    """The agents' steps, the same step given in several tickets merged, the most often given
    kept, in the order agents gave them (or, when none gave a step, the facts they stated);
    and up to two stated causes."""
    given: list[tuple[str, int, float]] = []  # step, ticket, relative position in its reply
    causes: list[str] = []
    facts: list[tuple[str, int, float]] = []
    for number, ticket in enumerate(tickets):
        reply: list[str] = []
        for message in ticket.messages:
            if message.author != "agent":
                continue
            for sentence in split_sentences(message.body):
                role = agent_role(sentence)
                if is_pointer(sentence) and reply:
                    reply[-1] = f"{reply[-1].rstrip('.')}: {sentence}"
                elif role == "step":
                    reply.append(as_step(sentence))
                elif role == "cause":
                    causes.append(sentence)
                elif role == "statement" and len(sentence.split()) >= 5:
                    facts.append((sentence, number, len(facts)))
        given += [(step, number, i / len(reply)) for i, step in enumerate(reply)]
    # no agent said what to do: what they stated is the answer ("Refunds take 5 days.")
    steps = _merge_steps(given, embed) or _merge_steps(facts, embed)[:MAX_FACTS]
    if causes:
        vectors = embed(causes)
        causes = [causes[i] for i in _distinct(causes, vectors, range(len(causes)), MAX_CAUSES)]
    return steps, causes


def _merge_steps(given: Sequence[tuple[str, int, float]], embed: Embed) -> list[str]:
    if not given:
        return []
    vectors = embed([step for step, _, _ in given])
    groups: list[tuple[int, set[int], list[float]]] = []  # first index, tickets, positions
    for index, (_, ticket, position) in enumerate(given):
        for first, tickets, positions in groups:
            if float(vectors[index] @ vectors[first]) >= SAME_MEANING:
                tickets.add(ticket)
                positions.append(position)
                break
        else:
            groups.append((index, {ticket}, [position]))
    tickets_in_group = len({ticket for _, ticket, _ in given})
    often = [g for g in groups if len(g[1]) >= OFTEN]
    if tickets_in_group >= BIG_GROUP and len(often) >= 2:
        groups = often  # a step one agent gave once, among many tickets, is not the answer
    kept = sorted(groups, key=lambda g: (-len(g[1]), g[0]))[:MAX_STEPS]
    kept.sort(key=lambda g: (sum(g[2]) / len(g[2]), g[0]))
    return [given[first][0] for first, _, _ in kept]
