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
    r"(?:,?\s+(?:please|pls|now))?\s*[.!?]*\s*$"
    # Someone in charge, a call, being put through, or giving up on the bot.
    r"|\b(?:speak|talk|chat|get|want|need|see|give me)\b(?:\s+\w+){0,3}?\s+(?:your|a|the)\s+"
    r"(?:manager|supervisor|boss)\b|\bsomeone in charge\b"
    r"|^\s*(?:manager|supervisor)\b"
    r"|\b(?:connect|transfer|put|pass|escalate)\s+(?:me|this|my \w+)\s+(?:through\s+)?"
    r"(?:to|with)\b|\bescalat(?:e|ion)\b"
    r"|\b(?:call|phone|ring)\s+me\b|\b(?:call ?back|phone call|live (?:chat|support|help))\b"
    r"|\b(?:is|are) (?:there|you) (?:a |an )?(?:real|human|anyone|anybody|someone|somebody)\b"
    r"|\b(?:not|no|stop|hate|useless|stupid|dumb) (?:a |an |the |this |talking to (?:a |the )?)?"
    r"(?:bot|robot)s?\b|\b(?:bot|robot)\s+(?:is|isn't|is not)\s+"
    r"(?:useless|stupid|dumb|not help\w*|no help)\b"
    r"|\b(?:file|make|lodge|raise) an? (?:complaint|formal complaint)\b",
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
    r"|\b(?:tried|did) (?:that|this|those|all (?:that|of that|of those))\b"
    r"|\b(?:no|not any) (?:luck|change|difference|better)\b"
    r"|\b(?:did(?:n't| not|nt)|does(?:n't| not|nt)) (?:do|change|make) (?:anything|any difference|"
    r"a difference)\b|\bgave (?:me )?(?:an? )?(?:error|the same)\b",
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
    r"fix|process|escalate)\b|\bplease (?:process|check|escalate|look into)\b"
    # Money taken after the customer stopped it (a double charge has its article), or a demand
    # beyond what an article can grant.
    r"|\b(?:charged|billed) (?:me )?(?:again|anyway|after (?:i )?cancel\w*)\b"
    r"|\b(?:unauthori[sz]ed|fraudulent) (?:charge|payment|transaction|access|login)s?\b"
    r"|\b(?:fraud|scam(?:med)?|stole)\b|\bi (?:want|demand|expect) (?:all |the (?:whole|full|"
    r"entire) )?(?:my |the |a )?(?:money|amount|payment|full refund)\b"
    # Anger: the customer wants someone to answer for it.
    r"|\b(?:unacceptable|ridiculous|outrageous|disgrace\w*|furious|worst (?:service|company|"
    r"support))\b",
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
