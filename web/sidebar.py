"""The agent sidebar a help desk embeds (Zendesk's ticket sidebar, a Chatwoot dashboard app, or
any page in an iframe): triage and suggestions for the ticket the help desk is showing, with
Insert buttons that hand the reply text back to it.

Only the origins in KB_SIDEBAR_ORIGINS may frame it (`frame-ancestors`), and its script listens
only to messages from its parent at one of those origins: the help desk sends the ticket (or puts
it in the URL fragment) and the agent key its app holds in its settings. The key stays in the
page's memory, never in a URL or a cookie, so staff cookies stay SameSite=Lax and no other site
can act with them. Messages (all objects with a `type`):

    parent → sidebar   {"type": "kb:auth", "key": "<agent key>"}
                       {"type": "kb:ticket", "ticket": {"id"?, "subject", "body", "messages"?}}
    sidebar → parent   {"type": "kb:insert", "action": "link" | "answer", "slug", "url",
                        "text", "markdown", "html"}   (the help desk takes the form it writes)

The parent sends both once the frame has loaded (its `load` event), and the ticket again when
the agent opens another one.
"""

from __future__ import annotations

import re

from flask import Blueprint, make_response, render_template

from web.security import policy_framed_by
from web.services import services

blueprint = Blueprint("sidebar", __name__)


def allowed_origins(setting: str) -> tuple[str, ...]:
    """KB_SIDEBAR_ORIGINS as a browser writes origins (kb.settings checked their form)."""
    return tuple(o.lower().rstrip("/") for o in re.split(r"[\s,]+", setting) if o)


@blueprint.get("/agent/sidebar")
def sidebar_page():
    settings = services().settings
    origins = allowed_origins(settings.sidebar_origins)
    page = render_template("sidebar.html", origins=origins)
    response = make_response(page)
    response.headers["Content-Security-Policy"] = policy_framed_by(origins)
    return response
