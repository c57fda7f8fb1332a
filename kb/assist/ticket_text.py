"""Make a long, noisy ticket searchable: drop greetings, sign-offs, quoted replies and logs,
keep error codes, and pick what each retriever should search with."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

from kb.search.spelling import words

MAX_KEY_TERMS = 24
VECTOR_WORDS = 96  # the opening says what is wrong; the model cost grows with the word pieces
SIGNATURE_LINES = 16  # how far above the end a sign-off may start a signature

# Where a sentence ends: after . ! or ? and the space that follows.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_ERROR_CODE = re.compile(r"\b[A-Z]{2,6}-\d{2,5}\b")
_QUOTE_HEADER = re.compile(
    r"^\s*(on .{3,120} wrote:|-{2,}\s*original message\s*-{2,}|from:\s.+|sent from my .+)\s*$",
    re.IGNORECASE,
)
# A line that only greets ("Hi Anna,", "Hello team!"), not "Hi, the app crashes" (content).
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings)\b"
    r"(?:[ \t]+[\w'.-]+){0,6}[ \t]*[,!.:]?\s*$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(thanks|thank you|many thanks|cheers|best|best regards|kind regards|regards|"
    r"sincerely|warm regards|thx|br)\b[\s,.!]*(in advance)?[\s,.!]*$",
    re.IGNORECASE,
)
_LOG_LINE = re.compile(
    r"^\s*(\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|\d{2}:\d{2}:\d{2}[.,]\d+|at [\w.$<>]+\(|"
    r"traceback \(most recent|file \".+\", line \d+|\w+(error|exception):|0x[0-9a-f]{6,})",
    re.IGNORECASE,
)
_URL_OR_EMAIL = re.compile(r"https?:\s?//\S*|www\.\S+|\S+@\S+\.\w+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022]\s+|\(?\d{1,2}[).]\s+)")  # "- x", "* x", "2) x", "(2) x"


@dataclasses.dataclass(frozen=True)
class Message:
    author: str  # "customer" or "agent"
    body: str


@dataclasses.dataclass(frozen=True)
class Ticket:
    subject: str = ""
    body: str = ""
    messages: tuple[Message, ...] = ()
    tags: tuple[str, ...] = ()

    def customer_texts(self) -> list[str]:
        """The customer's own words: the body and their messages, not the agents' replies."""
        texts = [self.body] if self.body else []
        texts += [m.body for m in self.messages if m.author == "customer"]
        return texts

    def raw_text(self) -> str:
        return "\n".join([self.subject, *self.customer_texts()])


@dataclasses.dataclass(frozen=True)
class TicketQuery:
    keyword_text: str
    vector_text: str
    error_codes: tuple[str, ...]
    key_terms: tuple[str, ...]
    # What the customer said, as searched (cleaned unless asked not to): triage's words.
    said: str = ""


def error_codes(text: str) -> list[str]:
    return list(dict.fromkeys(_ERROR_CODE.findall(text)))


def _problem_lines(text: str) -> list[str]:
    """The lines of one message a person wrote about the problem (blank lines kept)."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line) or line.strip() in ("--", "-- "):
            break  # everything below is a quoted reply or a signature
        if line.lstrip().startswith(">") or _LOG_LINE.match(line):
            continue
        kept.append(line)
    while kept and not kept[0].strip():
        kept.pop(0)
    if kept and _GREETING.match(kept[0]):
        kept.pop(0)
    # A sign-off near the end starts the signature (name, title, phone, legal disclaimer...).
    for index in range(len(kept) - 1, max(-1, len(kept) - SIGNATURE_LINES), -1):
        if _SIGN_OFF.match(kept[index]):
            kept = kept[:index]
            break
    return kept


def clean_message(text: str) -> str:
    """The part of one message a person wrote about the problem."""
    text = _URL_OR_EMAIL.sub(" ", "\n".join(_problem_lines(text)))
    return " ".join(text.split())


def clean_blocks(text: str) -> list[str]:
    """The cleaned message as its paragraphs and list items, each on one line: where a
    customer who asks two things usually starts the second."""
    blocks: list[list[str]] = [[]]
    for line in _problem_lines(text):
        if not line.strip() or _LIST_ITEM.match(line):
            blocks.append([])
        if line.strip():
            blocks[-1].append(line)
    joined = (" ".join(_URL_OR_EMAIL.sub(" ", "\n".join(lines)).split()) for lines in blocks)
    return [block for block in joined if block]


def build_ticket_query(
    ticket: Ticket,
    vocabulary: Mapping[str, int],
    *,
    clean: bool = True,
    vector_words: int = VECTOR_WORDS,
) -> TicketQuery:
    """Key terms for the keyword side, the subject and opening `vector_words` words for the
    vector side."""
    raw = ticket.raw_text()
    codes = error_codes(raw)
    texts = (
        [clean_message(t) for t in ticket.customer_texts()] if clean else ticket.customer_texts()
    )
    body = " ".join(t for t in texts if t)
    subject = " ".join(ticket.subject.split())
    opening = " ".join([subject, body]).split()[:vector_words]
    vector_text = " ".join(opening) or subject or raw[:1000]
    if not clean:
        return TicketQuery(
            " ".join(raw.split())[:20000], vector_text, tuple(codes), (), said=f"{subject} {body}"
        )
    terms = key_terms(f"{subject} {subject} {body}", vocabulary)
    keyword_text = " ".join([*codes, *terms])
    return TicketQuery(
        keyword_text or vector_text,
        vector_text,
        tuple(codes),
        tuple(terms),
        said=f"{subject} {body}",
    )


def key_terms(text: str, vocabulary: Mapping[str, int], limit: int = MAX_KEY_TERMS) -> list[str]:
    """The ticket's most telling words the knowledge base knows: frequent here, rare there."""
    counts = Counter(w for w in words(text) if len(w) > 2 and w in vocabulary)
    total = sum(vocabulary.values()) or 1
    scored = {
        word: (1 + math.log(count)) * math.log(total / (1 + vocabulary[word]))
        for word, count in counts.items()
    }
    return sorted(scored, key=lambda word: (-scored[word], word))[:limit]


def messages_from(records: Sequence[Mapping]) -> tuple[Message, ...]:
    return tuple(Message(str(r.get("author", "customer")), str(r.get("body", ""))) for r in records)
