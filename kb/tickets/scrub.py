"""Personal data out of ticket text before it can reach a draft article or a writer's screen.

Each kind of personal data is replaced by a readable placeholder, so the sentence still reads
("e-mail us at [e-mail address]"): links and e-mail addresses, @handles, phone, card, account
and other long numbers, channel and user ids, street addresses. Names are removed where people
put them: in greetings and sign-offs wherever they stand in a message ("Hi Justin,", "Cheers,
Priya", "Thanks Alex."), introductions, agents' signatures, and devices named after their owner
("Jonas's MacBook Air" becomes "a MacBook Air").
"""

from __future__ import annotations

import re
from collections.abc import Callable

LINK = "[link]"
EMAIL = "[e-mail address]"
USERNAME = "[username]"
CHANNEL_ID = "[channel id]"
CARD = "[card number]"
NUMBER = "[number]"
PHONE = "[phone number]"
STREET = "[street address]"
NAME = "[name]"
PLACEHOLDERS = (LINK, EMAIL, USERNAME, CHANNEL_ID, CARD, NUMBER, PHONE, STREET, NAME)
# The short markers that ticket grouping was tuned on (see kb.tickets.drafts._said_by).
_SHORT = ("(link)", "(email)", "(handle)", "(id)", "(card number)", "(number)", "(phone)",
          "(address)", "(name)")  # fmt: skip
MARKERS = dict(zip(PLACEHOLDERS, _SHORT, strict=True))

