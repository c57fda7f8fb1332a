"""Contact support, deflection first: the articles that answer the question appear while the
customer types, and sending creates a ticket that records which articles they were shown."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from flask import Blueprint, render_template, request
from wtforms import Field, Form, StringField, TextAreaField
from wtforms.validators import Regexp, StopValidation

from kb.analytics.events import cancel_deflections, record_deflection
from kb.assist.ticket_text import Ticket
from kb.assist.triage import Triage
from kb.delivery.outbox import notify_queue
from kb.delivery.queue_settings import QUEUES
from kb.errors import BadRequest, PayloadTooLarge, RateLimited
from kb.search.engine import MAX_QUERY_CHARS
from kb.state.database import Connection
from kb.tickets.inbox import Inbox
from kb.tickets.store import TicketStore
from web.rate_limits import rate_limited
from web.services import public_article, services, visitor_id

log = logging.getLogger(__name__)
blueprint = Blueprint("contact", __name__)
SUGGESTIONS = 5
MAX_SHOWN = 20
HONEYPOT = "website"  # hidden from people; bots fill every field
LIMITS = {"name": 100, "email": 254, "subject": 200, "description": 5000}
MIN_SUBJECT, MIN_DESCRIPTION = 5, 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# Characters that show nothing: controls (but line breaks and tabs), format characters such as
# bidi overrides and zero-width spaces. A field made of them says nothing, and a bidi override
# in a name or subject would reorder what agents read.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def _visible(text: str | None) -> str:
    return _INVISIBLE.sub("", text or "")


def _one_line(text: str | None) -> str:
    return " ".join(_visible(text).split())


def _trimmed(text: str | None) -> str:
    return _visible(text).strip()


def _required(message: str):
    def check(form: Form, field: Field) -> None:
        if not field.data:
            raise StopValidation(message)

    return check


def _at_least(count: int, message: str):
    def check(form: Form, field: Field) -> None:
        if len(field.data) < count:
            raise StopValidation(message)

    return check


def _at_most(limit: int):
    def check(form: Form, field: Field) -> None:
        if len(field.data) > limit:
            raise StopValidation(
                f"Please keep this under {limit} characters ({len(field.data)} now)."
            )

    return check


class ContactForm(Form):
    """The contact form's fields, cleaned (control and format characters removed, spaces
    folded) and checked; the CSRF token is checked for every form by CSRFProtect."""

    name = StringField(
        filters=[_one_line],
        validators=[_required("Tell us your name."), _at_most(LIMITS["name"])],
    )
    email = StringField(
        filters=[_trimmed],
        validators=[
            _required("We need your e-mail address to answer you."),
            Regexp(_EMAIL, message="This does not look like an e-mail address (name@example.com)."),
            _at_most(LIMITS["email"]),
        ],
    )
    subject = StringField(
        filters=[_one_line],
        validators=[
            _at_least(
                MIN_SUBJECT,
                f"Describe the problem in a few words (at least {MIN_SUBJECT} letters).",
            ),
            _at_most(LIMITS["subject"]),
        ],
    )
    description = TextAreaField(
        filters=[_trimmed],
        validators=[
            _at_least(
                MIN_DESCRIPTION,
                f"Tell us a little more (at least {MIN_DESCRIPTION} characters): what "
                "happened, what you expected, any error message.",
            ),
            _at_most(LIMITS["description"]),
        ],
    )


def validate(form) -> tuple[dict[str, str], dict[str, str]]:
    """The cleaned fields and an error message per invalid field."""
    checked = ContactForm(form)
    checked.validate()
    values: dict[str, str] = {name: checked[name].data for name in LIMITS}
    errors = {name: checked[name].errors[0] for name in LIMITS if checked[name].errors}
    return values, errors


def suggestions_for(subject: str, description: str):
    text = f"{subject} {description}".strip()[:MAX_QUERY_CHARS]
    if not text:
        return []
    return services().engine.search(text, limit=SUGGESTIONS).results


def shown_slugs(raw: str) -> list[str]:
    """Slugs the page says it showed, kept only if they are public articles."""
    index = services().index.get()
    slugs = [s for s in raw.split(",") if s][:MAX_SHOWN]
    known = [s for s in dict.fromkeys(slugs) if s in index.articles]
    return [s for s in known if index.articles[s].is_public]


@blueprint.get("/contact")
def contact_page():
    return render_template("contact.html", values={}, errors={}, suggestions=[], shown="")


@blueprint.post("/contact")
def send():
    try:
        services().rate_limits.hit("contact")
    except RateLimited as error:
        values, _ = validate(request.form)
        message = (
            f"You have sent several messages in a short time. Please wait a little (about "
            f"{error.retry_after} seconds) and send again; your message is still here."
        )
        page = render_template(
            "contact.html", values=values, errors={}, suggestions=[], shown="", limited=message
        )
        return page, 429, {"Retry-After": str(error.retry_after)}
    return _send()


def _send():
    values, errors = validate(request.form)
    if request.form.get(HONEYPOT):
        # A bot: look like success, keep nothing.
        return render_template("contact_sent.html", ticket_id=None), 200
    shown = shown_slugs(request.form.get("shown", ""))
    # Searched only when the customer has not seen suggestions yet (no JavaScript, no confirm).
    unseen = not errors and not shown and request.form.get("confirm") != "1"
    suggestions = suggestions_for(values["subject"], values["description"]) if unseen else []
    if errors or suggestions:
        # Errors next to their fields; or, without the page's live suggestions (no JavaScript),
        # one look at the articles that may answer it before the ticket is sent.
        shown_now = ",".join(r.article.slug for r in suggestions)
        return render_template(
            "contact.html",
            values=values,
            errors=errors,
            suggestions=suggestions,
            shown=shown_now or request.form.get("shown", ""),
            confirm=not errors,
        ), 400 if errors else 200
    triage = triage_of(values)
    ticket_id = TicketStore(services().database).create_from_contact(
        values["name"],
        values["email"],
        values["subject"],
        values["description"],
        shown,
        then=router(values, shown, triage),
    )
    if triage is not None:  # the agent inbox lists it in the queue it was sent to
        Inbox(services().database).record_triage(
            ticket_id, triage.kind, triage.category, triage.confidence
        )
    cancel_deflections(services().database, visitor_id())
    return render_template("contact_sent.html", ticket_id=ticket_id)


def triage_of(values: dict[str, str]) -> Triage | None:
    """The new ticket's queue and category, from one search; None when it cannot be triaged
    (no index, or no words to triage with), which must not lose the ticket."""
    ticket = Ticket(subject=values["subject"], body=values["description"])
    try:
        return services().assist.triage(ticket)
    except (BadRequest, PayloadTooLarge):
        return None
    except Exception:  # noqa: BLE001 - no index to triage with must not lose the ticket
        log.warning("a contact ticket could not be triaged: sent to support", exc_info=True)
        return None


def router(
    values: dict[str, str], shown: list[str], triage: Triage | None
) -> Callable[[Connection, str], None] | None:
    """What hands a new ticket to its queue (the triage's: service or support; support when
    untriaged) in the transaction that writes it; None when no queue is delivered anywhere."""
    settings = services().settings
    if not any(settings.destinations(queue) for queue in QUEUES):
        return None
    queue, category = (triage.kind, triage.category) if triage else ("support", None)
    payload = {
        "subject": values["subject"],
        "channel": "web-form",
        "requester": {"name": values["name"], "email": values["email"]},
        "messages": [{"author": "customer", "body": values["description"]}],
        "shown_articles": shown,
        "category": category,
    }

    def route(connection: Connection, ticket_id: str) -> None:
        whole = {"id": ticket_id, **payload}
        notify_queue(services().database, settings, ticket_id, queue, whole, within=connection)

    return route


@blueprint.post("/contact/solved")
@rate_limited("vote")  # a customer's "this solved it" is feedback, limited with the votes
def solved():
    """ "This answers my question" beside a suggested article: a ticket that was not needed."""
    article = public_article(services().index.get(), request.form.get("slug", ""))
    record_deflection(services().database, visitor_id(), article.slug, "solved")
    return render_template("contact_solved.html", article=article)
