"""The evidence search's answers rest on beyond the fused score: how much of the query a section
names, the share of the query the help center never mentions and whether the top articles name
its most specific word (kb.search.vocabulary), the section choice's model and the no-good-match
decision built on them, and the fitting that `kb eval --calibrate` prints."""

from __future__ import annotations

import pytest

from kb.bot.answering import AnswerBot, State, Within
from kb.content.model import Article
from kb.content.sections import split_sections
from kb.evaluation.calibration import fit_choice, fit_multiplier
from kb.search import vocabulary as vocabulary_module
from kb.search.answers import FLOOR, answer_confidence, judge
from kb.search.engine import judge_query
from kb.search.hits import Filters, Hit
from kb.search.section_choice import choose_section
from kb.search.spelling import Speller, count_words
from kb.search.vocabulary import Vocabulary
from tests.helpers import make_engine

BODY = """Forgot your password? Ask for a reset link.

## Request a reset link

1. Open the sign-in page and click **Forgot password**.
2. Enter your email address and click **Send link**.

## Not receiving the reset email

If the email never arrives within ten minutes, look in your spam folder, then ask again.

## Error DBX-201

The name is not allowed on another platform: rename the file.
"""


ROUTER_BODY = """Driftbox syncs over any home network.

## Behind a router

If sync stalls, restart the router and check that it lets port 443 through.
"""


def make_article(slug: str = "reset-your-password", body: str = BODY) -> Article:
    sections = split_sections(slug, "Reset your password", body)
    return Article(slug, "Reset your password", f"account/{slug}.md", "account", body, sections)


def vocabulary_of(*articles: Article) -> Vocabulary:
    speller = Speller(dict(count_words(a.title + " " + a.body for a in articles)))
    return Vocabulary(articles, speller)


def anchors(article: Article) -> dict[str, object]:
    return {section.anchor: section for section in article.sections}


def test_a_querys_words_are_corrected_stemmed_and_without_stop_words() -> None:
    vocabulary = vocabulary_of(make_article())
    assert vocabulary.terms("How do I reset my pasword?") == ("reset", "password")
    # codes keep their number, so "DBX-201" can name the section about it
    assert vocabulary.terms("error DBX-201") == ("error", "dbx", "201")


def test_words_the_help_center_never_uses_are_the_unknown_share() -> None:
    vocabulary = vocabulary_of(make_article())
    assert vocabulary.unknown_share(vocabulary.terms("reset email")) == 0.0
    assert vocabulary.unknown_share(vocabulary.terms("netflix kubernetes")) == 1.0
    half = vocabulary.unknown_share(vocabulary.terms("reset my netflix password"))
    assert 0.0 < half < 1.0
    assert vocabulary.unknown_share(()) == 0.0  # nothing to judge: the scores decide


def test_coverage_is_the_weighted_share_in_the_heading_and_the_text() -> None:
    article = make_article()
    vocabulary = vocabulary_of(article)
    sections = anchors(article)
    terms = vocabulary.terms("reset email never arrives")
    heading, text = vocabulary.coverage(terms, sections["not-receiving-the-reset-email"])
    assert 0.0 < heading < text == 1.0
    other_heading, other_text = vocabulary.coverage(terms, sections["request-a-reset-link"])
    assert other_heading < heading and other_text < text


def test_a_vocabulary_keeps_the_words_of_the_sections_searched_last_only(monkeypatch) -> None:
    """Every section's words held in every worker took 1.7 GB at 100,000 articles: only the
    rarities are kept for all, a section's words for the CACHED_SECTIONS weighed last."""
    article = make_article()
    monkeypatch.setattr(vocabulary_module, "CACHED_SECTIONS", 2)
    vocabulary = vocabulary_of(article)
    terms = vocabulary.terms("reset email never arrives")
    assert len(article.sections) > 2 and not vocabulary._cache
    for _ in range(2):  # the second time round, each is read again: the same coverage
        for section in article.sections:
            fresh = vocabulary_of(article).coverage(terms, section)
            assert vocabulary.coverage(terms, section) == fresh
            assert len(vocabulary._cache) <= 2
    assert list(vocabulary._cache) == [s.id for s in article.sections[-2:]]


