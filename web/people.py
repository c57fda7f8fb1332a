"""Admin pages for staff accounts: everyone with their roles, how they sign in and whether they
use two-step verification; invite someone (the link is e-mailed and shown here once); change a
person's roles, disable them (their sessions end at once, their keys stop), enable them again
or send a password reset; require two-step verification for everyone."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from kb.errors import BadRequest, Conflict, Unauthorized
from kb.state.auth import ROLES, Principal
from kb.state.switches import SWITCHES
from web.account_links import issue_link
from web.auth import audit, pages_need_sign_in, signed_in
from web.services import services

blueprint = Blueprint("people", __name__, url_prefix="/admin/people")


@blueprint.before_request
def admins_only():
    return pages_need_sign_in("admin", "/admin", "admin.login")


def admin() -> Principal:
    """The admin making this request (the blueprint let only admins in)."""
    principal = signed_in("admin")
    if principal is None:  # disabled, or no longer an admin, since the request was let in
        raise Unauthorized("sign in again as an admin")
    return principal


@blueprint.get("")
def people_page(errors: dict[str, str] | None = None, status: int = 200, shown: dict | None = None):
    page = render_template(
        "people.html",
        title="People",
        users=services().users.list(),
        roles=ROLES,
        errors=errors or {},
        shown=shown,
        form=request.form,
        require_two_step=services().switches.is_on("require_two_step"),
        smtp=bool(services().settings.smtp_url),
    )
    return page, status


@blueprint.post("/invite")
def invite():
    """A new account without a password, and an invitation to choose one."""
    form = request.form
    try:
        user = services().users.create(
            form.get("email", ""), form.get("name", ""), form.getlist("roles")
        )
    except (BadRequest, Conflict) as refused:
        return people_page({refused.field or "email": refused.message}, refused.status)
    url, problem = issue_link(user, "invitation")
    audit("user_invited", admin(), target=user.email, detail=", ".join(user.roles))
    shown = {"email": user.email, "url": url, "problem": problem, "what": "invitation"}
    return people_page(shown=shown)


@blueprint.get("/<int:user_id>")
def person_page(user_id: int, error: str = "", shown: dict | None = None, status: int = 200):
    user = services().users.get(user_id)
    page = render_template(
        "person.html",
        title=user.name,
        user=user,
        roles=ROLES,
        error=error,
        shown=shown,
        keys=services().keys.list(user_id),
        myself=admin().user_id == user.id,
        invited=services().account_links.pending_invitation(user.id),
    )
    return page, status


@blueprint.post("/<int:user_id>/roles")
def change_roles(user_id: int):
    me, users = admin(), services().users
    before = users.get(user_id)
    chosen = request.form.getlist("roles")
    if me.user_id == user_id and "admin" not in chosen:
        return person_page(user_id, "You cannot take the admin role from yourself.", None, 400)
    try:
        user = users.set_roles(user_id, chosen)
    except BadRequest as refused:
        return person_page(user_id, refused.message, None, 400)
    if user.roles != before.roles:
        audit(
            "roles_changed",
            me,
            target=user.email,
            detail=f"{', '.join(before.roles)} → {', '.join(user.roles)}",
        )
        flash(f"{user.name} now has the roles {', '.join(user.roles)}.")
    return redirect(url_for("people.person_page", user_id=user_id))


@blueprint.post("/<int:user_id>/disable")
def disable(user_id: int):
    me = admin()
    if me.user_id == user_id:
        return person_page(user_id, "You cannot disable your own account.", None, 400)
    user = services().users.disable(user_id)
    audit("user_disabled", me, target=user.email)
    flash(f"{user.name} is disabled: signed out everywhere, and their keys no longer work.")
    return redirect(url_for("people.person_page", user_id=user_id))


@blueprint.post("/<int:user_id>/enable")
def enable(user_id: int):
    user = services().users.enable(user_id)
    audit("user_enabled", admin(), target=user.email)
    flash(f"{user.name} may sign in again.")
    return redirect(url_for("people.person_page", user_id=user_id))


@blueprint.post("/<int:user_id>/link")
def send_link(user_id: int):
    """A new invitation (for someone who has not chosen a password yet) or password reset."""
    user = services().users.get(user_id)
    if not user.enabled:
        return person_page(user_id, "Enable the account first.", None, 400)
    purpose = "reset" if user.has_password else "invitation"
    url, problem = issue_link(user, purpose)
    action = "password_reset_sent" if purpose == "reset" else "user_invited"
    audit(action, admin(), target=user.email, detail="again" if purpose == "invitation" else "")
    return person_page(user_id, shown={"url": url, "problem": problem, "what": purpose})


@blueprint.post("/two-step")
def require_two_step():
    """Require (or stop requiring) two-step verification at every password sign-in."""
    me = admin()
    on = request.form.get("value") == "on"
    if services().switches.set("require_two_step", on, me.name):
        audit(
            "setting_changed", me, target=SWITCHES["require_two_step"], detail="on" if on else "off"
        )
    state = "required" if on else "no longer required"
    flash(f"Two-step verification is {state} at sign-in.")
    return redirect(url_for("people.people_page"))
