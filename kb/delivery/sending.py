"""One delivery of a ticket handed to a queue: a signed JSON POST to the queue's webhook
(kb/delivery/webhooks.py) or an e-mail to its address (kb/delivery/mail.py). Raises when the
receiver did not accept it; the outbox (kb/delivery/outbox.py) retries."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kb.delivery.mail import send_mail
from kb.delivery.webhooks import post_json
from kb.errors import ConfigurationError
from kb.settings import Settings

DELIVERY_ID_HEADER = "X-KB-Delivery-Id"


def send_to(
    settings: Settings, destination: str, envelope: Mapping[str, Any], *, timeout: float
) -> None:
    """Deliver `envelope` to `destination` ("<queue>:<webhook|email>") as the settings name it
    now (a corrected URL applies to the rows still waiting)."""
    queue = envelope["queue"]
    found = [d for d in settings.destinations(queue) if d.name == destination]
    if not found:
        channel = destination.partition(":")[2].upper()
        raise ConfigurationError(f"KB_QUEUE_{queue.upper()}_{channel} is no longer set")
    target = found[0].target
    headers = {DELIVERY_ID_HEADER: envelope["delivery_id"]}
    if found[0].channel == "webhook":
        post_json(target, envelope, settings.queue_webhook_secret, timeout=timeout, headers=headers)
        return
    subject, text = mail_message(settings.site_name, envelope)
    send_mail(settings.smtp_url, settings.mail_from, target, subject, text, headers=headers)


def mail_message(site_name: str, envelope: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and text of the e-mail that hands a ticket to a queue's address: what a
    person reads first, then the whole ticket as JSON (the webhook's body) for any tool."""
    ticket = envelope["ticket"]
    subject = " ".join(str(ticket.get("subject") or "New ticket").split())
    lines = [
        f"A ticket for the {envelope['queue']} queue of {site_name}.",
        "",
        f"Ticket: {envelope['ticket_id']}",
    ]
    requester = ticket.get("requester") or {}
    if requester:
        lines.append(f"From: {requester.get('name', '')} <{requester.get('email', '')}>")
    if ticket.get("page_url"):
        lines.append(f"Page: {ticket['page_url']}")
    if ticket.get("category"):
        lines.append(f"Category: {ticket['category']}")
    for message in ticket.get("messages") or []:
        lines += ["", f"{message.get('author', 'customer')}:", str(message.get("body", ""))]
    if ticket.get("shown_articles"):
        lines += ["", "Articles shown: " + ", ".join(map(str, ticket["shown_articles"]))]
    lines += [
        "",
        f"Delivery id: {envelope['delivery_id']}",
        "",
        "The ticket as JSON:",
        json.dumps(dict(envelope), indent=2, ensure_ascii=False),
    ]
    return f"[{site_name}] {envelope['queue']}: {subject}"[:200], "\n".join(lines) + "\n"
