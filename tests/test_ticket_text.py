"""Ticket cleaning: what a person wrote about the problem, without the noise around it."""

from __future__ import annotations

from kb.assist.ticket_text import (
    Message,
    Ticket,
    build_ticket_query,
    clean_message,
    key_terms,
)

NOISY = """Hi team,

My sync keeps failing with DBX-201 on Windows since yesterday.
2026-11-02 10:22:01 ERROR SyncEngine: DBX-201 invalid name 'a:b.docx'
   at Sync.run(Engine.java:42)
Traceback (most recent call last):
I tried restarting, see https://example.com/x?id=9 or mail jane@acme.example.

Thanks,
Jane Doe
Acme Corp | +1 555 123 4567

On Mon, Nov 2, 2026 at 9:00 AM Support <help@driftbox.example> wrote:
> Please send us your logs
> Refund policy blah
"""


def test_clean_message_drops_greeting_logs_links_signature_and_quotes() -> None:
    cleaned = clean_message(NOISY)
    assert cleaned == (
        "My sync keeps failing with DBX-201 on Windows since yesterday. I tried restarting, "
        "see or mail ."
    )


def test_dash_signature_and_original_message_cut() -> None:
    assert clean_message("Cannot log in\n--\nJohn\n555-1234") == "Cannot log in"
    text = "Still broken\n-----Original Message-----\nFrom: x\nold text"
    assert clean_message(text) == "Still broken"


def test_signature_with_a_long_legal_disclaimer_is_cut() -> None:
    disclaimer = "\n".join(f"Confidentiality notice, line {n}." for n in range(10))
    text = f"The client never connects in the office.\n\nBest regards,\nLukas\nIT\n{disclaimer}"
    assert clean_message(text) == "The client never connects in the office."


def test_error_codes_survive_from_logs_and_lead_the_keyword_query() -> None:
    query = build_ticket_query(
        Ticket("Sync failing", NOISY), {"sync": 9, "windows": 3, "refund": 5}
    )
    assert query.error_codes == ("DBX-201",)
    assert query.keyword_text.startswith("DBX-201")
    assert "refund" not in query.key_terms  # it was only in the quoted reply
    assert query.vector_text.startswith("Sync failing My sync keeps failing")


def test_only_the_customers_messages_are_searched() -> None:
    ticket = Ticket("", "", (Message("customer", "refund please"), Message("agent", "sync logs")))
    query = build_ticket_query(ticket, {"refund": 2, "sync": 2, "logs": 2, "please": 50})
    assert "refund" in query.key_terms and "sync" not in query.key_terms


def test_key_terms_prefer_words_rare_in_the_knowledge_base() -> None:
    vocabulary = {"file": 500, "sync": 300, "vault": 3}
    assert key_terms("file file sync vault unknownword", vocabulary, limit=2) == ["vault", "sync"]


def test_uncleaned_query_keeps_everything() -> None:
    query = build_ticket_query(Ticket("S", NOISY), {}, clean=False)
    assert "Refund policy" in query.keyword_text


def test_a_first_line_that_greets_and_says_more_is_kept() -> None:
    assert clean_message("Hi, please turn off battery saver") == (
        "Hi, please turn off battery saver"
    )
    assert clean_message("Hello team,\nthe app crashes") == "the app crashes"
