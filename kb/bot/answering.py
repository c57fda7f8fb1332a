"""One turn of the answer bot: the customer's message in, the section that answers it (or an
honest "nothing answers") out, with up to two alternatives and whether to offer a person.

Every answer is a section of a public article, found by the help center's own hybrid search and
judged by its own confidence floor (kb.search.answers: the search API's "no good match"). A
follow-up ("and for yearly plans?") is searched together with the words that found the earlier
answer, the earlier article nudged up (FOLLOW_UP_BOOST), and read so when search is surer of
that reading than of the message alone; the earlier article's section is then the one the
follow-up's own words find, the keyword side's first there nudged up (FOLLOW_UP_KEYWORD_NUDGE).
That reading is not asked whether its top articles name its most specific word, as a message
alone is: that word is most often the topic's, which the earlier answer named (checking it there
too cost 2 of the 23 tuning follow-ups and handed over no more). Greetings and signatures are
not searched (kb.bot.cues.own_words), and what follows a message's last question is only read by
the keyword side (see `_search`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from kb.bot.cues import (
    asks_for_person,
    has_words,
    needs_person,
    own_words,
    says_unhelpful,
    up_to_the_question,
)
from kb.content.model import Article, Section
from kb.index.loaded import LoadedIndex
from kb.limits import MAX_QUERY_CHARS
from kb.search.answers import Judged, answer_confidence
from kb.search.engine import SearchEngine, judge_query, roll_up
from kb.search.hits import Filters, Hit, first_section
from kb.search.section_choice import choose_section, next_section

PUBLIC = Filters()  # customers' search: public articles only
ALTERNATIVES = 2
# Added to the fused score of the earlier answer's article when a follow-up leans on it
# (chosen on the tuning part of tests/data/conversations.jsonl; see bench/bot.py).
FOLLOW_UP_BOOST = 0.1
# Added, within the earlier answer's article, to the section the keyword side ranks first for
# a follow-up's own words, which are few ("how do I stop it happening again") and which the model
# reads loosely. Tuning part: 0.04 to 0.1 alike; from 0.15 it overrides the other evidence.
FOLLOW_UP_KEYWORD_NUDGE = 0.05
# The customer said twice that an answer did not help: a person is offered.
UNHELPFUL_BEFORE_HANDOFF = 2


@dataclasses.dataclass(frozen=True)
class Shown:
    """A section the bot showed, by article slug and section anchor, and how sure it was."""

    slug: str
    anchor: str
    confidence: float = dataclasses.field(default=0.0, compare=False)


@dataclasses.dataclass(frozen=True)
class Topic:
    """What the conversation is about: the words that found the last answer, and that answer."""

    query: str
    answer: Shown


@dataclasses.dataclass(frozen=True)
class State:
    """What the bot remembers between turns."""

    topic: Topic | None = None
    unhelpful: int = 0  # answers the customer said did not help
    shown: tuple[Shown, ...] = ()  # the last reply's answer and alternatives


@dataclasses.dataclass(frozen=True)
class Within:
    """A follow-up read within the earlier answer's article: its slug, the follow-up's own
    words, their fused hits and the keyword side's hits for them."""

    slug: str
    words: str
    hits: list[Hit]
    keyword_hits: list[Hit] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Choice:
    """A section offered as the answer or an alternative, and how sure the bot is of it."""

    article: Article
    section: Section
    confidence: float

    @property
    def shown(self) -> Shown:
        return Shown(self.article.slug, self.section.anchor, self.confidence)


@dataclasses.dataclass(frozen=True)
class Reply:
    """The bot's reply, and its state after it."""

    answer: Choice | None
    alternatives: list[Choice]
    no_good_match: bool
    offer_handoff: bool
    wants_person: bool
    state: State
    searched: str = ""  # what was searched ("" when nothing was)
    follow_up: bool = False  # searched with the earlier topic


