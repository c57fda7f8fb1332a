"""What every staff page shares: a header with the areas the signed-in person may open (inbox,
drafts, insights), who they are, one sign-out, and a footer for staff, not customers."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from kb.state.auth import Principal
from web.auth import audit, sign_out, signed_in_staff

blueprint = Blueprint("staff", __name__)


@dataclasses.dataclass(frozen=True)
class Area:
    label: str
    role: str  # the role that may open it (an admin may open every area)
    endpoint: str
    login: str  # its sign-in page
    prefix: str

    def holds(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


AREAS = (
    Area("Inbox", "agent", "console.console_page", "console.login", "/agent"),
    Area("Drafts", "writer", "writer.queue", "writer.login", "/writer"),
    Area("Insights", "admin", "admin.dashboard", "admin.login", "/admin"),
    Area("People", "admin", "people.people_page", "admin.login", "/admin/people"),
    Area("Keys", "admin", "keys.keys_page", "admin.login", "/admin/keys"),
    Area("Audit log", "admin", "audit.audit_page", "admin.login", "/admin/audit"),
)


def staff_areas(principal: Principal | None) -> list[dict]:
    """The areas this person may open, the current one marked (the one whose prefix holds the
    page most closely: /admin/people is People, not Insights)."""
    if principal is None:
        return []
    holding = [area for area in AREAS if area.holds(request.path)]
    current = max(holding, key=lambda area: len(area.prefix), default=None)
    return [
        {"label": area.label, "url": url_for(area.endpoint), "current": area is current}
        for area in AREAS
        if principal.may(area.role)
    ]


@blueprint.app_context_processor
def staff_context() -> dict:
    """`staff` (who is signed in) and `staff_areas` for the staff header; computed only on the
    templates that use them (a callable, so customer pages never touch the session store)."""
    return {"staff": signed_in_staff, "staff_areas": lambda: staff_areas(signed_in_staff())}


@blueprint.post("/staff/logout")
def logout() -> Response:
    """Sign out from whichever staff area the person is in: the session ends on the server, and
    the browser lands on that area's sign-in page."""
    person = signed_in_staff()
    if person is not None:
        audit("sign_out", person)
    sign_out()
    came_from = request.form.get("area", "")
    area = next((a for a in AREAS if a.holds(came_from)), AREAS[0])
    return redirect(url_for(area.login))
