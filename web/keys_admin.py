"""The admin page for API keys (for machines: a help desk's sidebar app, the tickets webhook,
scripts): every key with its prefix, owner, role, when it was made, expires and was last used;
make one for a person (with a role they hold; shown once) or revoke one."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for

from kb.errors import BadRequest, KBError
from kb.state.auth import ROLES
from web.auth import audit, pages_need_sign_in
from web.people import admin
from web.services import services

blueprint = Blueprint("keys", __name__, url_prefix="/admin/keys")
MAX_DAYS = 3650


@blueprint.before_request
def admins_only():
    return pages_need_sign_in("admin", "/admin", "admin.login")


@blueprint.get("")
def keys_page(error: str = "", shown: dict | None = None, status: int = 200):
    page = render_template(
        "keys.html",
        title="API keys",
        keys=services().keys.list(),
        roles=ROLES,
        error=error,
        shown=shown,
        people=[u for u in services().users.list() if u.enabled],
        form=request.form,
    )
    return page, status


def _expiry(days: str) -> str | None:
    """The expiry `days` from now (empty: never), or BadRequest naming `expires_days`."""
    if not days.strip():
        return None
    if not days.strip().isdigit() or not 1 <= int(days) <= MAX_DAYS:
        raise BadRequest(f"expires in 1 to {MAX_DAYS} days, or never", field="expires_days")
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=int(days))
    return moment.isoformat(timespec="seconds")


@blueprint.post("")
def create():
    """A new key for a person; its role may be no higher than theirs. Shown once."""
    form = request.form
    try:
        owner_id = form.get("owner", "")
        if not owner_id.isdigit():
            raise BadRequest("choose the key's owner", field="owner")
        owner = services().users.get(int(owner_id))
        if not owner.enabled:
            raise BadRequest("the owner is disabled", field="owner")
        key, record = services().keys.create(
            form.get("role", ""),
            form.get("name", "").strip()[:100],
            owner.principal("key"),
            _expiry(form.get("expires_days", "")),
        )
    except KBError as refused:
        return keys_page(refused.message, None, 400 if refused.status < 500 else refused.status)
    audit(
        "key_created",
        admin(),
        target=f"{record.prefix}… ({record.name})",
        detail=f"{record.role} key for {record.owner}",
    )
    return keys_page(shown={"key": key, "record": record})


@blueprint.post("/<int:key_id>/revoke")
def revoke(key_id: int):
    record = services().keys.get(key_id)
    services().keys.revoke(key_id)
    audit(
        "key_revoked",
        admin(),
        target=f"{record.prefix}… ({record.name})",
        detail=f"{record.role} key of {record.owner or 'nobody'}",
    )
    flash(f"The key {record.prefix}… ({record.name}) is revoked; it no longer works.")
    return redirect(url_for("keys.keys_page"))
