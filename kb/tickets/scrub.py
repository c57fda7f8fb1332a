"""Personal data out of ticket text before it can reach a draft article.

Each kind of personal data is replaced by a neutral marker, so the sentence still reads:
links and e-mail addresses, @handles, phone, card, account and other long numbers, channel
and user ids, street addresses, and the names in greetings and sign-offs.
"""

from __future__ import annotations

import re

_SIGN_OFF_WORDS = (
    r"(?:thanks|thank you|many thanks|cheers|regards|best|best regards|kind regards|sincerely|br)"
)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # links first: they carry user and channel ids ("https: //" is how some exports break them)
    (re.compile(r"https?:\s?//\S*|\bwww\.\S+", re.IGNORECASE), "(link)"),
    (re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"), "(email)"),  # o'brien@ too
    (re.compile(r"(?<![\w@])@\w{1,30}"), "(handle)"),
    (re.compile(r"\bUC[\w-]{20,}\b"), "(id)"),
    (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), "(card number)"),
    (
        re.compile(
            r"\b((?:account|acct|member|customer|order|case|ticket|reference|ref|invoice)"
            r"(?:\s*(?:number|no\.?|#|id))?\s*[:#]?\s*)(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{4,}\b",
            re.IGNORECASE,
        ),
        r"\1(number)",
    ),
    (
        re.compile(
            r"(?<!\w)(?<!\d\.)(?:\+?\d{1,3}[\s-])?"
            r"(?:(?:\(\d{2,4}\)[\s-]?)?\d{2,4}[\s-]\d{3,4}(?:[\s-]\d{3,4})?"
            # dots only in the 3-3-4 form ("555.123.4567"), so versions and decimals stay
            r"|\d{3}\.\d{3}\.\d{4})(?!\w|\.\d)"
        ),
        "(phone)",
    ),
    (re.compile(r"(?<!\w)(?<!\d\.)\d{7,}(?!\w|\.\d)"), "(number)"),
    (
        re.compile(
            r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|"
            r"Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Square|Sq)\b\.?"
        ),
        "(address)",
    ),
    # "Hi Jane," / "Dear Mr. Smith" keep the greeting, lose the name
    (
        re.compile(
            r"(?im)^(\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b)"
            r"[ \t]+(?-i:(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*)?)"
        ),
        r"\1",
    ),
    # "Thanks, Jane" and a name alone on the line after a sign-off
    (
        re.compile(
            rf"(?im)^(\s*{_SIGN_OFF_WORDS}[,!.]?)[ \t]*(?:\n[ \t]*)?"
            r"(?-i:[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*)?)[ \t]*$"
        ),
        r"\1",
    ),
    # "my name is Jane Doe", "I'm called Jane"
    (
        re.compile(
            r"(?i)\b((?:my name is|my name's|i am called|i'm called|this is)\s+)"
            r"(?-i:[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*)?)"
        ),
        r"\1(name)",
    ),
    # gamer tags, user names and ids a customer spells out
    (
        re.compile(
            r"(?i)\b((?:gamer ?tag|user ?name|psn(?: id)?|online id|social club(?: name)?|"
            r"account name|my id)\s*(?:is|:|=)?\s+)\S+"
        ),
        r"\1(handle)",
    ),
    # agents' initials anywhere: "*MS" (some teams sign every tweet)
    (re.compile(r"(?<!\w)\*[A-Z]{2,3}\b"), ""),
    # agents' initials at the end of a reply: "^JD", "-Jen", "/MK"
    (re.compile(r"(?m)[ \t]*(?:\^|[-–—/~][ \t]?)[A-Z][A-Za-z]{0,2}[ \t]*$"), ""),
    # and their first names: "~ Olivia", "- Sam" at the very end
    (re.compile(r"(?m)[ \t]*[~–—-][ \t]?[A-Z][a-z]{1,12}[ \t]*$"), ""),
)


def scrub_personal_data(text: str) -> str:
    """The text with every kind of personal data above replaced by a marker."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
