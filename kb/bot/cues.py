"""What a customer's message says besides its question: its own words without the greeting and
signature around them, that they want a person, that the last answer did not help, or that only
a person can settle it."""

from __future__ import annotations

import re

from kb.assist.ticket_text import SENTENCE_END, clean_message, error_codes

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
    r"|\b(?:connect|transfer|put|pass|escalate)\s+(?:me|this|my (?:ticket|case|issue|request|"
    r"complaint|question|problem|chat|call|conversation))\s+(?:through\s+)?"
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
# Words that say nothing beside "that didn't help".
_FILLER = re.compile(
    r"\b(?:that|this|it|still|sorry|but|unfortunately|ok|okay|thanks|hmm|well|the|answer|"
    r"article|either|really|at all|just|luck|i'm afraid|afraid)\b",
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
# Frustration: waiting long, asking again and again, being fed up. Said beside a question, it
# means the help center has already failed this customer once.
_FRUSTRATED = re.compile(
    r"\b(?:this|it|that) is (?:so |really |very |getting |beyond |incredibly |extremely )*"
    r"(?:frustrating|annoying|infuriating|exhausting|a joke|a nightmare|absurd)\b"
    r"|\b(?:so|really|very|extremely|incredibly|getting) (?:frustrated|annoyed|angry|upset)\b"
    r"|\b(?:fed up|sick and tired|had enough|at my wits'? end|losing my patience)\b"
    r"|\bwaiting (?:for )?(?:(?:over|more than|almost|nearly) )?(?:days|weeks|months|(?:several|"
    r"many|so many) days|(?:two|three|four|five|several|many|\d+) (?:weeks|months))\b"
    r"|\b(?:second|third|fourth|fifth|2nd|3rd|4th|5th|\w+th) time (?:i(?:'ve| have| am|'m)? )?"
    r"(?:ask|writ|contact|report|email|messag|explain|tell|call|reach)\w*"
    r"|\bhow many times (?:do|must|should|have) i (?:have to )?(?:ask|tell|explain|write|say)\b"
    r"|\b(?:no ?one|nobody) (?:ever )?(?:answers|replies|responds|gets back|has (?:answered|"
    r"replied|responded|gotten back))\b|\bwaste (?:of )?(?:my |our )?time\b",
    re.IGNORECASE,
)
# Changes to an account that only staff can make: merging accounts, giving a team or account to
# someone else when its owner is gone, another legal or billing entity, an account deleted past
# its window, a suspension or ban, proving who the customer is.
_STAFF_ONLY = re.compile(
    r"\b(?:merge|combine|consolidate)\b(?:\s+[\w']+){0,4}?\s+(?:accounts|"
    r"subscriptions|(?:account|subscription) (?:with|into) (?:my|our|the|an?) (?:\w+ )?"
    r"(?:account|subscription))\b"
    r"|\b(?:only|sole|single|last|former|previous|old) (?:account )?(?:admin|administrator|"
    r"owner)\b[^.?!]{0,60}\b(?:left|quit|gone|passed away|died|fired|retired|no longer|"
    r"unreachable|not reachable|not responding|can't be reached|locked out|can(?:'t|not) "
    r"(?:sign|log) ?in|lost (?:my|his|her|their|the) (?:phone|2fa|access|password))"
    r"|\bno (?:other|second|backup) (?:admin|administrator)s?\b"
    # Where the team's files are kept: the articles say support moves a team between regions.
    r"|\b(?:mov|migrat|switch|transfer|relocat)\w*\b[^.?!]{0,40}\bto (?:the |our |an? )?"
    r"(?:eu|us|european|american|other|another|different) (?:storage |data )?(?:region|"
    r"data ?cent(?:er|re))\b"
    r"|\b(?:make|set) me (?:as )?(?:the |an? )?(?:new )?(?:account )?(?:owner|admin|administrator)"
    r" of (?:the |our |this |my )?(?:team|workspace|account|organi[sz]ation|company|business)\b"
    # To a person (not "to my new e-mail address", which the articles answer).
    r"|\btransfer (?:the |our |my |this |a )?(?:whole )?(?:account|workspace|team|subscription|"
    r"business account|team account)(?: ownership)? to (?:(?:another|a different|a new|the new|new|"
    r"my|our|his|her) )*(?:person|user|owner|admin\w*|colleague|co-?worker|employee|partner|wife|"
    r"husband|son|daughter|boss|manager|someone|somebody|company|entity)\b"
    r"|\b(?:change|switch|move|transfer|update)\b[^.?!]{0,40}\b(?:(?:legal|billing|contracting) "
    r"entity|account holder|to (?:our|a|the) (?:new|other|parent|sister) (?:company|entity|"
    r"subsidiary))\b|\bwe (?:were|have been|got) (?:acquired|bought)\b"
    # Deleted longer ago than the 30 days in which the customer can restore it.
    r"|\b(?:deleted|closed) (?:my |our |the )?account\b[^.?!]{0,40}\b(?:(?:months?|years?|a year)"
    r" ago|(?:more than|over) (?:a month|30 days|thirty days))"
    r"|\b(?:deleted|closed|deletion)\b[^.?!]{0,60}\b(?:grace period|30[- ]day window|window) "
    r"(?:is |has |had |was )?(?:over|ended|expired|passed|gone)\b"
    r"|\b(?:grace period|30[- ]day window)\b[^.?!]{0,20}\b(?:over|ended|expired|passed|gone)\b"
    r"[^.?!]{0,40}\b(?:restor|recover|reactivat|undelet|reopen)\w*"
    r"|\baccount (?:was |has been |is |got |been )?(?:suspended|banned|terminated|deactivated|"
    r"frozen|flagged)\b|\b(?:suspended|banned|terminated|froze|deactivated) (?:my|our) account\b"
    r"|\b(?:lift|remove|reverse|appeal|undo)\b[^.?!]{0,20}\b(?:suspension|ban)\b|\bun-?ban\b"
    r"|\bverify (?:my|our) (?:identity|id)\b|\bproof of (?:identity|ownership)\b"
    r"|\bprove (?:that )?(?:i am|i'm|the account is mine|it(?:'s| is) (?:me|mine|my account))\b"
    r"|\b(?:photo id|passport|driver'?s licen[cs]e|id card)\b[^.?!]{0,30}\b(?:send|upload|show|"
    r"attach|verify)|\b(?:send|upload|show|attach)\b[^.?!]{0,20}\b(?:photo id|passport|"
    r"driver'?s licen[cs]e|id card)\b",
    re.IGNORECASE,
)
# The customer has already done what the articles say, all of it, and it still fails.
_FIXES_EXHAUSTED = re.compile(
    r"\b(?:(?:i|we)(?:'ve| have)? (?:already )?(?:tried|done|followed|did)|already (?:tried|done|"
    r"followed|did)|tried|followed) (?:absolutely )?"
    r"(?:everything|every (?:step|fix|suggestion|solution|article)|all (?:the |of the |your )?"
    r"(?:steps|fixes|suggestions|solutions|articles|instructions|troubleshooting))\b"
    r"|\b(?:tried|done|followed|did) (?:it |them |those )?all(?: of (?:it|them|that|those|this))?"
    r"\s*(?:[,.;:!]|$|and\b|but\b)|\bwhat (?:the|your) (?:article|help page|"
    r"guide|instructions) says?\b[^.?!]{0,40}\b(?:still|nothing|no luck|didn't|doesn't)"
    r"|\b(?:followed|tried|did) (?:the |your |those |these )?(?:steps|instructions|article|"
    r"guide|troubleshooting)\b[^.?!]{0,40}\b(?:still|nothing|no luck|didn't|doesn't|same)"
    r"|\b(?:re-?install\w*|restart\w*|reboot\w*|update\w*|uninstall\w*|clear\w*|"
    r"re-?log\w*|sign\w* out)\b[^.?!]{0,40}(?:,|\band\b)[^.?!]{0,30}\b(?:re-?install\w*|restart\w*|"
    r"reboot\w*|update\w*|uninstall\w*|clear\w*|re-?log\w*|sign\w* (?:out|in))\b"
    r"[^.?!]{0,30}?[,.;:!]?\s*(?:and )?(?:still|nothing|no luck|same|to no avail)\b"
    r"|\b(?:checked|looked (?:in|at|through)|searched)\b[^.?!]{0,50}\b(?:deleted files|trash|"
    r"bin|version history)\b[^.?!]{0,40}\b(?:nothing|not there|isn't there|aren't there|empty|"
    r"gone|no trace)\b|\b(?:without|no) (?:a )?trace\b"
    r"|\bnothing (?:has )?(?:worked|helped|fixed it)\b|\bnone of (?:it|this|that|them|your \w+|"
    r"th(?:e|ose|ese) \w+) (?:has |have )?(?:works?|worked|helps?|helped|fixed it)\b"
    r"|\b(?:out|ran out) of (?:ideas|options)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")


def own_words(message: str) -> str:
    """What the customer wrote of a message, on one line: without a greeting line ("Hi there,"),
    a signature after a sign-off ("Many thanks,\nMargaret\nCustomer Service Lead"), a quoted
    reply, log lines, links or e-mail addresses (kb.assist.ticket_text), but with every error code
    it names; the message itself when nothing else is left ("thanks")."""
    words = clean_message(message)
    if not words:
        return " ".join(message.split())
    return " ".join([words, *(code for code in error_codes(message) if code not in words)])


def up_to_the_question(message: str) -> str:
    """The message up to the end of its last question ("can I get a refund on my yearly plan?"),
    without the remark after it ("I bought it 5 days ago"); the whole message when it ends with
    its question or asks nothing with a question mark."""
    sentences = [sentence for sentence in SENTENCE_END.split(message) if sentence.strip()]
    last = max((i for i, s in enumerate(sentences) if "?" in s), default=len(sentences) - 1)
    return " ".join(sentences[: last + 1])


def asks_for_person(message: str) -> bool:
    """The customer asks for a person rather than an answer."""
    return bool(_PERSON.search(message))


def says_unhelpful(message: str) -> tuple[bool, str]:
    """Whether the message says the last answer did not help ("no", "that didn't work",
    "still the same error"), and what is left to search: the message after an opening "no"
    when it says more ("no, did that, the error came back after the rebuild"), and nothing when
    saying so is all it does ("that didn't help", "nope, not what I meant", "no luck")."""
    rest = message
    while found := _UNHELPFUL_OPENING.match(rest):  # "nope, not what I meant"
        rest = rest[found.end() :]
    if rest == message and not _DID_NOT_WORK.search(message):
        return False, message
    return True, rest if has_words(_FILLER.sub(" ", _DID_NOT_WORK.sub(" ", rest))) else ""


def needs_person(message: str) -> bool:
    """The message is about something only a person can settle: a hacked account, a death in
    the family, a legal request, a payment dispute, content shared without consent, a plea for
    someone to check, a change only staff can make, or a customer who is fed up or has tried
    every fix."""
    return any(
        found(message)
        for found in (_NEEDS_PERSON.search, sounds_frustrated, needs_staff, tried_every_fix)
    )


def sounds_frustrated(message: str) -> bool:
    """The customer is fed up: waiting for days, asking for the third time."""
    return bool(_FRUSTRATED.search(message))


def needs_staff(message: str) -> bool:
    """The customer asks for a change to an account that only staff can make: merging accounts,
    a new owner when the old one is gone, another legal entity, an account deleted too long
    ago, a suspension lifted, their identity verified."""
    return bool(_STAFF_ONLY.search(message))


def tried_every_fix(message: str) -> bool:
    """The customer says they did everything the articles say and it still fails."""
    return bool(_FIXES_EXHAUSTED.search(message))


def has_words(message: str) -> bool:
    """The message has anything to search for."""
    return bool(_WORD.search(message))
