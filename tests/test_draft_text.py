"""What a draft is made of, sentence by sentence: titles that name the problem, Issue lines in
the customers' words, steps that are the agents' instructions only, a Cause only when stated,
an Environment whose values are what they claim (hashing embedder, no model)."""

from __future__ import annotations

import pytest

from kb.assist.ticket_text import Message
from kb.index.embeddings import HashingEmbedder
from kb.tickets.environment import environment, platforms, versions
from kb.tickets.kcs import Background, build_draft_content
from kb.tickets.records import StoredTicket
from kb.tickets.sentences import agent_role, as_step, split_sentences
from kb.tickets.titles import MAX_TITLE, clean_title

EMBED = HashingEmbedder().embed


def ticket(number: int, question: str, *answers: str, brand: str = "MojangSupport"):
    messages = [Message("customer", question), *(Message("agent", a) for a in answers)]
    return StoredTicket(f"t{number}", "", "solved", tuple(messages), "twitter", brand)


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        ("@MojangSupport Hi, I can't reset my password, the e-mail never arrives. Please help!!",
         "Can't reset my password, the e-mail never arrives"),
        ("MojangSupport: Just bought 2 game keys for Minecraft for my kids",
         "Just bought 2 game keys for Minecraft for my kids"),
        ("Hello there, so my Mac app &amp; the web app show different files lol",
         "My Mac app & the web app show different files"),
        ("Why can't I stream anything?", "Why can't I stream anything?"),
        ("I have an issue with GTA online which I need resolving asap",
         "Problem with GTA online which I need resolving"),
    ],
)  # fmt: skip
def test_a_title_is_the_problem_without_greeting_brand_or_filler(sentence, title) -> None:
    assert clean_title(split_sentences(sentence)[0], ["MojangSupport"]) == title


def test_a_long_title_is_cut_at_a_word_boundary() -> None:
    long = (
        "The desktop app keeps asking me to sign in again every single time the laptop wakes "
        "up from sleep and it never remembers me"
    )
    title = clean_title(long)
    assert len(title) <= MAX_TITLE
    assert long.startswith(title) and long[len(title)] in " ,"
    assert not title.endswith((" and", " the", " up"))


def test_a_sentence_with_a_hole_where_a_name_was_makes_no_title() -> None:
    assert clean_title("People in my community use [username] because of security") == ""


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("Open Settings, choose Vault and tap Reset PIN.", "step"),
        ("Please create a support ticket so we can investigate: (link)", "step"),
        ("If you believe the suspension was done in error, you can appeal here.", "step"),
        ("You'll need to contact AT&T to regain access.", "step"),
        ("Can you DM us your email?", "other"),
        ("Mind if we jump in?", "other"),
        ("Are you getting a specific error message?", "other"),
        ("Just to confirm, are you signed in", "other"),
        ("Hi, please turn off battery saver", "step"),
        ("Hope this helps!", "other"),
        ("We'd be happy to look into that.", "other"),
        ("Sorry, but you can not do that.", "other"),
        ("This happens because a browser update broke the web printer.", "cause"),
        ("We are experiencing longer wait times due to high demand.", "other"),
        ("Refunds take 5-10 business days to reach your bank.", "statement"),
    ],
)
def test_agent_sentences_are_steps_only_when_they_say_what_to_do(sentence, role) -> None:
    [tidied] = split_sentences(sentence)
    assert agent_role(tidied) == role


def test_a_question_that_suggests_a_step_becomes_the_step() -> None:
    [sentence] = split_sentences("Have you tried restarting the console?")
    assert agent_role(sentence) == "step"
    assert as_step(sentence) == "Try restarting the console."


def test_greetings_and_courtesy_leave_the_sentence() -> None:
    said = split_sentences("@kid123 Hi there! Thanks for the tag – you can appeal here: (link)")
    assert said == ["You can appeal here: (link)"]


def test_versions_are_versions_and_platforms_are_platforms() -> None:
    assert versions("crash log 12:55.002 and 03.117, paid $7.50 on iOS 13.4") == ["iOS 13.4"]
    assert versions("Driftbox version 8.5.50 and build 8.5.50.916") == [
        "version 8.5.50",
        "version 8.5.50.916",
    ]
    assert platforms("the button at the edge of the screen, on windows of my house") == []
    assert platforms("Chrome on Windows and an ios phone") == ["iOS", "Windows", "Chrome"]


CONSOLE = [
    ticket(1, "@MojangSupport Hi! My Minecraft for Windows 10 shows redeemed but is not on my "
              "account. Can you help?",
           "Hi Sam! Sorry to hear that. Can you DM us your email? Please send us an email at "
           "help@mojang.com and attach your Transaction ID. Hope this helps! ^JD"),
    ticket(2, "Minecraft Windows 10 edition says redeemed, it is not in my account",
           "Please send us an email at help@mojang.com and attach your transaction ID.",
           "Have you tried signing out of the Microsoft Store and in again?"),
    ticket(3, "Bought Minecraft for Windows 10, code redeemed but the game is not on my account",
           "Send us an email at help@mojang.com and attach your Transaction ID. This happens "
           "because the code was redeemed on another Microsoft account."),
]  # fmt: skip


def test_a_group_becomes_a_draft_a_writer_would_keep() -> None:
    content = build_draft_content(CONSOLE, Background.of(CONSOLE), EMBED)
    assert not content.title.startswith(("MojangSupport", "@", "Hi"))
    assert "Minecraft" in content.title and len(content.title) <= MAX_TITLE
    assert all(not line.lower().startswith(("hi", "hello")) for line in content.issue)
    assert content.resolution[0] == (
        "Send us an email at [e-mail address] and attach your Transaction ID."
    )  # given three times, said once, the placeholder readable
    assert "Try signing out of the Microsoft Store and in again." in content.resolution
    assert not any("?" in step or "DM" in step for step in content.resolution)
    assert content.cause == [
        "This happens because the code was redeemed on another Microsoft account."
    ]
    assert not any("because" in step for step in content.resolution)
    said = " ".join([content.title, *content.issue, *content.resolution, *content.cause])
    assert "Sam" not in said and "JD" not in said and "help@mojang.com" not in said
    assert environment(CONSOLE) == [
        "Product: MojangSupport",
        "Platforms: Windows",
        "Versions: Windows 10",
    ]
