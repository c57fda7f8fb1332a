"""Popular searches in autocomplete cannot be planted: who counts as a visitor, the salted address
hashes (never the address), the click and scrubbing rules, and the admins' blocked list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kb.analytics import popular
from kb.analytics.events import SearchEvent, write_events
from kb.analytics.figures import Analytics, DateRange
from kb.analytics.gaps import gap_queue
from kb.analytics.popular import AddressHasher
from tests.helpers import ADMIN_KEY, auth, csrf_token, rows, services, sign_in

PLANTED = "refunds only via wire transfer to our new partner"


def visitor(app, address: str, cookie: bool = True):
    """A browser (or a script) at `address`; with `cookie`, it has been to the help center."""
    browser = app.test_client(use_cookies=cookie)
    browser.environ_base["REMOTE_ADDR"] = address
    if cookie:
        browser.get("/")
        assert browser.get_cookie("kb_visitor") is not None
    return browser


def api_search(browser, query: str) -> str:
    body = browser.get("/api/v1/search", query_string={"q": query}).get_json()
    assert body["total"] > 0  # a query that finds nothing is never suggested anyway
    return body["search_id"]


def open_first_result(browser, search_id: str) -> None:
    response = browser.post(f"/search/click?search={search_id}&rank=1&slug=request-a-refund")
    assert response.status_code == 204


def suggested(app, typed: str = "refund") -> list[str]:
    """The popular searches autocomplete offers once every worker has refreshed its list."""
    services(app).events.flush()
    services(app).popular_queries.invalidate()  # as the refresh interval passing would
    body = app.test_client().get("/api/v1/autocomplete", query_string={"q": typed}).get_json()
    return [s["text"] for s in body["suggestions"] if s["kind"] == "query"]


def genuine_use(app, query: str, visitors: int = 3) -> None:
    """`visitors` people with their own cookie and address search `query`; the first opens a
    result."""
    for n in range(visitors):
        browser = visitor(app, f"198.51.100.{n + 1}")
        search_id = api_search(browser, query)
        if n == 0:
            open_first_result(browser, search_id)


def test_genuine_searches_become_a_suggestion(app) -> None:
    genuine_use(app, "refund for a yearly plan")
    assert suggested(app) == ["refund for a yearly plan"]


def test_searches_without_a_cookie_never_count_as_visitors(app) -> None:
    for n in range(5):
        script = visitor(app, f"203.0.113.{n + 1}", cookie=False)
        open_first_result(script, api_search(script, PLANTED))
    assert suggested(app) == []
    logged = {row[0] for row in rows(app, "SELECT visitor FROM search_log")}
    assert logged == {""}


def test_fresh_cookies_from_one_address_count_once(app) -> None:
    search_ids = [api_search(visitor(app, "203.0.113.9"), PLANTED) for _ in range(3)]
    assert suggested(app) == []  # without a click
    open_first_result(visitor(app, "203.0.113.9"), search_ids[0])
    assert suggested(app) == []  # with one: still a single address


def test_a_suggestion_needs_a_click(app) -> None:
    for n in range(4):
        api_search(visitor(app, f"198.51.100.{n + 1}"), "refund for a yearly plan")
    assert suggested(app) == []
    cookie_less = visitor(app, "198.51.100.9", cookie=False)
    open_first_result(cookie_less, api_search(cookie_less, "refund for a yearly plan"))
    assert suggested(app) == []  # a click on a search no visitor made does not count
    browser = visitor(app, "198.51.100.1")
    open_first_result(browser, api_search(browser, "refund for a yearly plan"))
    assert suggested(app) == ["refund for a yearly plan"]


@pytest.mark.parametrize(
    "query", ["refund for jane.doe@example.com", "refund call me on +1 555 123 4567"]
)
def test_a_query_the_scrubber_changed_is_never_suggested(app, query) -> None:
    genuine_use(app, query, visitors=4)
    assert suggested(app) == []
    (scrubbed,) = {row for row in rows(app, "SELECT query, scrubbed FROM search_log")}
    assert scrubbed[1] == 1 and "jane" not in scrubbed[0] and "555" not in scrubbed[0]


def test_an_admin_blocks_a_suggestion_and_it_goes_at_once(app, client) -> None:
    genuine_use(app, "Refund for a yearly plan")
    assert suggested(app) == ["refund for a yearly plan"]
    blocked = client.post(
        "/api/v1/analytics/blocked-queries",
        json={"query": "  REFUND for a yearly plan "},
        headers=auth(ADMIN_KEY),
    )
    assert blocked.status_code == 201 and blocked.get_json()["query"] == "refund for a yearly plan"
    # no refresh needed on this worker: the block drops it from the list in memory
    body = client.get("/api/v1/autocomplete?q=refund").get_json()
    assert [s for s in body["suggestions"] if s["kind"] == "query"] == []
    listed = client.get("/api/v1/analytics/blocked-queries", headers=auth(ADMIN_KEY)).get_json()
    assert [(b["query"], b["blocked_by"]) for b in listed["blocked_queries"]] == [
        ("refund for a yearly plan", "operator key")
    ]
    removed = client.delete(
        "/api/v1/analytics/blocked-queries",
        query_string={"query": "refund for a yearly plan"},
        headers=auth(ADMIN_KEY),
    )
    assert removed.status_code == 204
    assert suggested(app) == ["refund for a yearly plan"]


def test_other_workers_drop_a_blocked_suggestion_when_they_refresh(app) -> None:
    genuine_use(app, "refund for a yearly plan")
    services(app).events.flush()
    other_worker = popular.PopularQueries(services(app).database, refresh_seconds=0)
    assert other_worker.complete("refund", 3) == ["refund for a yearly plan"]
    services(app).popular_queries.block("refund for a yearly plan", "admin")
    assert other_worker.complete("refund", 3) == []


@pytest.mark.parametrize(
    "method, payload, status",
    [
        ("post", {}, 400),
        ("post", {"query": "   "}, 400),
        ("post", {"query": 42}, 400),
        ("post", {"query": "x" * 201}, 400),
        ("delete", {}, 400),
        ("delete", {"query": "never blocked"}, 404),
    ],
)
def test_bad_block_requests_name_the_field(client, method, payload, status) -> None:
    if method == "post":
        response = client.post(
            "/api/v1/analytics/blocked-queries", json=payload, headers=auth(ADMIN_KEY)
        )
    else:
        response = client.delete(
            "/api/v1/analytics/blocked-queries", query_string=payload, headers=auth(ADMIN_KEY)
        )
    assert response.status_code == status
    if status == 400:
        assert response.get_json()["error"]["field"] == "query"


def test_blocked_queries_are_for_admins_only(client) -> None:
    url = "/api/v1/analytics/blocked-queries"
    assert client.get(url).status_code == 401
    assert client.post(url, json={"query": "refund"}).status_code == 401
    assert client.delete(url, query_string={"query": "refund"}).status_code == 401


def test_the_dashboard_lists_suggestions_and_blocks_and_unblocks_them(app, client) -> None:
    genuine_use(app, "refund for a yearly plan")
    suggested(app)
    sign_in(client, "admin")
    html = client.get("/admin/searches").get_data(as_text=True)
    section = re.search(r'<section id="autocomplete".*?</section>', html, re.S).group(0)
    assert "refund for a yearly plan" in section and "Block" in section
    form = {"query": "refund for a yearly plan"}
    assert client.post("/admin/blocked-queries", data=form).status_code == 400  # no CSRF token
    response = client.post(
        "/admin/blocked-queries", data={**form, "csrf_token": csrf_token(client, "/admin")}
    )
    assert response.status_code == 302
    shown = client.get("/api/v1/autocomplete?q=refund").get_json()["suggestions"]
    assert [s for s in shown if s["kind"] == "query"] == []
    html = client.get("/admin/searches").get_data(as_text=True)
    section = re.search(r'<section id="autocomplete".*?</section>', html, re.S).group(0)
    assert "Unblock" in section and "refund for a yearly plan" in section
    client.post(
        "/admin/blocked-queries/unblock",
        data={**form, "csrf_token": csrf_token(client, "/admin")},
    )
    assert suggested(app) == ["refund for a yearly plan"]


# The address is never stored: a salted hash, with a salt that changes every day


def test_only_a_salted_hash_of_the_address_is_stored(app) -> None:
    browser = visitor(app, "192.0.2.77")
    api_search(browser, "refund")
    ((address, visitor_cookie),) = rows(app, "SELECT address, visitor FROM search_log")
    assert visitor_cookie == browser.get_cookie("kb_visitor").value
    assert re.fullmatch(r"[0-9a-f]{32}", address)
    stored = " ".join(str(value) for row in rows(app, "SELECT * FROM search_log") for value in row)
    assert "192.0.2.77" not in stored
    hasher = services(app).addresses
    assert hasher.hash("192.0.2.77") == address != hasher.hash("192.0.2.78")


def test_the_salt_changes_every_day_and_old_salts_are_deleted(make_database, monkeypatch) -> None:
    database = make_database()
    day = dt.date(2026, 11, 20)
    monkeypatch.setattr(popular, "today", lambda: day.isoformat())
    hasher = AddressHasher(database)
    first = hasher.hash("192.0.2.77")
    assert AddressHasher(database).hash("192.0.2.77") == first  # every worker, every node
    hashes = [first]
    for later in (1, 2, 3):
        day = dt.date(2026, 11, 20) + dt.timedelta(days=later)
        hashes.append(hasher.hash("192.0.2.77"))
    assert len(set(hashes)) == 4
    with database.connect() as connection:
        kept = [row[0] for row in connection.execute("SELECT day FROM address_salts ORDER BY day")]
    assert kept == ["2026-11-22", "2026-11-23"]  # yesterday's and today's
    assert hasher.hash("") == ""  # no address, no hash


def test_the_dashboard_counts_cookie_less_searches_but_not_as_visitors(make_database) -> None:
    database = make_database()
    day = dt.date.today().isoformat()
    write_events(
        database,
        [SearchEvent(f"{n:032d}", "", "quokka", "hybrid", 0, (), 1.0, day) for n in range(5)]
        + [SearchEvent(f"{9:032d}", "v1", "quokka", "hybrid", 0, (), 1.0, day)],
    )
    analytics = Analytics(database)
    (row,) = analytics.no_result_queries(DateRange(day, day))
    assert (row["searches"], row["visitors"]) == (6, 1)
    (gap,) = gap_queue(analytics, DateRange(day, day))
    assert gap.affected == 1


def test_searching_works_when_the_salt_cannot_be_read(app, monkeypatch, caplog) -> None:
    def broken(self, day):
        raise sa.exc.OperationalError("SELECT salt", {}, Exception("database is down"))

    monkeypatch.setattr(AddressHasher, "_salt_of", broken)
    assert visitor(app, "192.0.2.5").get("/search?q=refund").status_code == 200
    assert rows(app, "SELECT address FROM search_log") == [("",)]
    assert "no address salt" in caplog.text
