"""Figures that agree: from a known event log, the insights pages' tiles and tables, the CSV
exports and the JSON API give the same numbers (click-through per query included), because
each comes from one function; and the trends add up to the tiles. Runs on SQLite, and on
PostgreSQL under .ci/postgres-tests."""

from __future__ import annotations

import csv
import datetime as dt
import html.parser
import io
import re

import pytest

from kb.analytics.events import ClickEvent, SearchEvent, record_deflection, write_events
from kb.tickets.store import TicketStore
from tests.helpers import ADMIN_KEY, auth

TODAY = dt.datetime.now(dt.UTC).date()
DAY = TODAY.isoformat()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
TWO_DAYS = {"from": YESTERDAY, "to": DAY}


def search(search_id: str, visitor: str, query: str, results: int, day: str = DAY):
    slugs = ("request-a-refund", "cancel-subscription")[: min(results, 2)]
    return SearchEvent(search_id.ljust(32, "0"), visitor, query, "hybrid", results, slugs, 5.0, day)


def click(search_id: str, rank: int, day: str = DAY):
    return ClickEvent(search_id.ljust(32, "0"), "request-a-refund", rank, day)


KNOWN_EVENTS = [
    search("a1", "v1", "refund", 3),
    search("a2", "v2", "refund", 3),
    search("a3", "v3", "refund", 3, YESTERDAY),
    search("b1", "v1", "quokka", 0),
    search("b2", "v2", "quokka", 0),
    # Found nothing once, something (never opened) another time: it is in both lists, each
    # with only its own searches, so the lists add up to the tiles.
    search("c1", "v4", "sync stuck", 0, YESTERDAY),
    search("c2", "v5", "sync stuck", 2),
    search("e1", "v6", "", 1),  # nothing left of the query: counted nowhere
    click("a1", 1),
    click("a1", 2),  # a second result of the same search: still one search with a click
    click("a3", 2, YESTERDAY),
]


@pytest.fixture
def known(client):
    services = client.application.extensions["kb"]
    write_events(services.database, KNOWN_EVENTS)
    record_deflection(services.database, "v1", "request-a-refund", "solved")
    record_deflection(services.database, "v2", "cancel-subscription", "opened")
    TicketStore(services.database).create_from_contact(
        "Ann", "ann@example.com", "Refund please", "I want my money back", ()
    )
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"key": ADMIN_KEY, "csrf_token": csrf})
    return client


