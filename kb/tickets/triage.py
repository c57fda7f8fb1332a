"""Agent assist for the inbox: each ticket's queue and category from its triage, and closing the
loop for a ticket as it is solved (is it answered by an article, or a gap for the writers?)."""

from __future__ import annotations

from collections.abc import Iterable

from kb.assist.suggestions import AgentAssist
from kb.errors import BadRequest, PayloadTooLarge
from kb.tickets.drafts import find_gaps
from kb.tickets.inbox import Inbox

# Triaged as they arrive, per request; a larger import is triaged as the inbox shows it.
TRIAGED_ON_ARRIVAL = 50


def triage_tickets(assist: AgentAssist, inbox: Inbox, ticket_ids: Iterable[str]) -> int:
    """Store the triage of each of these tickets that has none yet (a queue an agent chose is
    kept); returns how many were triaged. Nothing is recorded as suggested: no agent saw it."""
    quiet = AgentAssist(assist.engine, None)
    triaged = 0
    for ticket_id in inbox.untriaged(ticket_ids):
        ticket = inbox.store.get(ticket_id)
        if ticket is None:
            continue
        try:
            result = quiet.suggest(ticket.as_ticket(), limit=1, learn=False)
        except (BadRequest, PayloadTooLarge):  # no words to triage, or too many: no queue yet
            continue
        triage = result.triage
        inbox.record_triage(ticket_id, triage.kind, triage.category, triage.confidence)
        triaged += 1
    return triaged


def check_solved(assist: AgentAssist, inbox: Inbox, ticket_id: str) -> str | None:
    """Closing the loop for a ticket just solved, as `kb tickets gaps` does for all: the article
    that answers it (one an agent linked, or a confident suggestion), or None for a gap."""
    ticket = inbox.ticket(ticket_id)
    known = set(assist.engine.current_index().articles)
    try:
        coverage = find_gaps([ticket], AgentAssist(assist.engine, None), known)
    except (BadRequest, PayloadTooLarge):  # nothing to search with: a gap, for a person
        covered = None
    else:
        covered = coverage.covered.get(ticket.id)
    inbox.record_coverage(ticket.id, covered)
    return covered