class AnswerBot:
    """Answers from public articles only, through the help center's search engine."""

    def __init__(self, engine: SearchEngine, follow_up_boost: float = FOLLOW_UP_BOOST) -> None:
        self.engine = engine
        self.follow_up_boost = follow_up_boost

    def reply(self, state: State, message: str) -> Reply:
        """The reply to one message of a conversation in `state`."""
        message = own_words(message)
        if asks_for_person(message):
            return Reply(None, [], False, True, True, state)
        unhelpful, rest = says_unhelpful(message) if state.shown else (False, message)
        count = state.unhelpful + int(unhelpful)
        if unhelpful and not has_words(rest):
            return self._next_shown(state, count)
        failed = state.shown[0] if unhelpful and state.shown else None
        query, judged, follow_up, hits = self._search(state, rest[:MAX_QUERY_CHARS], failed)
        found = judged.found
        if not found:
            # Nothing answers: say so, and a person at once. The topic stays for a rephrasing.
            after = dataclasses.replace(state, unhelpful=count, shown=())
            return Reply(None, [], True, True, False, after, query, follow_up)
        confidence = answer_confidence(judged.evidence) if judged.evidence else 0.0
        answer = Choice(found[0][0], found[0][1], confidence)
        # Alternatives: the answer article's next section (the bot's most common miss is the
        # right article with the wrong section; ranked below the answer, never surer than it),
        # then the next articles, found or not (the floor judges whether anything answers).
        alternatives = [Choice(a, s, c) for a, s, _, c in judged.ranked[1 : 1 + ALTERNATIVES]]
        index = self.engine.current_index()
        skip = {f"{shown.slug}#{shown.anchor}" for shown in (answer.shown, failed) if shown}
        sibling = next_section(query, answer.article, hits, index.sections, index.vocabulary, skip)
        if sibling is not None:
            alternatives.insert(0, Choice(answer.article, sibling, min(judged.best, confidence)))
        alternatives = alternatives[:ALTERNATIVES]
        topic_query = state.topic.query if follow_up and state.topic else rest[:MAX_QUERY_CHARS]
        after = State(
            Topic(topic_query, answer.shown),
            count,
            tuple(choice.shown for choice in [answer, *alternatives]),
        )
        offer = count >= UNHELPFUL_BEFORE_HANDOFF or needs_person(message)
        return Reply(answer, alternatives, False, offer, False, after, query, follow_up)

    def _search(
        self, state: State, text: str, failed: Shown | None
    ) -> tuple[str, Judged, bool, list[Hit]]:
        """What was searched, what it found, and whether it was read as a follow-up. With a
        topic, the message is searched alone and with the topic's words, and the reading whose
        answer search is surer of wins (a new question stands alone; "and for yearly plans?"
        finds little alone). Within the topic's article, the section is the one that answers
        the message's own words. The vector side reads the message up to its last question: a
        remark after it ("I bought it 5 days ago") pulls the model's one reading of the message
        away from what is asked; the keyword side weighs each word on its own."""
        asked = up_to_the_question(text)
        alone_hits, alone_keyword = self._retrieved(text, asked)
        alone = self.judged(text, alone_hits, first_section(alone_keyword), failed=failed)
        topic = state.topic
        if topic is None:
            return text, alone, False, alone_hits
        query = f"{topic.query} {text}"[:MAX_QUERY_CHARS]
        within = Within(topic.answer.slug, text, alone_hits, alone_keyword)
        combined_hits, combined_keyword = self._retrieved(query, f"{topic.query} {asked}")
        combined = self.judged(
            query, combined_hits, first_section(combined_keyword), failed, within
        )
        if alone.found and _sureness(alone) > _sureness(combined):
            return text, alone, False, alone_hits
        return query, combined, True, combined_hits

    def _retrieved(
        self, query: str, vector_query: str | None = None
    ) -> tuple[list[Hit], list[Hit]]:
        """Hybrid search's fused hits for `query` (public sections), and the keyword side's;
        `vector_query`, when given, is what the vector side reads instead."""
        engine = self.engine
        index = engine.current_index()
        vector_query = vector_query[:MAX_QUERY_CHARS] if vector_query else None
        keyword_hits, vector_hits = engine.retrieve(index, query, "hybrid", PUBLIC, vector_query)
        return engine.combine("hybrid", keyword_hits, vector_hits), keyword_hits

    def judged(
        self,
        query: str,
        fused: list[Hit],
        keyword_best: str | None = None,
        failed: Shown | None = None,
        within: Within | None = None,
    ) -> Judged:
        """Public articles ranked from `fused` hits, with the search's confidences. `failed` is
        a section the customer said did not help (left out); `within` (the earlier article and
        the follow-up's own words and hits) nudges that article up in the ranking (not in the
        confidences), picks its section by the follow-up's words, and leaves out the check that
        the top articles name the query's most specific word (see the module's docstring)."""
        index = self.engine.current_index()
        hits = fused
        if within is not None:
            hits = _boosted(fused, index, within.slug, self.follow_up_boost)
        if failed is not None:
            gone = f"{failed.slug}#{failed.anchor}"
            hits = [hit for hit in hits if hit.section_id != gone]
        ranked = [item for item in roll_up(hits, index, query) if item[0].is_public]
        if within is not None:
            ranked = [_section_for(item, within, failed, index) for item in ranked]
        scores = {hit.section_id: hit.score for hit in fused}
        floor = self.engine.settings.min_confidence
        return judge_query(
            query, ranked, scores, index.vocabulary, floor, keyword_best, naming=within is None
        )

    def _next_shown(self, state: State, unhelpful: int) -> Reply:
        """ "That didn't help" alone: the next section the last reply offered, if any."""
        index = self.engine.current_index()
        remaining = [c for c in _choices(index, state.shown[1:]) if c is not None]
        offer = unhelpful >= UNHELPFUL_BEFORE_HANDOFF or not remaining
        if not remaining:
            after = dataclasses.replace(state, unhelpful=unhelpful, shown=())
            return Reply(None, [], False, True, False, after)
        answer, *alternatives = remaining
        topic = Topic(state.topic.query, answer.shown) if state.topic else None
        after = State(topic, unhelpful, tuple(state.shown[1:]))
        return Reply(answer, alternatives, False, offer, False, after)


