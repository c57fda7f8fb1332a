"""A draft's title: the problem as a customer would search for it, from the group's most
representative request, without greeting, brand handle or filler, cut at a word boundary."""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_TITLE = 70  # characters, about what a results page shows of a title

_FILLER_START = re.compile(
    r"^(?:(?:so|ok|okay|well|um|guys|yo|bro|pls|plz|please|help|urgent|again|hey|hi|hello|"
    r"apparently|honestly|seriously|lol|smh|tbh|idk|omg|ugh|hmm|"
    r"i need (?:some )?help(?: with)?|need help(?: with)?|help me|can (?:you|someone|anyone) "
    r"(?:please )?help(?: me)?(?: with)?|any idea (?:why|how)|quick question|question)\b"
    r"[\s,:!.-]*)+",
    re.IGNORECASE,
)
_FILLER_END = re.compile(
    r"(?:[\s,.!-]*\b(?:please|pls|plz|help|asap|thanks|thank you|thx|lol|again|anyone|"
    r"(?:please |pls )?help(?: me)?(?: please)?|any help|any ideas?|what do i do|idk|smh|"
    r"(?:and )?idk what to do|lol|tbh|"
    r"can (?:you|someone|anyone) help(?: me)?|guys)\b[\s?!.]*)+$",
    re.IGNORECASE,
)
# First person that a help center's title leaves out: "I can't sign in" is "Can't sign in".
_FIRST_PERSON = (
    (
        re.compile(
            r"^i (?:can ?not|can't|cant|can’t|am unable to|'m unable to|m unable to|am not "
            r"able to|'m not able to)\b",
            re.I,
        ),
        "Can't",
    ),  # fmt: skip
    (
        re.compile(
            r"^i'?m having (?:an? )?(?:issue|issues|problem|problems|trouble)"
            r"(?: with| where)?\s*",
            re.I,
        ),
        "",
    ),  # fmt: skip
    (re.compile(r"^i (?:keep|still) (?:getting|get)\b", re.I), "Getting"),
    (re.compile(r"^i (?:have|got|had) (?:an? )?(?:issue|problem)s? with\b", re.I), "Problem with"),
    (
        re.compile(
            r"^i (?:don't|do not|didn't|did not|never) (?:get|got|receive|received)\b", re.I
        ),
        "Didn't receive",
    ),  # fmt: skip
)
_CUT_AT = re.compile(r",\s|;\s|\s[–—-]\s|:\s|\s(?:but|because|and|so|since|when|which|though)\s")
_TRAILING = re.compile(
    r"(?:\s+(?:and|but|or|the|a|an|to|of|with|for|my|in|on|at|because|so|that|when|which|i|it|"
    r"is|was|are|from|by|this|as|if|about|into|after|before|just|even))+$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\[[a-z -]+\]|\((?:link|handle|email|number|phone)\)")


def clean_title(sentence: str, brands: Iterable[str] = ()) -> str:
    """The sentence as a title: no placeholder, brand handle, greeting or filler, first person
    dropped, cut at a word boundary to at most MAX_TITLE characters; "" when a placeholder
    stands inside it (the sentence has a hole where a name or handle was)."""
    if any(
        re.search(r"\w", sentence[: m.start()]) and re.search(r"\w", sentence[m.end() :])
        for m in _PLACEHOLDER.finditer(sentence)
    ):
        return ""
    text = _PLACEHOLDER.sub(" ", sentence)
    for brand in brands:
        if brand:
            text = re.sub(rf"(?<![\w-])@?{re.escape(brand)}\b[:,]?", " ", text, flags=re.I)
    text = " ".join(text.split()).strip(" -–—:;,")
    for _ in range(2):
        text = _FILLER_END.sub("", _FILLER_START.sub("", text)).strip(" -–—:;,")
    for pattern, replacement in _FIRST_PERSON:
        text = pattern.sub(replacement, text, count=1).strip()
    text = re.sub(r"\bi\b", "I", text)
    question = text.endswith("?")
    text = re.sub(r"[\s.!?…]+$", "", text)
    if len(text) > MAX_TITLE:
        text, question = cut(text), False
    text = _FILLER_END.sub("", text)  # what the cut left at the end: "..., Thank you"
    text = re.sub(r"\s*\([^)]*$", "", text)  # a bracket opened and never closed
    if text.count('"') % 2:  # a quotation the cut left open
        text = "".join(text.rsplit('"', 1))
    text = _TRAILING.sub("", text.rstrip(" ,;:-–—")).strip(" ,;:-–—")
    text = text[:1].upper() + text[1:]
    return text + "?" if question and text else text


def cut(text: str, limit: int = MAX_TITLE) -> str:
    """At most `limit` characters, ending at a clause boundary when one leaves most of it,
    else at a word boundary, without a dangling "and" or "the"."""
    head = text[: limit + 1]
    clauses = [m.start() for m in _CUT_AT.finditer(head) if m.start() >= limit // 2]
    if clauses:
        head = head[: clauses[-1]]
    elif " " in head:
        head = head[: head.rindex(" ")]
    else:
        head = head[:limit]
    return head.rstrip(" ,;:-–—")


def good_title(title: str) -> bool:
    """Long enough to name a problem."""
    return len(re.findall(r"[A-Za-z]{2,}", title)) >= 3
