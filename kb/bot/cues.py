"""What a customer's message says besides its question: that they want a person, that the last
answer did not help, or that only a person can settle it."""

from __future__ import annotations

import re

_PERSON = re.compile(
    r"\b(?:talk|speak|chat|write)\s+(?:to|with)\s+(?:a|an|some|the|your|real|actual|live|"
    r"human|someone|somebody|person|people|agent|support|staff)\b"
    r"|\b(?:real|actual|live)\s+(?:person|human|agent|people)\b"
    r"|\bhuman\s+(?:being|agent|support)\b"
    r"|\b(?:contact|call|reach)\s+(?:support|an agent|a person|someone|customer service)\b"
    r"|\b(?:customer service|support team|representative|operator)\b"
    r"|^\s*(?:(?:please|pls),?\s+)?(?:an?\s+)?(?:human|person|agent|someone|somebody)"
    r"(?:,?\s+(?:please|pls|now))?\s*[.!?]*\s*$",
    re.IGNORECASE,
)
_UNHELPFUL_OPENING = re.compile(
    r"^\s*(?:no|nope|not really|not quite|not helpful|not what i (?:meant|asked|need(?:ed)?)|"
    r"(?:that's|that is|this is) (?:not it|wrong|not helpful)|wrong|useless)\b[\s,.!:;-]*",
    re.IGNORECASE,
)
# Said anywhere: what the customer tried did not work.
_DID_NOT_WORK = re.compile(
    r"\b(?:did(?:n't| not|nt)|does(?:n't| not|nt)|do(?:n't| not)) (?:help|work|fix|solve)"
    r"|\bnothing (?:works|worked|helps|helped|changed)|\b(?:still|again) (?:not|no|the same|"
    r"getting|get|says|shows|showing|stuck|fails|failing|broken|doesn't|won't|can't)\b"
    r"|\bstill (?:an? )?(?:error )?[A-Za-z]{2,5}-?\d{2,4}\b|\bcame back\b"
    r"|\bsame (?:error|problem|issue|message)\b"
    r"|\b(?:already|i've|i have) (?:tried|done) (?:that|this|it|those|everything)\b"
    r"|\b(?:tried|did) (?:that|this|those|all (?:that|of that|of those))\b",
    re.IGNORECASE,
)
# Matters an article cannot settle: a person must look at the account or decide.
_NEEDS_PERSON = re.compile(
    r"\b(?:hacked|compromised|stolen|took over)\b|\bsomeone (?:else )?(?:got into|is using|"
    r"logged into|changed)\b|\b(?:passed away|died|deceased|death certificate|bereave\w*)\b"
    r"|\b(?:lawyer|attorney|legal (?:request|action|notice)|court order|subpoena|police|"
    r"law enforcement|sue)\b|\b(?:chargeback|dispute)\b"
    r"|\btake (?:it|this|that|them) down\b|\btakedown\b|\bwithout (?:my )?(?:permission|consent)\b"
    r"|\b(?:can|could) (?:someone|somebody|you|a person) (?:please )?(?:check|look into|look at|"
    r"fix|process|escalate)\b|\bplease (?:process|check|escalate|look into)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")


def asks_for_person(message: str) -> bool:
    """The customer asks for a person rather than an answer."""
    return bool(_PERSON.search(message))


def says_unhelpful(message: str) -> tuple[bool, str]:
    """Whether the message says the last answer did not help ("no", "that didn't work",
    "still the same error"), and the rest of it after an opening "no"."""
    found = _UNHELPFUL_OPENING.match(message)
    if found:
        return True, message[found.end() :]
    return bool(_DID_NOT_WORK.search(message)), message


def needs_person(message: str) -> bool:
    """The message is about something only a person can settle: a hacked account, a death in
    the family, a legal request, a payment dispute, content shared without consent, or a plea
    for someone to check."""
    return bool(_NEEDS_PERSON.search(message))


def has_words(message: str) -> bool:
    """The message has anything to search for."""
    return bool(_WORD.search(message))