def _sureness(judged: Judged) -> float:
    """How sure search is that something answers this reading (its top result's confidence, 0
    when nothing is found). Measured on the tuning part of tests/data/conversations.jsonl
    against the instant answer's confidence (which judges the section more than the topic):
    follow-up accuracy 0.696 against 0.565."""
    if not judged.found:
        return 0.0
    return judged.best


def _section_for(
    item: tuple[Article, Section, float],
    within: Within,
    failed: Shown | None,
    index: LoadedIndex,
) -> tuple[Article, Section, float]:
    """The topic article's section that answers the follow-up's own words, when they hit one;
    the section the keyword side ranks first for them is nudged up (FOLLOW_UP_KEYWORD_NUDGE)."""
    article, section, score = item
    if article.slug != within.slug:
        return item
    gone = f"{failed.slug}#{failed.anchor}" if failed else ""

    def own(hits: list[Hit]) -> list[Hit]:
        """The hits on the topic article's sections, less the one that did not help."""
        return [
            hit
            for hit in hits
            if hit.section_id.partition("#")[0] == within.slug
            and hit.section_id in index.sections
            and hit.section_id != gone
        ]

    scored = {index.sections[hit.section_id][1]: hit.score for hit in own(within.hits)}
    if not scored:
        return item
    for hit in own(within.keyword_hits)[:1]:
        first = index.sections[hit.section_id][1]
        if first in scored:
            scored[first] += FOLLOW_UP_KEYWORD_NUDGE
    return article, choose_section(within.words, article, scored, index.vocabulary)[0], score


def _boosted(hits: Sequence[Hit], index: LoadedIndex, slug: str, boost: float) -> list[Hit]:
    nudged = [
        Hit(hit.section_id, hit.score + boost)
        if hit.section_id.partition("#")[0] == slug and hit.section_id in index.sections
        else hit
        for hit in hits
    ]
    return sorted(nudged, key=lambda hit: (-hit.score, hit.section_id))


def _choices(index: LoadedIndex, shown: Sequence[Shown]) -> list[Choice | None]:
    """The sections shown before, as they are now (None for one that is gone or not public)."""
    choices: list[Choice | None] = []
    for item in shown:
        article = index.articles.get(item.slug)
        public = article.sections if article and article.is_public else []
        section = next((s for s in public if s.anchor == item.anchor), None)
        choices.append(Choice(article, section, item.confidence) if article and section else None)
    return choices
