"""The audit log: each audited action appears with who, when, a hashed address and what; admins
filter and export it (CSV that a spreadsheet never runs); nothing in the app, nor the database
itself, lets an entry be changed or deleted."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from kb.state.audit import AuditFilter, AuditLog
from tests.accounts.conftest import csrf, make_person, post, services, sign_in
from tests.helpers import ADMIN_KEY, WRITER_KEY


def entries(app) -> list:
    return list(reversed(services(app).audit.entries()))


def admin_client(app):
    make_person(app, "boss@example.com", ["admin"], name="Boss")
    client = app.test_client()
    sign_in(client, "boss@example.com", area="admin")
    return client


def test_each_people_and_key_action_is_recorded_with_who_and_what(app) -> None:
    admin = admin_client(app)
    post(
        admin,
        "/admin/people/invite",
        {"email": "wendy@example.com", "name": "Wendy", "roles": ["writer"]},
        "/admin/people",
    )
    wendy = services(app).users.find_email("wendy@example.com")
    page = f"/admin/people/{wendy.id}"
    post(admin, f"{page}/roles", {"roles": ["writer", "agent"]}, page)
    post(admin, f"{page}/disable", page=page)
    post(admin, f"{page}/enable", page=page)
    post(admin, "/admin/keys", {"owner": str(wendy.id), "role": "writer", "name": "script"})
    key = services(app).keys.list()[0]
    post(admin, f"/admin/keys/{key.id}/revoke", page="/admin/keys")
    post(admin, "/admin/people/two-step", {"value": "on"}, "/admin/people")
    post(admin, "/staff/logout", page="/admin/people")
    seen = [(e.action, e.actor, e.target, e.detail) for e in entries(app)]
    assert seen == [
        ("sign_in", "Boss", "", "with a password"),
        ("user_invited", "Boss", "wendy@example.com", "writer"),
        ("roles_changed", "Boss", "wendy@example.com", "writer → agent, writer"),
        ("user_disabled", "Boss", "wendy@example.com", ""),
        ("user_enabled", "Boss", "wendy@example.com", ""),
        ("key_created", "Boss", f"{key.prefix}… (script)", "writer key for wendy@example.com"),
        ("key_revoked", "Boss", f"{key.prefix}… (script)", "writer key of wendy@example.com"),
        ("setting_changed", "Boss", "Require two-step verification for every staff sign-in", "on"),
        ("sign_out", "Boss", "", ""),
    ]
    assert all(e.actor_email == "boss@example.com" for e in entries(app))


def test_the_address_is_kept_hashed_as_analytics_keeps_it(app) -> None:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    sign_in(client, "nobody@example.com", "a wrong password")
    (entry,) = entries(app)
    assert entry.address == services(app).addresses.hash("203.0.113.7")
    assert "203.0.113.7" not in entry.address and len(entry.address) >= 16


def test_drafts_published_rejected_and_edited_are_recorded(app, content_dir, monkeypatch) -> None:
    from kb.tickets.draft_files import get_draft  # noqa: PLC0415
    from kb.tickets.drafts import start_draft  # noqa: PLC0415

    monkeypatch.setattr("web.writer_drafts.request_build", lambda settings: None)  # no build
    make_person(app, "wendy@example.com", ["writer"], name="Wendy")
    writer = app.test_client()
    sign_in(writer, "wendy@example.com", area="writer")
    first = start_draft(content_dir, "export to excel")
    second = start_draft(content_dir, "dark mode")
    page = f"/writer/drafts/{first.id}"
    form = {
        "version": first.version, "title": "Export to Excel", "slug": "", "category": "billing",
        "audience": "public", "type": "how-to", "tags": "export",
        "body": "## Steps\n\n1. Open the report and choose Export > Excel.\n",
    }  # fmt: skip
    post(writer, page, {**form, "action": "save"}, page)
    version = get_draft(content_dir, first.id).version
    post(writer, f"{page}/publish", {"version": version, "confirm": "yes"}, page)
    post(writer, f"/writer/drafts/{second.id}/reject", {"reason": "duplicate"}, "/writer")
    seen = [(e.action, e.actor, e.target) for e in entries(app)][1:]
    assert seen == [
        ("draft_updated", "Wendy", first.id),
        ("draft_published", "Wendy", first.id),
        ("draft_rejected", "Wendy", second.id),
    ]


def test_blocking_a_suggestion_is_a_setting_change(app) -> None:
    admin = app.test_client()
    admin.post("/admin/login", data={"key": ADMIN_KEY, "csrf_token": csrf(admin, "/admin/login")})
    post(admin, "/admin/blocked-queries", {"query": "refund"}, "/admin")
    post(admin, "/admin/blocked-queries/unblock", {"query": "refund"}, "/admin")
    seen = [(e.action, e.detail) for e in entries(app)][1:]
    assert seen == [
        ("setting_changed", "blocked “refund”"),
        ("setting_changed", "unblocked “refund”"),
    ]


def test_the_database_refuses_to_change_or_delete_an_entry(make_database) -> None:
    database = make_database()
    log = AuditLog(database)
    log.record("sign_in_failed", None, detail="a try")
    for statement in ("UPDATE audit_log SET detail = 'nothing happened'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with database.connect() as connection:
                connection.execute(statement)
    assert [e.detail for e in log.entries()] == ["a try"]


def test_the_app_offers_no_way_to_change_the_log(app) -> None:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/admin/audit")]
    assert rules and all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules)


def test_admins_filter_the_log(app) -> None:
    admin = admin_client(app)
    sign_in(app.test_client(), "boss@example.com", "a wrong password")
    failed = admin.get("/admin/audit?action=sign_in_failed").text
    assert "sign_in_failed" in failed and "<td>sign_in</td>" not in failed
    assert "<td>sign_in</td>" in admin.get("/admin/audit?who=boss").text
    assert "Nothing recorded that matches" in admin.get("/admin/audit?who=nobody").text
    assert "Nothing recorded that matches" in admin.get("/admin/audit?to=2000-01-01").text
    bad = admin.get("/admin/audit?action=delete_everything")
    assert bad.status_code == 400 and "action must be one of" in bad.text
    assert admin.get("/admin/audit?from=yesterday").status_code == 400


def test_the_filter_pages_through_a_long_log(make_database) -> None:
    log = AuditLog(make_database())
    for number in range(250):
        log.record("sign_in_failed", None, detail=str(number))
    newest = log.entries()
    assert len(newest) == 100 and newest[0].detail == "249"
    older = log.entries(before=newest[-1].id)
    assert older[0].detail == "149"
    assert len(list(log.every_entry(AuditFilter(action="sign_in_failed")))) == 250


def test_the_export_is_csv_that_a_spreadsheet_never_runs(app) -> None:
    admin = admin_client(app)
    post(
        admin,
        "/admin/people/invite",
        {"email": "eve@example.com", "name": '=HYPERLINK("http://evil")', "roles": ["agent"]},
        "/admin/people",
    )
    eve = services(app).users.find_email("eve@example.com")
    services(app).users.set_roles(eve.id, ["agent", "writer"])
    sign_in(app.test_client(), "eve@example.com", "-1+1 is not a password")
    response = admin.get("/admin/audit/export.csv?action=sign_in_failed")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["action"] for r in rows] == ["sign_in_failed"]
    assert rows[0]["target"] == "eve@example.com"
    everything = list(csv.DictReader(io.StringIO(admin.get("/admin/audit/export.csv").text)))
    assert len(everything) == len(services(app).audit.entries())
    assert all(
        not value.startswith(("=", "+", "-", "@")) for r in everything for value in r.values()
    )


def test_only_admins_see_the_log(app) -> None:
    writer = app.test_client()
    writer.post(
        "/writer/login", data={"key": WRITER_KEY, "csrf_token": csrf(writer, "/writer/login")}
    )
    assert writer.get("/admin/audit").headers["Location"].endswith("/admin/login")
    assert writer.get("/admin/audit/export.csv").status_code == 302
