"""Ticket messages as sentences a draft can use: cleaned, scrubbed, without greetings and
pleasantries; and, of an agent's sentences, the ones that say what to do (a step), why it
happened (a cause), or neither (a question to the customer, a promise, small talk)."""

from __future__ import annotations

import html
import re
from typing import Literal

from kb.assist.ticket_text import clean_message
from kb.tickets.scrub import USERNAME, scrub_personal_data

Role = Literal["step", "cause", "statement", "other"]

# Tweets run sentences together after a link: "steps here: [link] Keep us posted."
_LINK = r"[\[(]link[\])]"
_SENTENCE_END = re.compile(
    rf"(?<=[.!?…])[\"”')]*\s+|\n+|\s+[–—]\s+(?=[A-Z])|(?<={_LINK})\s+(?=[A-Z])"
)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f\u200b-\u200f\u2060\ufeff]+")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_GREETING = re.compile(
    r"^(?:[¡]?(?:hi|hello|hey|hiya|howdy|dear|greetings|good (?:morning|afternoon|evening))"
    r"(?: there| all| guys| team| everyone| folks)?\b[\s,!.:-]*)+",
    re.IGNORECASE,
)
# Opening words that carry nothing: "So,", "Ok", "Just to confirm,", "Also"
_OPENER = re.compile(
    r"^(?:(?:so|ok|okay|well|um|also|and|but|then|now|yes|no|sure|alright|right|just to confirm|"
    r"quick question|in the meantime|meanwhile|for now|in that case|if so|otherwise|"
    r"additionally|however|unfortunately|first(?:ly)?|next|finally|as always)\b[\s,:!.-]*)+",
    re.IGNORECASE,
)
# A pleasantry before the real sentence: "Thanks for the tag – if you believe..."
_COURTESY_PREFIX = re.compile(
    r"^(?:thanks|thank you|appreciate|sorry|we're sorry|we are sorry|happy to help|glad)"
    r"[^.!?–—:]{0,60}?(?:\s[–—-]\s|:\s|!\s|,\s(?=if |you |to |please ))",
    re.IGNORECASE,
)
_PLEASANTRY = re.compile(
    r"^(?:(?:we're |we are |i'm |so )?sorry|thanks|thank you|thx|we appreciate|appreciate|"
    r"glad|happy to|we'd be happy|we would be happy|we'll be happy|we can help|we're here|"
    r"we are here|we'll be here|let us know|keep us posted|hope this helps|hope that helps|"
    r"we understand|we hear you|we hear|we get it|we know|we want|we'd love|we would love|"
    r"we'd like|we would like|we're happy|we'?re glad|feel free|tweet (?:back|us)|reach (?:back )?"
    r"out|keep (?:us|u|me) (?:posted|updated|in the loop)|let (?:us|me) know|"
    r"shoot us|send us a dm|dm us|have a (?:great|good|nice)|stay safe|take care|"
    r"lets see|let's see|let me|mind if|no worries|no problem|of course|got it|sounds good|"
    r"great|awesome|nice|cool|welcome|any update|fingers crossed|good luck|enjoy)\b",
    re.IGNORECASE,
)
_PRIVATE_CHANNEL = re.compile(r"\b(?:dm|direct message|private message|follow us|via dm)\b", re.I)
_CAUSE = re.compile(
    r"\b(?:because|due to|caused by|known issue|temporary issue|this happens|the reason|"
    r"(?:there is|there's|there are) (?:currently )?(?:a |an )?(?:bug|known|outage|issue|problem)|"
    r"we're aware|we are aware|is a bug)\b",
    re.IGNORECASE,
)
_ABOUT_SUPPORT = re.compile(
    r"\b(?:wait|response|reply|hold) times?\b|\b(?:high|increased) (?:demand|volume)", re.I
)
# A sentence about us, the customer's own case or this conversation, not a fact for everyone.
_PERSONAL = re.compile(
    r"\b(?:we|we're|we've|we'll|we'd|us|our|i|i'm|i've|i'll|me|my|your account|this tweet|"
    r"you've|you're|you were|you have been)\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^(?:can|could|would|will|do|does|did|are|is|have|has|what|which|where|when|why|who|"
    r"how|were|was|may|mind)\b",
    re.IGNORECASE,
)
_TRY_QUESTION = re.compile(
    r"^(?:have you (?:already |also )?(?:tried|tried to)|did you (?:try|already try)|"
    r"(?:could|can|would) you (?:please )?try|would you mind trying|"
    r"(?:have you|did you) (?:had a chance to )?(?:check(?:ed)?|look(?:ed)?) (?:at|into)?)\s+",
    re.IGNORECASE,
)
# "Here's how: [link]" says where a step's details are: it belongs to the step before it.
_POINTER = re.compile(
    r"^(?:here's how|here is how|learn more|more info|more information|details|see|info|"
    r"check (?:it )?out|read more|this (?:article|page|link) (?:has|explains))[^.!?]{0,40}"
    rf":?\s*{_LINK}\.?$",
    re.IGNORECASE,
)
_DIRECTIVE_PATTERN = (
    r"^(?:please |kindly |just |simply |go ahead and |then |first |also )*"
    r"(?:(?:you(?:'ll| will)?|you'd|customers?) (?:can|could|may|might|should|must|need to|"
    r"have to|want to|will need to|will want to|would need to)(?![’']t| not)|you'll need|"
    r"you'll want|"
    r"(?:we|i) (?:recommend|suggest|advise)|we'd (?:recommend|suggest)|i'd (?:recommend|suggest)|"
    r"it's best to|it is best to|the (?:best|only|easiest|quickest) way|make sure|be sure|"
    r"(?:{verbs})\b)"
)
VERBS = (
    "open go head visit check try use tap click select choose turn restart reinstall update "
    "install uninstall sign log delete remove clear contact reach send submit create fill follow "
    "enter reset change download disable enable set add allow review see look keep wait verify "
    "report appeal request read take start switch connect disconnect unplug plug hold press power "
    "navigate scroll find pick copy paste share attach email e-mail call file complete provide "
    "refresh reboot link unlink cancel renew redeem buy purchase pay upgrade downgrade move "
    "rename save export import restore back ensure confirm double-check note launch close quit "
    "exit type drag drop edit manage edit apply activate deactivate register accept grant revoke "
    "block unblock mute unmute search browse scan sync resync re-sync pause resume run repair "
    "clean free empty upload re-upload replace swap toggle adjust lower raise increase reduce "
    "contact speak talk chat message text ask reply respond give dispute resubmit re-enter "
    "re-install re-download relaunch reopen log-in login logout opt unsubscribe subscribe "
    "remember don't do never avoid make"
).split()
_DIRECTIVE = re.compile(_DIRECTIVE_PATTERN.format(verbs="|".join(VERBS)), re.IGNORECASE)
_CONDITION = re.compile(
    r"^(?:if|when|once|after|before|to|in order to|while|for|since|as|until|whenever|"
    r"in case)\b[^,]{2,120},\s*",
    re.IGNORECASE,
)