def test_the_section_that_names_what_was_asked_wins_a_near_tie() -> None:
    """A question about the e-mail that never comes showed *Request a reset link*, which scored
    a little higher; the section whose heading and text name it answers."""
    article = make_article()
    sections = anchors(article)
    scored = {
        sections["request-a-reset-link"]: 0.60,
        sections["not-receiving-the-reset-email"]: 0.58,
    }
    vocabulary = vocabulary_of(article)
    chosen, score = choose_section(
        "why does the reset email never arrive", article, scored, vocabulary
    )
    assert chosen.anchor == "not-receiving-the-reset-email" and score == 0.58
    # a question that names neither gets the section that scored best
    chosen, _ = choose_section("why is that", article, scored, vocabulary)
    assert chosen.anchor == "request-a-reset-link"


def test_an_error_code_picks_its_own_section() -> None:
    article = make_article()
    sections = anchors(article)
    scored = {sections["error-dbx-201"]: 0.50, sections["request-a-reset-link"]: 0.53}
    chosen, _ = choose_section("DBX-201", article, scored, vocabulary_of(article))
    assert chosen.anchor == "error-dbx-201"


def judged_for(score: float, unknown: float):
    article = make_article()
    sections = anchors(article)
    fused = {
        sections["request-a-reset-link"].id: score,
        sections["not-receiving-the-reset-email"].id: score - 0.1,
    }
    other = make_article("change-email")
    fused[other.sections[0].id] = score - 0.2
    ranked = [
        (article, sections["request-a-reset-link"], score),
        (other, other.sections[0], score - 0.2),
    ]
    return judge(ranked, fused, FLOOR, unknown)


def test_a_query_the_help_center_never_speaks_of_has_no_good_match() -> None:
    """ "how to cancel amazon prime" found the cancellation steps about as confidently as a real
    question: words the help center never uses now say that nothing answers."""
    known = judged_for(0.45, unknown=0.0)
    assert known.found and known.evidence is not None and known.evidence.unknown == 0.0
    unknown = judged_for(0.45, unknown=1.0)
    assert unknown.ranked and not unknown.found
    assert unknown.best < known.best


def test_the_top_result_is_the_surest_and_the_others_weigh_less() -> None:
    judged = judged_for(0.7, unknown=0.0)
    confidences = [confidence for *_, confidence in judged.ranked]
    assert confidences == sorted(confidences, reverse=True) and confidences[0] > confidences[1]
    assert all(0.0 <= value <= 1.0 for value in confidences)
    assert confidences[0] == judged.answerable


def test_an_answerable_query_lists_every_result_relevant_enough_on_its_own() -> None:
    """The second result is far less likely than the first, but likely enough to be listed:
    "N articles found" and the results page are not cut to the top one."""
    judged = judged_for(0.7, unknown=0.0)
    assert judged.ranked[1][3] < FLOOR < judged.answerable
    assert len(judged.found) == 2
    assert len(judged_for(0.45, unknown=0.0).found) == 1  # 0.25 is too weak to list


def test_a_fitted_choice_ranks_the_right_item_first() -> None:
    # the right item has the lower first feature but clearly more of the second
    groups = [
        ([(0.50, 1.0), (0.52, 0.0)], [True, False]),
        ([(0.60, 0.8), (0.61, 0.1)], [True, False]),
        ([(0.70, 0.0), (0.40, 0.9)], [True, False]),
        ([(0.45, 0.0), (0.55, 0.0)], [False, True]),
    ]
    weights = fit_choice(groups)
    assert weights[0] == 1.0 and weights[1] > 0.02
    for rows, right in groups:
        scores = [sum(w * x for w, x in zip(weights, row, strict=True)) for row in rows]
        assert right[scores.index(max(scores))]
    with pytest.raises(ValueError):
        fit_choice([([(0.5, 1.0)], [True])])


def test_the_most_specific_word_is_the_known_one_fewest_sections_use() -> None:
    router = make_article("home-network", ROUTER_BODY)
    vocabulary = vocabulary_of(make_article(), router)
    # "reset" is in three sections, "router" in one; "netflix" is in none, "the" a stop word
    assert vocabulary.most_specific(vocabulary.terms("reset the router on netflix")) == "router"
    assert vocabulary.most_specific(vocabulary.terms("the netflix")) is None
    password = make_article()
    assert vocabulary.mentions("router", router) and not vocabulary.mentions("router", password)
    assert vocabulary.names_most_specific(vocabulary.terms("netflix"), [])  # nothing to name


