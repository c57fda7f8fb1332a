"""Deflection on the contact form, search and click logging, the figures, the gap queue, the
dashboard's access and exports, retention."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import threading
import time
import types

import limits.storage.memory
import numpy as np
import pytest
import sqlalchemy as sa

from kb.analytics import events
from kb.analytics.events import (
    ClickEvent,
    EventRecorder,
    SearchEvent,
    normalise_query,
    prune,
    record_deflection,
    write_events,
)
from kb.analytics.figures import Analytics, DateRange
from kb.analytics.gaps import gap_queue
from kb.assist.suggestion_log import SuggestionLog
from kb.search import answers
from tests.helpers import (
    ADMIN_KEY,
    AGENT_KEY,
    app_config,
    auth,
    csrf_token,
    rows,
    services,
    sign_in,
)
from web import admin, create_app

ANSWER_THRESHOLD = answers.ANSWER_CONFIDENCE  # before any test patches it
TODAY = dt.date.today()
DAY = TODAY.isoformat()
DAY_30_AGO = (TODAY - dt.timedelta(days=29)).isoformat()  # the dashboard's default period


def token(client) -> str:
    """The contact form's CSRF token."""
    return csrf_token(client, "/contact")


GOOD = {
    "name": "Jane Doe",
    "email": "jane@example.com",
    "subject": "I want my money back",
    "description": "I was charged for a yearly plan yesterday and want a refund please.",
}


# Contact form and deflection


