"""The e-mail that carries an invitation or a password-reset link (sent over SMTP by
kb/delivery/mail.py). The link itself is never logged; the admin who made it sees it once."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from kb.delivery.mail import send_mail
from kb.errors import ConfigurationError
from kb.settings import Settings

log = logging.getLogger(__name__)


def link_lifetime(settings: Settings, purpose: str) -> dt.timedelta:
    """How long an invitation or a reset link works."""
    if purpose == "invitation":
        return dt.timedelta(hours=settings.invitation_hours)
    return dt.timedelta(minutes=settings.password_reset_minutes)


def link_message(purpose: str, settings: Settings, name: str, link: str) -> tuple[str, str]:
    """The subject and text of the e-mail with the link."""
    site = settings.site_name
    if purpose == "invitation":
        lasts = f"{settings.invitation_hours} hours"
        return (
            f"You are invited to {site}",
            f"Hello {name},\n\nYou are invited to sign in to {site} as staff. Choose your "
            f"password here (the link works once, for {lasts}):\n\n{link}\n\nIf you did not "
            "expect this, ignore this message.\n",
        )
    lasts = f"{settings.password_reset_minutes} minutes"
    return (
        f"Reset your {site} password",
        f"Hello {name},\n\nSomeone asked to reset your {site} password. Choose a new one here "
        f"(the link works once, for {lasts}):\n\n{link}\n\nIf it was not you, ignore this "
        "message: your password stays as it is.\n",
    )


def send_account_link(settings: Settings, email: str, name: str, purpose: str, link: str) -> str:
    """Send the link to the person; returns "" when sent, else why not (to show the admin,
    who then passes the link on themselves)."""
    subject, text = link_message(purpose, settings, name, link)
    try:
        send_mail(settings.smtp_url, settings.mail_from, email, subject, text)
    except ConfigurationError as unset:
        return unset.message
    except (OSError, smtplib.SMTPException) as failed:
        log.warning("the %s e-mail to a staff member could not be sent: %s", purpose, failed)
        return f"the e-mail could not be sent ({type(failed).__name__})"
    return ""