def test_results_that_never_name_the_querys_most_specific_word_are_no_good_match() -> None:
    """ "reset my wifi router" found the password reset as surely as a real question about it;
    the most specific word it uses, "router", is in no article found first."""
    password, router = make_article(), make_article("home-network", ROUTER_BODY)
    vocabulary = vocabulary_of(password, router)
    section = anchors(password)["request-a-reset-link"]
    ranked = [(password, section, 0.4)]
    fused = {section.id: 0.4}
    named = judge_query("reset my password", ranked, fused, vocabulary, FLOOR)
    unnamed = judge_query("reset my router", ranked, fused, vocabulary, FLOOR)
    assert named.named and named.found
    assert not unnamed.named and unnamed.ranked and not unnamed.found
    assert unnamed.best < named.best
    # the second article found names it: the query may be answered
    other = router.sections[-1]
    both = [*ranked, (router, other, 0.2)]
    second = judge_query("reset my router", both, {**fused, other.id: 0.2}, vocabulary, FLOOR)
    assert second.named and second.found and second.best == named.best


def test_the_bot_checks_the_naming_of_a_question_but_not_of_a_follow_up(
    shared_index, embedder
) -> None:
    """A message on its own is judged as search judges it; read with the earlier topic's words,
    its most specific word is most often the topic's, which the topic's article answered."""
    bot = AnswerBot(make_engine(shared_index, embedder))
    hits = [
        Hit("cancel-subscription#turn-off-automatic-renewal", 0.5),
        Hit("cancel-subscription#what-happens-to-your-files", 0.4),
    ]
    message = "my bank is closing, what about my plan"  # "bank": only the refund article's
    alone = bot.judged(message, hits)
    assert not alone.named and alone.ranked
    follow_up = bot.judged(message, hits, within=Within("cancel-subscription", message, hits))
    assert follow_up.named and alone.best < follow_up.best


def test_the_multiplier_is_the_mildest_that_drops_the_most_unanswerable_queries() -> None:
    confidences = [0.9, 0.6, 0.8, 0.7]
    answerable = [True, True, False, False]
    # both unanswerable queries pass the floor of 0.6 until 0.8 × m falls below it
    assert fit_multiplier(confidences, [False, False, True, True], answerable, 1.0) == 0.749
    # lowering answerable queries lowers the floor with them: nothing is gained
    assert fit_multiplier(confidences, [True, True, False, False], answerable, 1.0) == 1.0


def test_the_answer_is_surer_when_the_keyword_side_ranks_its_section_first() -> None:
    """Both retrievers agreeing on the very section (not only the article) is evidence that it
    answers: the instant answer's confidence rises with it, and only for that section."""
    article = make_article()
    sections = anchors(article)
    link, email = sections["request-a-reset-link"], sections["not-receiving-the-reset-email"]
    fused = {link.id: 0.6, email.id: 0.55}
    ranked = [(article, link, 0.6)]
    agreeing = judge(ranked, fused, FLOOR, keyword_best=link.id)
    elsewhere = judge(ranked, fused, FLOOR, keyword_best=email.id)
    unknown = judge(ranked, fused, FLOOR)
    assert agreeing.evidence is not None and agreeing.evidence.keyword_agrees == 1.0
    assert elsewhere.evidence is not None and elsewhere.evidence.keyword_agrees == 0.0
    assert unknown.evidence == elsewhere.evidence
    assert answer_confidence(agreeing.evidence) > answer_confidence(elsewhere.evidence)
    # The other confidences are the article's: the section's evidence does not move them.
    assert agreeing.best == elsewhere.best and agreeing.found == elsewhere.found


def test_search_weighs_the_keyword_sides_best_section_in_its_answer(shared_index, embedder) -> None:
    """The engine hands judge the keyword side's own best section, and the bot does too."""
    engine = make_engine(shared_index, embedder)
    index = engine.current_index()
    query = "cancel my subscription"
    keyword_hits, _ = engine.retrieve(index, query, "hybrid", Filters())
    judged = engine.judge(query, "hybrid", Filters(), index)
    assert keyword_hits and judged.evidence is not None and judged.ranked
    shown = judged.ranked[0][1]
    # Both sides agree on the renewal steps here: the evidence must say so.
    renewal = "cancel-subscription#turn-off-automatic-renewal"
    assert keyword_hits[0].section_id == shown.id == renewal
    assert judged.evidence.keyword_agrees == 1.0
    _, read, _, _ = AnswerBot(engine)._search(State(), query, None)
    assert read.evidence is not None and read.evidence.keyword_agrees == 1.0
