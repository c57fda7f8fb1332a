"""One case per kind of personal data; what is not personal (versions, error codes) stays."""

from __future__ import annotations

import pytest

from kb.tickets.scrub import PLACEHOLDERS, scrub_personal_data

CASES = [
    ("write to jane.doe+kb@example.co.uk today", "jane.doe", "[e-mail address]"),
    ("call me on +1 555-123-4567 please", "555-123-4567", "[phone number]"),
    ("or (020) 7946 0958.", "7946 0958", "[phone number]"),
    ("@TeamDriftbox my sync broke", "@TeamDriftbox", "[username]"),
    ("Hi Jane,\nmy files vanished", "Jane", "Hi,"),
    ("Dear Mr. Brown, thanks", "Brown", "Dear,"),
    ("It works now.\nThanks,\nJohn Smith", "John", "Thanks,"),
    ("Cheers, Olga", "Olga", "Cheers,"),
    ("I live at 221 Baker Street in London", "Baker", "[street address]"),
    ("card 4111 1111 1111 1111 was charged", "4111", "[card number]"),
    ("account number: AB1234567 is locked", "AB1234567", "account number: [number]"),
    ("see https://www.youtube.com/channel/UCW97Zu1780HRMZoMMhlW06g", "UCW97", "[link]"),
    ("my channel UCW97Zu1780HRMZoMMhlW06g is gone", "UCW97", "[channel id]"),
    ("user 1497421950 was banned", "1497421950", "[number]"),
    ("my name is Lior Navon and I lost access", "Navon", "my name is [name]"),
    ("my gamertag is phantomstrike50", "phantomstrike50", "[username]"),
    ("We have fixed this for you. ^JD", "^JD", "fixed this for you."),
    ("Glad we could help! ~ Olivia", "Olivia", "help!"),
    ("*MS We would be happy to look", "*MS", "We would"),
]


@pytest.mark.parametrize(("text", "secret", "expected"), CASES)
def test_each_kind_of_personal_data_is_removed(text: str, secret: str, expected: str) -> None:
    scrubbed = scrub_personal_data(text)
    assert secret not in scrubbed
    assert expected in scrubbed


# Names where people put them in a message, wherever the message puts the greeting or sign-off.
NAME_CASES = [
    ("The app keeps crashing.\nCheers, Priya", "Priya", "The app keeps crashing.\nCheers,"),
    ("That fixed it, thank you. Thanks, Alex", "Alex", "That fixed it, thank you. Thanks,"),
    ("Thanks, Alex! I will try that tonight.", "Alex", "Thanks! I will try that tonight."),
    ("Thanks Alex. It works.", "Alex", "Thanks. It works."),
    ("It syncs again, cheers Priya", "Priya", "It syncs again, cheers"),
    ("Best,\nPriya Raman", "Priya", "Best,"),
    ("@TeamDriftbox Hi Justin, my video is blocked", "Justin", "Hi, my video is blocked"),
    ("Sorry about that. Hello Maria, can you try again?", "Maria", "Hello, can you try again?"),
    ("We have looked into it for you. ^Kartika", "Kartika", "looked into it for you."),
    ("Please update the app. -Massiel", "Massiel", "Please update the app."),
]


@pytest.mark.parametrize(("text", "name", "expected"), NAME_CASES)
def test_names_in_greetings_and_sign_offs_are_removed(text: str, name: str, expected: str) -> None:
    scrubbed = scrub_personal_data(text)
    assert name not in scrubbed
    assert expected in scrubbed


DEVICE_CASES = [
    ("Jonas's MacBook Air stopped syncing", "Jonas", "A MacBook Air stopped syncing"),
    ("it works on Priya’s iPhone but not here", "Priya", "it works on an iPhone but not"),
    ("the folder on Jonas's laptop is empty", "Jonas", "the folder on a laptop is empty"),
    ("device Jonass-MacBook-Pro.local is offline", "Jonass", "device a MacBook Pro is offline"),
]


@pytest.mark.parametrize(("text", "name", "expected"), DEVICE_CASES)
def test_devices_named_after_their_owner_lose_the_name(text: str, name: str, expected: str) -> None:
    scrubbed = scrub_personal_data(text)
    assert name not in scrubbed
    assert expected in scrubbed


def test_placeholders_read_as_what_was_there() -> None:
    scrubbed = scrub_personal_data("Please e-mail us at help@example.com and we will assist.")
    assert scrubbed == "Please e-mail us at [e-mail address] and we will assist."
    assert all(p.startswith("[") and p.endswith("]") for p in PLACEHOLDERS)


@pytest.mark.parametrize(
    "text",
    [
        "Version 8.5.50.916 on iOS 13.4 shows DBX-201; account settings are fine.",
        "I bought it at Best Buy. Thanks for the help!",
        "Thanks for the quick answer, it works now.",
        "My son's iPad cannot open the shared folder.",
        "Hey there, the Mac app crashes when I open Settings.",
    ],
)
def test_what_is_not_personal_stays(text: str) -> None:
    assert scrub_personal_data(text) == text


ADDRESSED = [
    ("Sorry for the trouble, John! Try the steps here.", "John", "Sorry for the trouble! Try"),
    ("Sounds good, Morgan. We'll be here.", "Morgan", "Sounds good. We'll be here."),
    ("¡Hi Cassie! Fingers crossed.", "Cassie", "¡Hi! Fingers crossed."),
    ("Thx Sahil! Latest macOS update.", "Sahil", "Thx! Latest macOS update."),
    ("Please help.\nKind regards,\nChris link", "Chris", "Kind regards,\n link"),
    ("Visit the page for what we are doing. ~Heather B.", "Heather", "what we are doing."),
    ("I expect a quick answer\nrespectfully\nLilian Surubaru", "Lilian", "respectfully"),
    ("@edgar12 Edgar - sorry for the delays.", "Edgar", "[username] sorry for the delays."),
]


@pytest.mark.parametrize(("text", "name", "expected"), ADDRESSED)
def test_names_a_reply_is_addressed_to_or_signed_with_are_removed(
    text: str, name: str, expected: str
) -> None:
    scrubbed = scrub_personal_data(text)
    assert name not in scrubbed
    assert expected in scrubbed
