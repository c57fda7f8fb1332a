"""Tickets that ask for more than one thing: split into requests, each searched on its own,
one list that answers every request near the top, and a triage less sure when the requests
disagree."""

from __future__ import annotations

import json
from pathlib import Path

from kb.assist.requests import (
    KindShare,
    combined_kind,
    disagreeing,
    label,
    merge_rankings,
    split_requests,
)
from kb.assist.ticket_text import Message, Ticket
from kb.content.model import Article, Section
from tests.helpers import AGENT_KEY, auth

DATA = Path(__file__).parent / "data"

TWO_PARAGRAPHS = """Hi again,

Thanks for getting back to me but I'm still seeing it. My bank statement shows two payments of
$9.99 on 1 November. Can you please refund the second one?

Also, honestly, after this I want to cancel. Please make sure it doesnt renew in December.

Thanks,
Priya Nair
+1 (555) 014-2287

On Tue, 3 Nov 2026, Driftbox Support wrote:
> Could you check whether both charges are still showing as pending?
> Could you also tell us how to export your files?
"""


def test_paragraphs_are_requests_and_the_signature_and_quote_are_not() -> None:
    requests = split_requests(Ticket("Re: double charge", TWO_PARAGRAPHS))
    assert len(requests) == 2
    assert requests[0].startswith("Thanks for getting back to me")  # context joins its request
    assert requests[0].endswith("refund the second one?")
    assert requests[1] == (
        "Also, honestly, after this I want to cancel. Please make sure it doesnt renew in December."
    )
    assert not any("Priya" in r or "export" in r for r in requests)


def test_a_second_request_in_one_paragraph_starts_where_the_customer_says_so() -> None:
    run_on = (
        "hi, my card expired at the end of october and the payment failed. how do I put the new "
        "card in? and while Im at it our accountant says the invoices need our VAT number on "
        "them, can you add that? thanks, Joost"
    )
    requests = split_requests(Ticket(body=run_on))
    assert [r.split()[:3] for r in requests] == [["hi,", "my", "card"], ["and", "while", "Im"]]


def test_context_and_short_follow_ups_belong_to_a_request() -> None:
    text = (
        "Two blockers:\n\n"
        "- The desktop app shows DBX-101 on the corporate network behind our proxy.\n"
        "- We want people to sign in with Okta, which values does Okta need?\n\n"
        "What do I tell our IT?"
    )
    requests = split_requests(Ticket(body=text))
    assert len(requests) == 2
    assert requests[0].startswith("Two blockers: - The desktop app shows DBX-101")
    assert requests[1].endswith("What do I tell our IT?")


def test_one_request_told_at_length_is_one_request() -> None:
    text = (
        "I signed up for the yearly plan last Thursday because I thought I'd move my archive.\n\n"
        "Could you please make sure it doesn't renew and send the money back to my card?"
    )
    assert len(split_requests(Ticket(body=text))) == 1


def test_only_the_opening_message_is_split_later_ones_are_follow_ups() -> None:
    ticket = Ticket(
        messages=(
            Message("customer", "How do I cancel my plan? I cannot find the button anywhere."),
            Message("agent", "Settings > Plan."),
            Message("customer", "Also, my sync is stuck on indexing since yesterday, why?"),
        )
    )
    assert split_requests(ticket) == ["How do I cancel my plan? I cannot find the button anywhere."]


def test_every_labelled_multi_issue_ticket_has_both_requests_in_its_text() -> None:
    """The labelled two-request tickets: where the splitter finds requests, each labelled
    request's words lie in exactly one of them, in order (splitting never cuts a request)."""
    for line in (DATA / "multi_issue_tickets.jsonl").read_text().splitlines():
        item = json.loads(line)
        found = split_requests(Ticket(item["subject"], item["body"]))
        if len(found) < 2:
            continue
        places = []
        for request in item["requests"]:
            opening = " ".join(request["text"].split()[:6])
            holders = [n for n, text in enumerate(found) if opening in text]
            assert len(holders) == 1, (opening, found)
            places.append(holders[0])
        assert places == sorted(places)


def test_label_is_the_first_words() -> None:
    assert label("one two three") == "one two three"
    assert label(" ".join(str(n) for n in range(20)), words=3) == "0 1 2 …"


def _article(slug: str) -> Article:
    section = Section(slug, "", slug, (), "text", 1)
    return Article(slug, slug, f"{slug}.md", "billing", "text", (section,))


def _ranked(*slugs: str) -> list[tuple[Article, Section, float]]:
    return [(_article(s), _article(s).sections[0], 1.0 - n / 10) for n, s in enumerate(slugs)]


def test_requests_that_find_the_same_best_article_are_one() -> None:
    rankings = [_ranked("refund", "cancel"), _ranked("refund", "invoice"), _ranked("sync"), []]
    assert disagreeing(rankings) == [0, 2]


def test_the_merged_list_answers_every_request_near_the_top() -> None:
    whole = _ranked("refund", "failed-payment", "update-card", "plans", "cancel")
    requests = [_ranked("refund", "plans"), _ranked("cancel", "delete-account")]
    merged = [article.slug for article, _, _ in merge_rankings(whole, requests)]
    # the ticket's own best first, each request's best next, then taking turns
    assert merged == [
        "refund", "cancel", "failed-payment", "plans", "delete-account", "update-card",
    ]  # fmt: skip


def test_requests_that_disagree_lower_the_ticket_s_confidence() -> None:
    whole = KindShare("service", "billing", 0.8)
    agreeing = combined_kind(whole, [KindShare("service", "billing", 0.9)] * 2)
    disagreeing_ = combined_kind(
        whole, [KindShare("service", "billing", 0.9), KindShare("support", "sync", 0.9)]
    )
    assert agreeing.kind == disagreeing_.kind == "service"
    assert agreeing.confidence == 0.85
    assert disagreeing_.confidence == 0.65 < whole.confidence < agreeing.confidence
    assert disagreeing_.category == "billing"


REFUND = "I paid for the yearly plan last week. How do I ask for a refund to my card?"
SYNC = "Also the app shows DBX-201 for the file report:final.docx and it never syncs, why?"


def test_a_two_request_ticket_gets_both_answers_and_a_less_sure_triage(client) -> None:
    def suggest(body: str) -> dict:
        payload = {"subject": "", "body": body, "limit": 3}
        response = client.post("/api/v1/suggest", json=payload, headers=auth(AGENT_KEY))
        assert response.status_code == 200
        return response.get_json()

    both = suggest(f"{REFUND}\n\n{SYNC}")
    assert [r["suggestions"][0]["slug"] for r in both["requests"]] == [
        "request-a-refund",
        "sync-error-codes",
    ]
    assert both["requests"][0]["label"] == "I paid for the yearly plan last week. …"
    assert both["requests"][0]["triage"]["kind"] == "service"
    assert both["requests"][1]["triage"]["kind"] == "support"
    top = [s["slug"] for s in both["suggestions"][:2]]
    assert sorted(top) == ["request-a-refund", "sync-error-codes"]
    alone = suggest(REFUND)
    assert alone["requests"] == []
    assert both["triage"]["confidence"] < alone["triage"]["confidence"]
    assert any("2 requests" in reason for reason in both["triage"]["reasons"])