def test_every_invalid_field_gets_its_own_error_and_nothing_typed_is_lost(client) -> None:
    form = {"name": "", "email": "jane-at-example", "subject": "hm", "description": "short"}
    response = client.post("/contact", data={**form, "csrf_token": token(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("name", "email", "subject", "description"):
        assert f'id="{field}-error"' in html and f'aria-describedby="{field}-error"' in html
    assert 'value="jane-at-example"' in html and ">short</textarea>" in html
    assert rows(client.application, "SELECT COUNT(*) FROM tickets")[0][0] == 0


def test_over_long_fields_are_refused_with_their_length(client) -> None:
    form = {**GOOD, "subject": "x" * 201}
    html = client.post("/contact", data={**form, "csrf_token": token(client)}).get_data(
        as_text=True
    )
    assert "under 200 characters (201 now)" in html


def test_without_script_the_answers_are_shown_once_before_the_ticket_is_sent(client) -> None:
    first = client.post("/contact", data={**GOOD, "csrf_token": token(client)})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "/articles/request-a-refund?from=contact" in html
    assert 'name="confirm" value="1"' in html and "Send anyway" in html
    assert rows(client.application, "SELECT COUNT(*) FROM tickets")[0][0] == 0
    shown = re.search(r'name="shown" id="shown" value="([^"]*)"', html).group(1)
    sent = client.post(
        "/contact",
        data={**GOOD, "csrf_token": token(client), "confirm": "1", "shown": shown},
    )
    assert "we've got your message" in sent.get_data(as_text=True)
    (ticket,) = rows(
        client.application,
        "SELECT status, channel, subject, requester, shown_articles FROM tickets",
    )
    assert ticket[:3] == ("new", "web-form", GOOD["subject"])
    assert json.loads(ticket[3]) == {"name": "Jane Doe", "email": "jane@example.com"}
    assert "request-a-refund" in json.loads(ticket[4])


def test_shown_articles_keep_only_public_ones(client) -> None:
    shown = "request-a-refund,refund-approval-rules,no-such-article,unreleased-feature"
    client.post("/contact", data={**GOOD, "csrf_token": token(client), "shown": shown})
    (recorded,) = rows(client.application, "SELECT shown_articles FROM tickets")[0]
    assert json.loads(recorded) == ["request-a-refund"]


def test_the_bot_trap_keeps_spam_out(client) -> None:
    response = client.post(
        "/contact", data={**GOOD, "csrf_token": token(client), "website": "http://spam.example"}
    )
    assert response.status_code == 200 and "got your message" in response.get_data(as_text=True)
    assert rows(client.application, "SELECT COUNT(*) FROM tickets")[0][0] == 0


def test_the_form_needs_its_csrf_token(client) -> None:
    assert client.post("/contact", data=GOOD).status_code == 400
    assert rows(client.application, "SELECT COUNT(*) FROM tickets")[0][0] == 0


def test_sending_is_rate_limited_per_client(client) -> None:
    statuses = [
        client.post("/contact", data={**GOOD, "csrf_token": token(client)}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    limited = client.post("/contact", data={**GOOD, "csrf_token": token(client)})
    html = limited.get_data(as_text=True)
    assert "wait a little" in html and GOOD["description"] in html  # nothing typed is lost
    assert client.get("/contact").status_code == 200  # reading the page is not limited
    other = {"REMOTE_ADDR": "198.51.100.7"}  # another client may still send
    form = {**GOOD, "csrf_token": token(client)}
    assert client.post("/contact", data=form, environ_base=other).status_code == 200


def test_one_client_may_send_thirty_messages_an_hour(client, monkeypatch) -> None:
    """Five a minute, but not for long: the sixth minute's messages wait for the hour."""
    clock = types.SimpleNamespace(now=time.time())
    monkeypatch.setattr(
        limits.storage.memory, "time", types.SimpleNamespace(time=lambda: clock.now)
    )

    def minute_of_messages() -> list[int]:
        statuses = [
            client.post("/contact", data={**GOOD, "csrf_token": token(client)}).status_code
            for _ in range(5)
        ]
        clock.now += 61
        return statuses

    assert [minute_of_messages() for _ in range(6)] == [[200] * 5] * 6
    assert minute_of_messages() == [429] * 5
    clock.now += 3600 - 7 * 61 + 1  # just over an hour after the first minute
    assert minute_of_messages() == [200] * 5


def test_this_answers_my_question_needs_the_forms_csrf_token(client) -> None:
    response = client.post("/contact/solved", data={"slug": "request-a-refund"})
    assert response.status_code == 400
    assert rows(client.application, "SELECT COUNT(*) FROM deflections") == [(0,)]


def test_solved_and_opened_articles_count_as_deflections_until_a_ticket_is_sent(client) -> None:
    solved = client.post(
        "/contact/solved", data={"slug": "request-a-refund", "csrf_token": token(client)}
    )
    assert "Glad that helped" in solved.get_data(as_text=True)
    client.get("/articles/cancel-subscription?from=contact")
    client.get("/articles/cancel-subscription")  # not from the form: no deflection
    app = client.application
    assert rows(app, "SELECT how, slug, cancelled FROM deflections ORDER BY id") == [
        ("solved", "request-a-refund", 0),
        ("opened", "cancel-subscription", 0),
    ]
    assert Analytics(services(app).database).deflection(DateRange(DAY, DAY))["deflected"] == 2
    client.post("/contact", data={**GOOD, "csrf_token": token(client), "shown": "request-a-refund"})
    figures = Analytics(services(app).database).deflection(DateRange(DAY, DAY))
    assert figures == {
        "deflected": 1,
        "solved_by_article": 1,
        "left_after_reading": 0,
        "tickets_created": 1,
        "deflection_rate": 0.5,
    }
    internal = client.post(
        "/contact/solved", data={"slug": "refund-approval-rules", "csrf_token": token(client)}
    )
    assert internal.status_code == 404


# Search and click logging


def test_searches_are_logged_without_personal_data(client) -> None:
    client.get("/")  # a visitor's first page gives them the cookie their searches carry
    client.get("/search?q=Refund+for+jane.doe@example.com+please")
    client.get("/search?q=Refund+for+jane.doe@example.com+please&page=2")  # paging: not again
    app = client.application
    logged = rows(app, "SELECT * FROM search_log")
    assert len(logged) == 1
    inspector = sa.inspect(services(app).database.engine)
    columns = [column["name"] for column in inspector.get_columns("search_log")]
    entry = dict(zip(columns, logged[0], strict=True))
    assert "jane" not in entry["query"] and "example.com" not in entry["query"]
    assert entry["query"].startswith("refund for") and entry["results"] >= 1
    assert "request-a-refund" in json.loads(entry["slugs"])
    assert re.fullmatch(r"[0-9a-f]{32}", entry["visitor"]) and entry["scrubbed"] == 1
    assert not any("ip" in c or "agent" in c for c in columns)
    # the address is kept only as a salted hash (tests/test_popular.py)
    assert re.fullmatch(r"[0-9a-f]{32}", entry["address"])
    assert "127.0.0.1" not in " ".join(str(value) for value in logged[0])
    # the visitor id is the browser's anonymous cookie
    assert client.get_cookie("kb_visitor").value == entry["visitor"]


def test_result_links_stay_deep_links_and_ping_a_click(client) -> None:
    html = client.get("/search?q=refund").get_data(as_text=True)
    link = re.search(r'href="(/articles/request-a-refund#[^"]+)" ping="([^"]+)"', html)
    assert link, "result links go to the section and carry a ping"
    ping = link.group(2).replace("&amp;", "&")
    assert client.post(ping).status_code == 204
    app = client.application
    ((search_id,),) = rows(app, "SELECT id FROM search_log")
    assert rows(app, "SELECT search_id, slug, rank FROM click_log") == [
        (search_id, "request-a-refund", int(re.search(r"rank=(\d+)", ping).group(1)))
    ]


@pytest.mark.parametrize(
    "query, status",
    [
        ("search=nope&rank=1&slug=request-a-refund", 400),
        ("search=" + "a" * 32 + "&rank=0&slug=request-a-refund", 400),
        ("search=" + "a" * 32 + "&rank=1&slug=refund-approval-rules", 404),
    ],
)
def test_bad_click_reports_are_refused(client, query, status) -> None:
    assert client.post(f"/search/click?{query}").status_code == status
    assert rows(client.application, "SELECT COUNT(*) FROM click_log")[0][0] == 0


def test_instant_answer_shows_the_section_when_confident(client, monkeypatch) -> None:
    sure, unsure = "Refunds take 5-10 business days to reach your bank", "refund policy"
    html = client.get("/search", query_string={"q": sure}).get_data(as_text=True)
    answer = re.search(r'<section class="instant-answer".*?</section>', html, re.S).group(0)
    assert "Was this helpful?" in answer and "<p>Refunds take 5-10 business days" in answer
    html = client.get("/search", query_string={"q": unsure}).get_data(as_text=True)
    assert "instant-answer" not in html and "/articles/request-a-refund#" in html
    # why: the real threshold lies between the two searches' answer confidences
    engine = services(client.application).engine
    sure_answer = engine.search(sure).answer
    assert sure_answer is not None and sure_answer.confidence >= answers.ANSWER_CONFIDENCE
    monkeypatch.setattr(answers, "ANSWER_CONFIDENCE", 0.0)  # to read the one not shown
    unsure_answer = engine.search(unsure).answer
    assert unsure_answer is not None
    assert unsure_answer.confidence < ANSWER_THRESHOLD


def test_the_recorder_loses_no_events_from_many_threads(make_database) -> None:
    database = make_database()
    recorder = EventRecorder(database)

    def search_many(worker: int) -> None:
        for n in range(250):
            recorder.record(
                SearchEvent(f"{worker:04d}{n:028d}", "v", "q", "hybrid", 1, ("a",), 1.0)
            )

    threads = [threading.Thread(target=search_many, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorder.flush()
    with database.connect() as connection:
        assert connection.execute("SELECT COUNT(*) FROM search_log").fetchone()[0] == 2000


# Figures from known events


def search(search_id: str, visitor: str, query: str, results: int, day: str = DAY):
    return SearchEvent(search_id.ljust(32, "0"), visitor, query, "hybrid", results, (), 5.0, day)


def click(search_id: str, rank: int, day: str = DAY):
    return ClickEvent(search_id.ljust(32, "0"), "request-a-refund", rank, day)


@pytest.fixture
def known(make_database) -> Analytics:
    database = make_database()
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    write_events(
        database,
        [
            search("a1", "v1", "refund", 3),
            search("a2", "v2", "refund", 3),
            search("a3", "v3", "refund", 3, yesterday),
            search("b1", "v1", "quokka", 0),
            search("b2", "v2", "quokka", 0),
            search("b3", "v2", "quokka", 0),
            search("c1", "v4", "invoice vat", 2),
            click("a1", 1),
            click("a1", 3),
            click("a2", 2, yesterday),
        ],
    )
    database.record_feedback("request-a-refund", False, "did not say how long it takes")
    database.record_feedback("request-a-refund", False)
    database.record_feedback("request-a-refund", True)
    database.record_feedback("cancel-subscription", True)
    database.record_view("request-a-refund")
    return Analytics(database)


def test_figures_are_computed_from_the_events(known) -> None:
    today = DateRange(DAY, DAY)
    two_days = DateRange.last(2)
    assert [d["searches"] for d in known.searches_per_day(two_days)] == [1, 6]
    top = known.top_queries(two_days)
    assert [(q["query"], q["searches"], q["visitors"]) for q in top] == [
        ("refund", 3, 3),
        ("quokka", 3, 2),
        ("invoice vat", 1, 1),
    ]
    assert top[0]["searches_with_click"] == 2 and top[0]["click_through_rate"] == 0.667
    assert [q["query"] for q in known.no_result_queries(today)] == ["quokka"]
    assert [q["query"] for q in known.no_click_queries(today)] == ["invoice vat"]
    clicks = known.clicks(today)
    assert clicks == {
        "searches": 6,
        "searches_with_click": 2,
        "click_through_rate": 0.333,
        "clicks": 2,
        "mean_click_rank": 2.0,
    }
    feedback = known.feedback(today)
    assert feedback[0]["slug"] == "request-a-refund"
    assert (feedback[0]["helpful"], feedback[0]["not_helpful"]) == (1, 2)
    assert feedback[0]["comments"] == [
        {"helpful": False, "comment": "did not say how long it takes"}
    ]
    assert known.article_views(today) == [{"slug": "request-a-refund", "views": 1}]
    assert known.summary(today)["no_result_searches"] == 3


def test_agent_link_rate_and_reuse_per_article(known) -> None:
    log = SuggestionLog(known.database)
    log.record_request(
        "r1", None, "service", "billing", ["request-a-refund", "cancel-subscription"]
    )
    log.record_request("r2", None, "service", "billing", ["request-a-refund"])
    log.record_feedback("r1", "request-a-refund", "linked")
    log.record_feedback("r2", "request-a-refund", "linked")
    log.record_feedback("r2", "request-a-refund", "helpful")
    log.record_feedback("r1", "cancel-subscription", "not_helpful")
    agents = {a["slug"]: a for a in known.agent_articles(DateRange(DAY, DAY))}
    assert agents["request-a-refund"] == {
        "slug": "request-a-refund",
        "suggested": 2,
        "linked": 2,
        "link_rate": 1.0,
        "helpful": 1,
        "not_helpful": 0,
    }
    assert agents["cancel-subscription"]["link_rate"] == 0.0
    assert agents["cancel-subscription"]["not_helpful"] == 1


class FakeDraft:
    def __init__(self, draft_id: str, tickets: int) -> None:
        self.id = draft_id
        self.meta = {"title": f"Draft {draft_id}"}
        self.source_tickets = [f"t{n}" for n in range(tickets)]


def test_the_gap_queue_ranks_every_kind_by_customers_affected(known) -> None:
    gaps = gap_queue(known, DateRange(DAY, DAY), [FakeDraft("big", 5), FakeDraft("small", 1)])
    assert [(g.kind, g.target, g.affected) for g in gaps] == [
        ("tickets", "big", 5),
        ("no_results", "quokka", 2),
        ("unhelpful", "request-a-refund", 2),
        ("tickets", "small", 1),
        ("no_clicks", "invoice vat", 1),
    ]


def test_old_events_are_pruned_after_the_retention_period(make_database) -> None:
    database = make_database()
    old = (TODAY - dt.timedelta(days=91)).isoformat()
    recent = (TODAY - dt.timedelta(days=89)).isoformat()
    write_events(
        database,
        [search("old", "v", "x", 1, old), search("new", "v", "y", 1, recent), click("old", 1, old)],
    )
    with database.connect() as connection:
        connection.executemany(
            "INSERT INTO deflections (visitor, slug, how, created_at, day) VALUES (?, ?, ?, ?, ?)",
            [("v", "old-read", "opened", old, old), ("v", "new-read", "solved", recent, recent)],
        )
    assert prune(database, 0) == 0  # 0 keeps everything
    assert prune(database, 90) == 3
    with database.connect() as connection:
        assert connection.execute("SELECT query FROM search_log").fetchall() == [("y",)]
        assert connection.execute("SELECT COUNT(*) FROM click_log").fetchone() == (0,)
        assert connection.execute("SELECT slug FROM deflections").fetchall() == [("new-read",)]


def test_the_recorder_prunes_on_its_first_write_of_each_day(make_database, monkeypatch) -> None:
    """A worker runs for weeks: it prunes each day, not only the day it started."""
    database = make_database()
    recorder = EventRecorder(database, retention_days=30)
    old = (TODAY - dt.timedelta(days=31)).isoformat()
    day = {"today": "2026-12-01"}
    monkeypatch.setattr(events, "today", lambda: day["today"])

    def queries_after_recording(search_id: str) -> list[str]:
        recorder.record(search(search_id, "v", search_id, 1))
        recorder.flush()
        with database.connect() as connection:
            return sorted(q for (q,) in connection.execute("SELECT query FROM search_log"))

    write_events(database, [search("old1", "v", "old1", 1, old)])
    assert queries_after_recording("first") == ["first"]
    write_events(database, [search("old2", "v", "old2", 1, old)])
    day["today"] = "2026-12-02"
    assert queries_after_recording("second") == ["first", "second"]


def test_queries_are_normalised() -> None:
    assert normalise_query("  How do I   CANCEL?? ") == "how do i cancel"
    assert "555" not in normalise_query("call me on +1 555 123 4567")


# The dashboard


def test_dashboard_is_for_admins_only(client) -> None:
    assert client.get("/admin").headers["Location"].endswith("/admin/login")
    sign_in(client, "admin", AGENT_KEY, status=401)
    assert client.get("/api/v1/analytics/summary").status_code == 401
    assert client.get("/api/v1/analytics/summary", headers=auth(AGENT_KEY)).status_code == 403
    sign_in(client, "admin")
    assert client.get("/admin").status_code == 200


def test_dashboard_figures_csv_and_json_agree(client) -> None:
    for query in ("refund", "refund", "zzqqx"):
        client.get(f"/search?q={query}")
    services(client.application).events.flush()
    sign_in(client, "admin")
    assert '<figure class="trend"' in client.get("/admin").get_data(as_text=True)
    html = client.get("/admin/gaps").get_data(as_text=True)
    assert "zzqqx" in html and "Start a draft" in html
    exported = client.get("/admin/export/top-queries.csv")
    assert exported.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert table[0]["query"] == "refund" and table[0]["searches"] == "2"
    api = client.get("/api/v1/analytics/no-results", headers=auth(ADMIN_KEY)).get_json()
    assert [q["query"] for q in api["no-results"]] == ["zzqqx"]
    bad = client.get("/api/v1/analytics/summary?from=yesterday", headers=auth(ADMIN_KEY))
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "from"


# What a spreadsheet would run as a formula (OWASP's list), each at the start of customer text.
FORMULA_STARTS = ["=1+1", "+1+1", "-1+1", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def test_exports_neutralise_customer_text_a_spreadsheet_would_run(client, content_dir) -> None:
    database = services(client.application).database
    events = []
    for n, text in enumerate(FORMULA_STARTS):
        events.append(search(f"f{n}", f"v{n}", text, 0))  # no results: a gap
        events.append(search(f"g{n}", f"v{n}", f"{text} sync", 2))  # never opened: a gap
        database.record_feedback("request-a-refund", False, text)
    write_events(database, events)
    drafts = content_dir / "drafts"
    (drafts / "formula.md").write_text(
        '---\ntitle: "=HYPERLINK(1)"\nstatus: draft\nsource_tickets: [t1]\n---\nBody\n'
    )
    sign_in(client, "admin")

    def export(name: str) -> list[list]:
        text = client.get(f"/admin/export/{name}.csv").get_data(as_text=True)
        # QUOTE_NONNUMERIC: quoted cells come back as text, unquoted ones as numbers
        return list(csv.reader(io.StringIO(text), quoting=csv.QUOTE_NONNUMERIC))

    header, *table = export("top-queries")
    queries = {row[header.index("query")]: row for row in table}
    assert set(queries) == {"'" + t for t in FORMULA_STARTS} | {
        f"'{t} sync" for t in FORMULA_STARTS
    }
    assert all(row[header.index("searches")] == 1.0 for row in table)  # numbers stay numbers
    header, *table = export("no-clicks")
    assert sorted(row[header.index("query")] for row in table) == sorted(
        f"'{t} sync" for t in FORMULA_STARTS
    )
    header, *table = export("feedback")
    (comments,) = [row[header.index("comments")] for row in table]
    assert comments.startswith("'=1+1 | ")
    assert table[0][header.index("not_helpful")] == len(FORMULA_STARTS)
    header, *table = export("gaps")
    titles = {row[header.index("title")] for row in table}
    assert "'=HYPERLINK(1)" in titles and {"'" + t for t in FORMULA_STARTS} <= titles
    for row in table:
        for cell in row:
            assert not isinstance(cell, str) or not cell or cell[0] not in "=+-@\t\r"


def exported_cell(value) -> float | str:
    """What a figure's value reads as in its CSV (numbers unquoted, lists of comments joined)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list):
        return " | ".join(v["comment"] if isinstance(v, dict) else str(v) for v in value)
    return "" if value is None else str(value)


def rows_for_content_health_and_support(client, name: str) -> None:
    """What the insights' other figures count: enough votes to rate an article, a query searched
    three times whose top result nobody opens, a solved ticket, and (for broken-links only, as
    it rebuilds the index) an article linking to a file that is not there."""
    database = services(client.application).database
    for _ in range(4):
        database.record_feedback("request-a-refund", False, None)
    shown = ("request-a-refund", "cancel-subscription")
    write_events(
        database,
        [
            dataclasses.replace(search(f"v{n}", f"w{n}", "vat on invoices", 2), slugs=shown)
            for n in range(3)
        ],
    )
    messages = [
        {"author": "customer", "body": "DBX-301", "created_at": f"{DAY}T08:00:00Z"},
        {"author": "agent", "body": "done", "created_at": f"{DAY}T09:00:00Z"},
    ]
    with database.connect() as connection:
        connection.execute(
            "INSERT INTO tickets (id, subject, status, created_at, messages, linked_articles,"
            " brand, tags, channel, imported_at, updated_at) VALUES ('t1', 's', 'solved', ?, ?,"
            " '[]', 'Billing', '[]', 'email', 'x', 'x')",
            (f"{DAY}T08:00:00Z", json.dumps(messages)),
        )
    if name == "broken-links":
        app_services = services(client.application)
        content = app_services.settings.content_dir
        (content / "billing" / "cancel-subscription.md").write_text(
            "---\ntitle: Cancel\n---\nSee [gone](missing.md).\n"
        )
        from indexer import build_from_settings  # noqa: PLC0415 - only this figure needs it

        build_from_settings(app_services.settings, app_services.engine.embedder)


@pytest.mark.parametrize("name", admin.FIGURES)
def test_every_figure_exports_as_csv_with_the_apis_rows(client, name) -> None:
    database = services(client.application).database
    write_events(database, [search("a1", "v1", "refund", 3), search("b1", "v2", "quokka", 0),
                            search("c1", "v3", "invoice vat", 2), click("a1", 2)])  # fmt: skip
    database.record_feedback("request-a-refund", False, "did not say how long")
    database.record_view("request-a-refund")
    record_deflection(database, "v1", "request-a-refund", "solved")
    log = SuggestionLog(database)
    log.record_request("r1", np.ones(4, np.float32), "service", "billing", ["request-a-refund"])
    log.record_feedback("r1", "request-a-refund", "linked")
    rows_for_content_health_and_support(client, name)
    figure = client.get(f"/api/v1/analytics/{name}", headers=auth(ADMIN_KEY)).get_json()[name]
    expected = figure if isinstance(figure, list) else [figure]
    assert expected, "each figure has rows to export here"
    sign_in(client, "admin")
    response = client.get(f"/admin/export/{name}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="{name}-{DAY_30_AGO}-{DAY}.csv"' in response.headers["Content-Disposition"]
    text = io.StringIO(response.get_data(as_text=True))
    header, *table = csv.reader(text, quoting=csv.QUOTE_NONNUMERIC)
    assert header == list(expected[0])
    assert table == [[exported_cell(row[column]) for column in header] for row in expected]


def test_an_unknown_export_is_a_400_page_naming_it(client) -> None:
    sign_in(client, "admin")
    response = client.get("/admin/export/nonsense.csv")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "unknown figure &#39;nonsense&#39;" in response.get_data(as_text=True)


def test_a_failed_search_becomes_a_draft_in_one_click(client, content_dir) -> None:
    sign_in(client, "admin")
    response = client.post(
        "/admin/gaps/draft", data={"query": "quokka mode", "csrf_token": token(client)}
    )
    assert (
        response.status_code == 302 and "/writer/drafts/quokka-mode" in response.headers["Location"]
    )
    text = (content_dir / "drafts" / "quokka-mode.md").read_text()
    assert "title: Quokka mode" in text and "## Resolution" in text and "status: draft" in text


def test_analytics_can_be_switched_off(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    app = create_app(app_config(content_dir, data_dir, embedder, database_url, ANALYTICS="off"))
    assert app.test_client().get("/search?q=refund").status_code == 200
    assert rows(app, "SELECT COUNT(*) FROM search_log")[0][0] == 0


def test_retention_setting_reaches_the_recorder(
    built, content_dir, data_dir, embedder, database_url
) -> None:
    config = app_config(content_dir, data_dir, embedder, database_url, ANALYTICS_RETENTION_DAYS="7")
    app = create_app(config)
    days_ago = {n: (TODAY - dt.timedelta(days=n)).isoformat() for n in (6, 8)}
    write_events(services(app).database, [search(f"d{n}", "v", f"{n} days", 1, day)
                                          for n, day in days_ago.items()])  # fmt: skip
    assert app.test_client().get("/search?q=refund").status_code == 200  # the recorder writes
    assert sorted(q for (q,) in rows(app, "SELECT query FROM search_log")) == ["6 days", "refund"]


def test_autocomplete_offers_queries_many_visitors_searched_and_found(client) -> None:
    app = client.application

    def searches(prefix: str, query: str, results: int, visitors: int) -> list:
        return [
            dataclasses.replace(
                search(f"{prefix}{n}", f"visitor{n}", query, results), address=f"address{n}"
            )
            for n in range(visitors)
        ] + [click(f"{prefix}0", 1)]

    events = searches("p", "refund for a yearly plan", 2, visitors=3)
    events += searches("q", "refund zzz", 0, visitors=5)  # found nothing
    events += searches("r", "refund to my own card", 1, visitors=2)
    write_events(services(app).database, events)
    body = client.get("/api/v1/autocomplete?q=Refund").get_json()
    queries = [s["text"] for s in body["suggestions"] if s["kind"] == "query"]
    assert queries == ["refund for a yearly plan"]
    assert body["suggestions"][0]["kind"] in ("article", "section")  # titles and headings first
    (popular,) = [s for s in body["suggestions"] if s["kind"] == "query"]
    assert popular["url"] == "/search?q=refund+for+a+yearly+plan"


def test_api_searches_are_recorded_unless_typed_ahead(client) -> None:
    recorded = client.get("/api/v1/search?q=refund").get_json()
    assert re.fullmatch(r"[0-9a-f]{32}", recorded["search_id"])
    assert client.get("/api/v1/search?q=refu&log=0").get_json()["search_id"] is None
    assert client.get("/api/v1/search?q=refund&offset=1").get_json()["search_id"] is None
    assert rows(client.application, "SELECT id, query FROM search_log") == [
        (recorded["search_id"], "refund")
    ]


@pytest.mark.parametrize("query", ["", "   ", "x" * 201])
def test_a_draft_needs_a_query_of_sensible_length(client, content_dir, query) -> None:
    sign_in(client, "admin")
    before = sorted((content_dir / "drafts").glob("*.md"))
    response = client.post("/admin/gaps/draft", data={"query": query, "csrf_token": token(client)})
    assert response.status_code == 400
    assert sorted((content_dir / "drafts").glob("*.md")) == before


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/analytics/nonsense", "figure"),
        ("/api/v1/analytics/summary?from=2026-11-20&to=2026-11-01", "from"),
        ("/api/v1/analytics/summary?from=2020-01-01&to=2026-11-01", "from"),
    ],
)
def test_bad_analytics_requests_name_the_field(client, url, field) -> None:
    response = client.get(url, headers=auth(ADMIN_KEY))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == field