def split_sentences(text: str) -> list[str]:
    """One message as cleaned, scrubbed sentences, each without a leading greeting or handle."""
    # scrubbed first: cleaning drops addresses and links, the scrubber leaves a placeholder
    cleaned = clean_message(scrub_personal_data(html.unescape(text)))
    cleaned = _HASHTAG.sub(r"\1", _EMOJI.sub(" ", cleaned))
    found = []
    for part in _SENTENCE_END.split(cleaned):
        sentence = tidy(part)
        if len(sentence.split()) >= 3:
            found.append(sentence)
    return found


def tidy(sentence: str) -> str:
    """Without handles at either end, greetings, opening filler and a courtesy before the point."""
    sentence = " ".join(sentence.split())
    for _ in range(3):  # "[username] Hi there, so..." takes a few passes
        before = sentence
        sentence = sentence.strip(" -–—:;,")
        sentence = re.sub(rf"^(?:{re.escape(USERNAME)}\s*)+|(?:\s*{re.escape(USERNAME)})+$", "",
                          sentence)  # fmt: skip
        sentence = _GREETING.sub("", sentence)
        sentence = _OPENER.sub("", sentence)
        sentence = _COURTESY_PREFIX.sub("", sentence)
        if sentence == before:
            break
    return sentence[:1].upper() + sentence[1:]


def is_question(sentence: str) -> bool:
    """A sentence that asks rather than tells (with or without its question mark)."""
    stripped = sentence.rstrip(' .)"”')
    return stripped.endswith("?") or bool(_QUESTION_START.match(sentence))


def is_pleasantry(sentence: str) -> bool:
    return bool(_PLEASANTRY.match(sentence)) or bool(_PRIVATE_CHANNEL.search(sentence))


def is_pointer(sentence: str) -> bool:
    """ "Here's how: [link]": where the details of the sentence before are."""
    return bool(_POINTER.match(sentence))


def agent_role(sentence: str) -> Role:
    """What an agent's sentence is to a draft: a step, a cause, a statement of fact that answers
    (used when no agent gave a step), or other (questions, promises, courtesy, talk about this
    one ticket or about support's own delays)."""
    if is_pleasantry(sentence) or _ABOUT_SUPPORT.search(sentence):
        return "other"
    if is_question(sentence):
        return "step" if _TRY_QUESTION.match(sentence) else "other"
    if _DIRECTIVE.match(_CONDITION.sub("", sentence)) or _DIRECTIVE.match(sentence):
        return "step"
    if _CAUSE.search(sentence):
        return "cause"
    return "other" if _PERSONAL.search(sentence) else "statement"


def as_step(sentence: str) -> str:
    """A step as an instruction: "Have you tried restarting the app?" is "Try restarting the
    app."; "Please" and a question mark go."""
    step = _TRY_QUESTION.sub("Try ", sentence) if is_question(sentence) else sentence
    step = re.sub(r"^(?:please|kindly|just|simply)\s+", "", step, flags=re.IGNORECASE)
    step = re.sub(r"\s*\?+$", ".", step.rstrip())
    if not step.endswith((".", "!", ":", "]")):
        step += "."
    return step[:1].upper() + step[1:]