class Cells(html.parser.HTMLParser):
    """The text of each table's rows (by table id) and of each tile's number (by tile id)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.tiles: dict[str, str] = {}
        self._table = self._tile = None
        self._cell: list[str] | None = None
        self._in_strong = False
        self.feed(page)

    def handle_starttag(self, tag, attrs) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id"):
            self._table = found["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "div" and (found.get("id") or "").startswith("tile-"):
            self._tile = found["id"][5:]
        elif tag == "strong" and self._tile:
            self._in_strong = True

    def handle_endtag(self, tag) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "strong" and self._in_strong:
            self._in_strong, self._tile = False, None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_strong and self._tile:
            self.tiles[self._tile] = self.tiles.get(self._tile, "") + data.strip()


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f} %"


def api(client, name: str, **params) -> object:
    answer = client.get(
        f"/api/v1/analytics/{name}", query_string={**TWO_DAYS, **params}, headers=auth(ADMIN_KEY)
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()[name]


def export(client, name: str, **params) -> list[dict]:
    answer = client.get(f"/admin/export/{name}.csv", query_string={**TWO_DAYS, **params})
    table = csv.reader(io.StringIO(answer.get_data(as_text=True)), quoting=csv.QUOTE_NONNUMERIC)
    header, *rows = list(table)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_tiles_trends_csv_and_json_give_the_same_numbers(known) -> None:
    summary = api(known, "summary")
    assert {k: summary[k] for k in ("searches", "searches_with_click", "no_result_searches")} == {
        "searches": 7,
        "searches_with_click": 2,
        "no_result_searches": 3,
    }
    assert (summary["click_through_rate"], summary["no_result_rate"]) == (0.286, 0.429)
    assert (summary["deflected"], summary["tickets_created"], summary["deflection_rate"]) == (
        2,
        1,
        0.667,
    )
    page = Cells(known.get("/admin", query_string=TWO_DAYS).get_data(as_text=True))
    assert page.tiles["searches"] == str(summary["searches"])
    assert page.tiles["click_through_rate"] == percent(summary["click_through_rate"])
    assert page.tiles["no_result_rate"] == percent(summary["no_result_rate"])
    assert page.tiles["deflection_rate"] == percent(summary["deflection_rate"])
    assert page.tiles["tickets_created"] == str(summary["tickets_created"])
    (exported,) = export(known, "summary")
    for key in ("searches", "no_result_searches", "click_through_rate", "deflection_rate"):
        assert exported[key] == summary[key]
    # The trends add up to the tiles, and the table beside the charts shows the trend rows.
    trends = api(known, "trends")
    assert [row["day"] for row in trends] == [YESTERDAY, DAY]
    for key in ("searches", "searches_with_click", "no_result_searches", "deflected"):
        assert sum(row[key] for row in trends) == summary[key]
    assert export(known, "trends") == [
        {k: "" if v is None else v for k, v in row.items()} for row in trends
    ]
    table = page.tables["trend-table"][1:]
    assert [[row[0], row[1], row[2], row[3], row[4]] for row in table] == [
        [t["day"], str(t["searches"]), percent(t["click_through_rate"]),
         percent(t["no_result_rate"]), percent(t["deflection_rate"])]
        for t in trends
    ]  # fmt: skip


def test_query_tables_csv_and_json_agree_click_through_included(known) -> None:
    page = Cells(known.get("/admin/searches", query_string=TWO_DAYS).get_data(as_text=True))
    for name in ("top-queries", "no-results", "no-clicks"):
        rows = api(known, name)
        shown = [
            [q["query"], str(q["searches"]), str(q["visitors"]), str(q["searches_with_click"]),
             percent(q["click_through_rate"])]
            for q in rows
        ]  # fmt: skip
        assert page.tables[name][1:] == shown, name
        assert export(known, name) == rows, name
    top = {q["query"]: q for q in api(known, "top-queries")}
    assert (top["refund"]["searches_with_click"], top["refund"]["click_through_rate"]) == (2, 0.667)
    # Every search that found nothing is in the list, and the list adds up to the tile.
    nothing = {q["query"]: q["searches"] for q in api(known, "no-results")}
    assert nothing == {"quokka": 2, "sync stuck": 1}
    assert sum(nothing.values()) == api(known, "summary")["no_result_searches"]
    assert [q["query"] for q in api(known, "no-clicks")] == ["sync stuck"]


def test_weekly_trends_add_the_days_up(known) -> None:
    days = api(known, "trends", by="day")
    weeks = api(known, "trends", by="week")
    assert sum(w["days"] for w in weeks) == len(days)
    assert sum(w["searches"] for w in weeks) == sum(d["searches"] for d in days)
    bad = known.get("/api/v1/analytics/trends?by=month", headers=auth(ADMIN_KEY))
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "by"


# The gap queue: whole, paged, filtered by kind


class FakeDraft:
    def __init__(self, draft_id: str, tickets: int) -> None:
        self.id = draft_id
        self.meta = {"title": f"Draft {draft_id}"}
        self.source_tickets = [f"t{n}" for n in range(tickets)]


def test_every_kind_stays_in_the_queue_however_many_searches_fail(make_database) -> None:
    from kb.analytics.figures import Analytics  # noqa: PLC0415
    from kb.analytics.gaps import gap_queue, page_of  # noqa: PLC0415
    from kb.analytics.periods import DateRange  # noqa: PLC0415

    database = make_database()
    write_events(
        database,
        [search(f"q{n:03d}v{v}", f"v{v}", f"lost query {n}", 0) for n in range(60) for v in (1, 2)],
    )
    database.record_feedback("request-a-refund", False)  # 0 helpful, 2 not helpful: a gap
    database.record_feedback("request-a-refund", False)
    gaps = gap_queue(Analytics(database), DateRange(DAY, DAY), [FakeDraft("group", 1)])
    assert len(gaps) == 62  # nothing cut
    first = page_of(gaps)
    assert first.counts == {"searches": 60, "articles": 1, "tickets": 1, "bot": 0, "all": 62}
    assert (len(first.gaps), first.pages) == (25, 3)
    assert len(page_of(gaps, "all", 3).gaps) == 12
    (unhelpful,) = page_of(gaps, "articles").gaps
    assert (unhelpful.kind, unhelpful.target, unhelpful.affected) == (
        "unhelpful",
        "request-a-refund",
        2,
    )
    assert [g.target for g in page_of(gaps, "tickets").gaps] == ["group"]
    assert page_of(gaps, "bot").gaps == [] and page_of(gaps, "searches", 9).page == 3


def test_the_gap_pages_filter_and_page(known) -> None:
    services = known.application.extensions["kb"]
    write_events(
        services.database,
        [search(f"z{n:03d}", f"w{n}", f"nothing about {n}", 0) for n in range(30)],
    )
    html = known.get("/admin/gaps", query_string={**TWO_DAYS, "kind": "searches"}).get_data(
        as_text=True
    )
    assert "Page 1 of 2 (33 gaps)" in html and 'aria-current="page">Failed searches <' in html
    second = known.get("/admin/gaps", query_string={**TWO_DAYS, "kind": "searches", "page": 2})
    assert "Page 2 of 2" in second.get_data(as_text=True)
    for bad, field in (({"kind": "nonsense"}, "kind"), ({"page": "0"}, "page")):
        answer = known.get("/admin/gaps", query_string={**TWO_DAYS, **bad})
        assert answer.status_code == 400 and field in answer.get_data(as_text=True)


# "Start a draft": the draft on the same topic, or one filled in from the searches


def csrf(client, path: str = "/admin/gaps") -> str:
    page = client.get(path, query_string=TWO_DAYS).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def start(client, query: str):
    return client.post(
        "/admin/gaps/draft",
        query_string=TWO_DAYS,
        data={"query": query, "csrf_token": csrf(client)},
    )


GROUP_DRAFT = """---
title: Camera upload waits for Wi-Fi on Android
status: draft
source_tickets: [BT-1, BT-2]
---
## Issue

