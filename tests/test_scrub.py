"""One case per kind of personal data; what is not personal (versions, error codes) stays."""

from __future__ import annotations

import pytest

from kb.tickets.scrub import scrub_personal_data

CASES = [
    ("write to jane.doe+kb@example.co.uk today", "jane.doe", "(email)"),
    ("call me on +1 555-123-4567 please", "555-123-4567", "(phone)"),
    ("or (020) 7946 0958.", "7946 0958", "(phone)"),
    ("@TeamDriftbox my sync broke", "@TeamDriftbox", "(handle)"),
    ("Hi Jane,\nmy files vanished", "Jane", "Hi,"),
    ("Dear Mr. Brown, thanks", "Brown", "Dear,"),
    ("It works now.\nThanks,\nJohn Smith", "John", "Thanks,"),
    ("Cheers, Olga", "Olga", "Cheers,"),
    ("I live at 221 Baker Street in London", "Baker", "(address)"),
    ("card 4111 1111 1111 1111 was charged", "4111", "(card number)"),
    ("account number: AB1234567 is locked", "AB1234567", "account number: (number)"),
    ("see https://www.youtube.com/channel/UCW97Zu1780HRMZoMMhlW06g", "UCW97", "(link)"),
    ("my channel UCW97Zu1780HRMZoMMhlW06g is gone", "UCW97", "(id)"),
    ("user 1497421950 was banned", "1497421950", "(number)"),
    ("my name is Lior Navon and I lost access", "Navon", "my name is (name)"),
    ("my gamertag is phantomstrike50", "phantomstrike50", "(handle)"),
    ("We have fixed this for you. ^JD", "^JD", "fixed this for you."),
    ("Glad we could help! ~ Olivia", "Olivia", "help!"),
    ("*MS We would be happy to look", "*MS", "We would"),
]


@pytest.mark.parametrize(("text", "secret", "expected"), CASES)
def test_each_kind_of_personal_data_is_removed(text: str, secret: str, expected: str) -> None:
    scrubbed = scrub_personal_data(text)
    assert secret not in scrubbed
    assert expected in scrubbed


def test_versions_error_codes_and_words_stay() -> None:
    text = "Version 8.5.50.916 on iOS 13.4 shows DBX-201; account settings are fine."
    assert scrub_personal_data(text) == text
