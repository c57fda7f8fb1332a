"""Help desks' "ticket solved" webhooks: Zendesk's (its own signature, its ticket events or a
trigger's JSON body) and a generic one in this app's ticket shape (X-KB-Signature). Each is off
until its secret is set; a delivery is checked before its body is read, stored by ticket id (a
repeated delivery changes nothing), and a ticket solved by it runs closing the loop."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, request

from kb.delivery.webhooks import (
    SIGNATURE_HEADER,
    ZENDESK_SIGNATURE_HEADER,
    ZENDESK_TIMESTAMP_HEADER,
    verify,
    verify_zendesk,
)
from kb.errors import NotFound, Unauthorized
from kb.tickets.helpdesk import Delivered, ZendeskTicketEvent, deliver
from kb.tickets.store import RESOLVED
from kb.tickets.triage import TRIAGED_ON_ARRIVAL, triage_tickets
from web.api import API
from web.openapi import operation
from web.schemas import TicketsBody
from web.services import services
from web.ticket_schemas import DeliveredTicket, WebhookReceived, ZendeskWebhookBody
from web.tickets_api import close_loop, inbox

blueprint = Blueprint("helpdesk_api", __name__)


def _checked(check) -> None:
    """A wrong signature counts as a wrong key (the same limit guards both)."""
    limits = services().rate_limits
    limits.refuse_if_spent("wrong_key")
    try:
        check()
    except Unauthorized:
        limits.count("wrong_key")
        raise


def signed_by_us() -> None:
    secret = services().settings.ticket_webhook_secret
    if not secret:
        raise NotFound("this webhook is off: set KB_TICKET_WEBHOOK_SECRET")
    body = request.get_data(cache=True)
    _checked(lambda: verify(secret, body, request.headers.get(SIGNATURE_HEADER)))


def signed_by_zendesk() -> None:
    secret = services().settings.zendesk_webhook_secret
    if not secret:
        raise NotFound("this webhook is off: set KB_ZENDESK_WEBHOOK_SECRET")
    body = request.get_data(cache=True)
    signature = request.headers.get(ZENDESK_SIGNATURE_HEADER)
    timestamp = request.headers.get(ZENDESK_TIMESTAMP_HEADER)
    _checked(lambda: verify_zendesk(secret, body, signature, timestamp))


@operation(
    blueprint, "POST", f"{API}/webhooks/tickets", summary="Receive tickets from a help desk",
    tag="Tickets", body=TicketsBody, response=WebhookReceived, errors=(401, 404),
    guard=signed_by_us,
    description="A help desk's \"ticket solved\" (or changed) webhook in this app's ticket shape: "
    "one ticket, a list or {\"tickets\": [...]}, signed with KB_TICKET_WEBHOOK_SECRET: "
    "`X-KB-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.\" + body>`, within 5 minutes. "
    "Stored by id (sent again, nothing changes); articles agents linked are kept; a ticket "
    "solved by it runs closing the loop. 404 while KB_TICKET_WEBHOOK_SECRET is not set.",
)  # fmt: skip
def ticket_webhook(body: TicketsBody) -> WebhookReceived:
    return received(deliver(inbox(), [record.stored() for record in body.records()]))


@operation(
    blueprint, "POST", f"{API}/webhooks/zendesk", summary="Receive Zendesk ticket events",
    tag="Tickets", body=ZendeskWebhookBody, response=WebhookReceived, errors=(401, 404),
    guard=signed_by_zendesk,
    description="A Zendesk webhook, signed by Zendesk with its signing secret "
    "(KB_ZENDESK_WEBHOOK_SECRET): `X-Zendesk-Webhook-Signature` is the base64 HMAC-SHA256 of "
    "`X-Zendesk-Webhook-Signature-Timestamp` followed by the body, within 5 minutes. The body is "
    "a ticket event (`zen:event-type:ticket.status_changed` and the others: the ticket's subject, "
    "first comment and status) or a trigger's JSON body in this app's ticket shape. Stored by "
    "id; a ticket solved by it runs closing the loop. 404 while the secret is not set.",
)  # fmt: skip
def zendesk_webhook(body: ZendeskWebhookBody) -> WebhookReceived:
    sent = body.root
    if isinstance(sent, ZendeskTicketEvent):
        return received(deliver(inbox(), [sent.stored()], keep_conversation=True))
    return received(deliver(inbox(), [record.stored() for record in sent.records()]))


def received(delivered: Sequence[Delivered]) -> WebhookReceived:
    """Triage what arrived open, close the loop for what was solved now, and say what
    happened to each ticket."""
    waiting = [d.id for d in delivered if d.status not in RESOLVED]
    triage_tickets(services().assist, inbox(), waiting[:TRIAGED_ON_ARRIVAL])
    covered = close_loop(d.id for d in delivered if d.solved_now)
    return WebhookReceived(
        tickets=[
            DeliveredTicket(
                id=d.id,
                status=d.status,
                created=d.created,
                solved_now=d.solved_now,
                covered_by=covered.get(d.id),
            )
            for d in delivered
        ]
    )