- The app says Waiting for Wi-Fi even though I am on Wi-Fi.

## Resolution

1. Set battery use to Unrestricted.
"""


def test_start_a_draft_opens_the_ticket_groups_draft_on_the_same_topic(known, content_dir) -> None:
    (content_dir / "drafts" / "camera-upload.md").write_text(GROUP_DRAFT)
    query = "camera upload waits for wi-fi on android"
    database = known.application.extensions["kb"].database
    write_events(database, [search("cam", "v9", query, 0)])
    page = known.get("/admin/gaps", query_string=TWO_DAYS).get_data(as_text=True)
    row = re.search(
        rf"<tr>\s*<td[^>]*>Nothing found</td>\s*<td[^>]*>{query}</td>.*?</tr>", page, re.S
    )
    assert "opens “Camera upload waits for Wi-Fi on Android”" in row.group(0)
    before = sorted((content_dir / "drafts").glob("*.md"))
    answer = start(known, query)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/writer/drafts/camera-upload")
    assert sorted((content_dir / "drafts").glob("*.md")) == before  # nothing new written
    unrelated = start(known, "quokka")
    assert not unrelated.headers["Location"].endswith("/writer/drafts/camera-upload")


def test_start_a_draft_fills_it_in_from_the_searches_behind_the_gap(known, content_dir) -> None:
    answer = start(known, "sync stuck")
    assert answer.headers["Location"].endswith("/writer/drafts/sync-stuck")
    text = (content_dir / "drafts" / "sync-stuck.md").read_text()
    assert f"searched for “sync stuck” 2 times (2 visitors, {YESTERDAY} to {DAY})" in text
    assert "opened none of the results" in text and "- sync stuck" in text
    # What search showed them: the related articles, whose category the draft takes.
    assert "[Request a refund](request-a-refund.md)" in text and "category: billing" in text
    assert "source_queries:" in text
    again = start(known, "sync stuck")  # the gap's draft now exists: it opens
    assert again.headers["Location"] == answer.headers["Location"]
    assert len(list((content_dir / "drafts").glob("sync-stuck*.md"))) == 1


def test_an_unhelpful_article_opens_a_draft_that_updates_it(known, content_dir) -> None:
    database = known.application.extensions["kb"].database
    database.record_feedback("request-a-refund", False, "did not say how long, call 555 123 4567")
    database.record_feedback("request-a-refund", False)
    html = known.get("/admin/gaps", query_string={**TWO_DAYS, "kind": "articles"})
    assert "Fix in the editor" in html.get_data(as_text=True)
    answer = known.post(
        "/admin/articles/draft",
        query_string=TWO_DAYS,
        data={"slug": "request-a-refund", "csrf_token": csrf(known)},
    )
    assert answer.headers["Location"].endswith("/writer/drafts/update-request-a-refund")
    text = (content_dir / "drafts" / "update-request-a-refund.md").read_text()
    assert "update_of: request-a-refund" in text and "2 not helpful and 0 helpful" in text
    assert "did not say how long" in text and "555" not in text  # scrubbed
    missing = known.post(
        "/admin/articles/draft", data={"slug": "no-such-article", "csrf_token": csrf(known)}
    )
    assert missing.status_code == 404
