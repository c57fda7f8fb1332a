"""Content health from known articles and events: stale articles, the least helpful ones with
enough votes, unread ones, broken links and anchors, and queries whose top result nobody
opens; and the insights page links each row to the writer's editor."""

from __future__ import annotations

import re

from kb.analytics import health
from kb.analytics.events import ClickEvent, SearchEvent, write_events
from kb.analytics.periods import DateRange
from kb.content.front_matter import parse_article
from tests.helpers import ADMIN_KEY

DAY = "2026-11-30"
PERIOD = DateRange("2026-11-24", DAY)


def article(slug: str, body: str = "Text.\n\n## Steps\n\nDo it.\n", **meta: str):
    header = "".join(f"{key}: {value}\n" for key, value in {"title": slug, **meta}.items())
    return parse_article(f"---\n{header}---\n{body}", f"billing/{slug}.md")


ARTICLES = {
    a.slug: a
    for a in (
        article("fresh", updated="2026-11-01"),
        article("old", updated="2025-01-10"),
        article("older", updated="2024-06-01"),
        article("undated"),
        article("unpublished", updated="2020-01-01", status="draft"),
        article(
            "linking",
            "See [ok](fresh.md), [gone](missing.md), [bad anchor](fresh.md#nowhere), "
            "[good anchor](fresh.md#steps), [own](#steps), [own bad](#nope) and "
            "[the web](https://example.com/page.md).\n\n## Steps\n\nText.\n",
            updated="2026-11-01",
        ),
    )
}


def test_stale_articles_oldest_first_and_never_dated_first_of_all() -> None:
    rows = health.stale_articles(ARTICLES, 180, DAY)
    assert [(r["slug"], r["days_since_update"]) for r in rows] == [
        ("undated", None),
        ("older", 912),
        ("old", 689),
    ]  # drafts are not content to fix here


def test_broken_links_name_the_missing_file_and_section() -> None:
    assert health.broken_links(ARTICLES) == [
        {"slug": "linking", "link": "missing.md", "problem": "no article file 'missing.md'"},
        {
            "slug": "linking",
            "link": "fresh.md#nowhere",
            "problem": "no section '#nowhere' in 'fresh'",
        },
        {"slug": "linking", "link": "#nope", "problem": "no section '#nope' in 'linking'"},
    ]


def test_worst_rated_needs_enough_votes(make_database) -> None:
    database = make_database()
    with database.connect() as connection:
        votes = [("fresh", 1)] * 4 + [("fresh", 0)] * 2 + [("old", 0)] * 4 + [("older", 1)] * 5
        connection.executemany(
            "INSERT INTO article_feedback (slug, helpful, created_at) VALUES (?, ?, ?)",
            [(slug, helpful, f"{DAY}T10:00:00+00:00") for slug, helpful in votes],
        )
    rows = health.worst_rated(database, PERIOD)
    assert [(r["slug"], r["helpful_ratio"], r["votes"]) for r in rows] == [
        ("fresh", 0.667, 6),
        ("older", 1.0, 5),
    ]  # "old" has 4 votes: too few to say


def search(n: int, query: str, slugs: tuple[str, ...], day: str = DAY) -> SearchEvent:
    return SearchEvent(f"{n:032d}", f"v{n}", query, "hybrid", len(slugs), slugs, 1.0, day)


def test_unread_articles_and_top_results_nobody_opens(make_database) -> None:
    database = make_database()
    events: list = [search(n, "sync quota", ("old", "fresh")) for n in range(4)]
    events += [ClickEvent(f"{1:032d}", "fresh", 2, DAY)]  # the second result, never the first
    events += [search(n, "invoice", ("fresh",)) for n in range(10, 13)]
    events += [ClickEvent(f"{10:032d}", "fresh", 1, DAY)]
    events += [search(n, "rare", ("older",)) for n in range(20, 22)]  # twice: too few to tell
    write_events(database, events)
    with database.connect() as connection:
        connection.execute(
            "INSERT INTO article_views (slug, day, views) VALUES ('fresh', ?, 2)", (DAY,)
        )
    assert health.unclicked_top_results(database, DateRange(DAY, DAY)) == [
        {"query": "sync quota", "slug": "old", "searches": 4, "opened_another": 1}
    ]
    unread = health.unread_articles(database, ARTICLES, DateRange(DAY, DAY))
    assert "fresh" not in [r["slug"] for r in unread]  # viewed and opened from search
    assert {"slug": "old", "views": 0, "search_clicks": 0} in unread


def test_every_health_row_opens_the_writers_editor(client, content_dir) -> None:
    (content_dir / "billing" / "cancel-subscription.md").write_text(
        "---\ntitle: Cancel\nupdated: 2020-01-01\n---\nSee [gone](missing.md).\n"
    )
    services = client.application.extensions["kb"]
    from indexer import build_from_settings  # noqa: PLC0415

    build_from_settings(services.settings, services.engine.embedder)
    page = client.get("/admin/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/admin/login", data={"key": ADMIN_KEY, "csrf_token": csrf})
    html = client.get("/admin/content").get_data(as_text=True)
    for table in ("stale-articles", "broken-links"):
        rows = re.search(rf'<table id="{table}"[^>]*>(.*?)</table>', html, re.S).group(1)
        assert "cancel-subscription" in rows and "/admin/articles/draft" in rows, table
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    answer = client.post(
        "/admin/articles/draft", data={"slug": "cancel-subscription", "csrf_token": csrf}
    )
    assert (
        answer.status_code == 302 and "/writer/drafts/update-cancel" in answer.headers["Location"]
    )
    draft = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Not updated since 2020-01-01" in draft and "Broken link to missing.md" in draft
    again = client.post(
        "/admin/articles/draft", data={"slug": "cancel-subscription", "csrf_token": csrf}
    )
    assert again.headers["Location"] == answer.headers["Location"]  # the draft it has