# One or two capitalised words: a first name, or a first and a last name.
_PERSON = r"(?-i:[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)?)"
# Where a greeting or sign-off may start: a line, a sentence, or after a handle or placeholder.
_STARTS = r"(?:^|(?<=[.!?])[ \t]+|(?<=\])[ \t]*|(?<=[,;])[ \t]*)"
_DEVICES = (
    r"MacBook(?:[ \t-](?:Air|Pro))?|iMac|Mac(?:[ \t-]mini)?|iPhone|iPad|iPod|Apple[ \t]Watch|"
    r"AirPods|Pixel|Galaxy|Surface|Chromebook|Kindle|Echo|ThinkPad|Xbox|PlayStation|PS[45]|"
    r"(?-i:laptop|phone|computer|tablet|desktop|PC|TV)"
)
_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # links first: they carry user and channel ids ("https: //" is how some exports break them)
    (re.compile(r"https?:\s?//\S*|\bwww\.\S+", re.IGNORECASE), LINK),
    (re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+"), EMAIL),  # o'brien@ too
    (re.compile(r"(?<![\w@])@\w{1,30}"), USERNAME),
    (re.compile(r"\bUC[\w-]{20,}\b"), CHANNEL_ID),
    (re.compile(r"\b(?:\d[ -]?){12,18}\d\b"), CARD),
    (
        re.compile(
            r"\b((?:account|acct|member|customer|order|case|ticket|reference|ref|invoice)"
            r"(?:\s*(?:number|no\.?|#|id))?\s*[:#]?\s*)(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{4,}\b",
            re.IGNORECASE,
        ),
        rf"\1{NUMBER}",
    ),
    (
        re.compile(
            r"(?<!\w)(?<!\d\.)(?:\+?\d{1,3}[\s-])?"
            r"(?:(?:\(\d{2,4}\)[\s-]?)?\d{2,4}[\s-]\d{3,4}(?:[\s-]\d{3,4})?"
            # dots only in the 3-3-4 form ("555.123.4567"), so versions and decimals stay
            r"|\d{3}\.\d{3}\.\d{4})(?!\w|\.\d)"
        ),
        PHONE,
    ),
    (re.compile(r"(?<!\w)(?<!\d\.)\d{7,}(?!\w|\.\d)"), NUMBER),
    (
        re.compile(
            r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|"
            r"Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Square|Sq)\b\.?"
        ),
        STREET,
    ),
    # "Hi Jane," / "Dear Mr. Smith" / "[username] Hi Justin," keep the greeting, lose the name
    (
        re.compile(
            rf"(?im){_STARTS}([¡]?(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b)"
            rf"[ \t]+(?-i:(?:(?:Mr|Mrs|Ms|Dr)\.?\s+)?){_PERSON}"
        ),
        r"\1",
    ),
    # "Thanks, Jane" / "Cheers Priya." / "Best,\nJohn Smith": the sign-off stays, the name goes
    (
        re.compile(
            rf"(?im)((?:{_STARTS}|,[ \t]*)(?:thanks|thank you|many thanks|cheers|thx))(,?)[ \t]+"
            rf"{_PERSON}(?=[ \t]*($|[.!?,;:)]))"
        ),
        # at the end, the comma stays ("Cheers,"); before other punctuation it goes ("Thanks!")
        lambda match: match.group(1) + (match.group(2) if match.group(3) == "" else ""),
    ),
    (
        re.compile(
            rf"(?im)({_STARTS}(?:thanks|thank you|many thanks|cheers|regards|best|best regards|"
            rf"kind regards|warm regards|sincerely|respectfully|br),?)[ \t]*\n[ \t]*{_PERSON}\b"
        ),
        r"\1\n",
    ),
    (
        re.compile(
            rf"(?im)({_STARTS}(?:regards|best|best regards|kind regards|warm regards|sincerely),)"
            rf"[ \t]*{_PERSON}[ \t]*$"
        ),
        r"\1",
    ),
    # "Sorry for the trouble, John!", "Sounds good, Morgan.": a name the reply is addressed to
    (
        re.compile(
            rf"(?im)({_STARTS}(?:(?:we'?re |we are |i'?m |so )?sorry|thanks|thank you|thx|"
            r"sounds good|great|glad|we appreciate|appreciate|no worries|got it|of course)"
            r"\b[^.!?\n]{0,80}?),[ \t]+(?-i:[A-Z][a-z]+)(?=[ \t]*(?:[.!?,]|and\b))"
        ),
        r"\1",
    ),
    # "@edgar12 Edgar - sorry for the delays": the name a reply opens with, after the handle
    (
        re.compile(
            rf"^((?:{re.escape(USERNAME)}[ \t]*)+)(?!(?:Hi|Hello|Hey|Dear)\b)[A-Z][a-z]+"
            r"[ \t]*[-–—,][ \t]+(?=[a-z])"
        ),
        r"\1",
    ),
    # "my name is Jane Doe", "I'm called Jane"
    (
        re.compile(r"(?i)\b((?:my name is|my name's|i am called|i'm called|this is)\s+)" + _PERSON),
        rf"\1{NAME}",
    ),
    # gamer tags, user names and ids a customer spells out
    (
        re.compile(
            r"(?i)\b((?:gamer ?tag|user ?name|psn(?: id)?|online id|social club(?: name)?|"
            r"account name|my id)\s*(?:is|:|=)?\s+)(?!\[)\S+"
        ),
        rf"\1{USERNAME}",
    ),
    # agents' initials anywhere: "*MS" (some teams sign every tweet)
    (re.compile(r"(?<!\w)\*[A-Z]{2,3}\b"), ""),
    # agents' initials or names at the end of a reply: "^JD", "-Jen", "/MK", "~ Olivia"
    (re.compile(r"(?m)[ \t]*(?:\^|[-–—/~][ \t]?)[A-Z][A-Za-z]{0,2}[ \t]*$"), ""),
    (
        re.compile(
            r"(?m)[ \t]*(?:\^[ \t]?|[~–—-][ \t]?)[A-Z][A-Za-z]{1,20}(?:[ \t]+[A-Z]\.?)?[ \t]*$"
        ),
        "",
    ),
)
# "Jonas's MacBook Air" and macOS's "Jonass-MacBook-Pro.local": a device, not whose it is
_OWNED_DEVICE = re.compile(
    rf"(?i)\b(?-i:[A-Z][a-z]+)(?:['’]s[ \t]+|s?-)({_DEVICES})((?:-[A-Za-z0-9]+)*(?:\.local)?)\b"
)


def _a_device(match: re.Match[str]) -> str:
    device = (match.group(1) + match.group(2).removesuffix(".local")).replace("-", " ")
    article = "an" if device[0].lower() in "aeiou" else "a"
    start = match.start()
    sentence_start = start == 0 or match.string[:start].rstrip()[-1:] in ".!?\n"
    return f"{article.capitalize() if sentence_start else article} {device}"


def scrub_personal_data(text: str, *, readable: bool = True) -> str:
    """The text with every kind of personal data above replaced by a placeholder or removed;
    `readable=False` writes the short markers ("(handle)") instead of the placeholders."""
    text = _OWNED_DEVICE.sub(_a_device, text)
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    if not readable:
        for placeholder, marker in MARKERS.items():
            text = text.replace(placeholder, marker)
    return text
