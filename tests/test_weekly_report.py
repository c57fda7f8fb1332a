"""`kb report weekly`: last full week beside the week before, from the same figures as the
insights pages, e-mailed through a real SMTP server and posted as a signed webhook to a real
HTTP receiver; a failed delivery exits 1 (cron mails it). And `kb demo-events`."""

from __future__ import annotations

import http.server
import json
import threading
import time
from pathlib import Path

import pytest

from cli import main
from kb.analytics.events import ClickEvent, SearchEvent, write_events
from kb.analytics.insights import Insights
from kb.analytics.report import weekly_report
from kb.delivery.webhooks import SIGNATURE_HEADER, verify
from kb.state.database import Database
from tests.helpers import make_engine
from tests.mailbox import Mailbox

ENDING = "2026-12-01"  # a Tuesday: the last full week is 23 to 29 November
WEEK, BEFORE = ("2026-11-23", "2026-11-29"), ("2026-11-16", "2026-11-22")


def search(n: int, query: str, results: int, day: str) -> SearchEvent:
    slugs = ("request-a-refund",) if results else ()
    return SearchEvent(f"{n:032d}", f"v{n}", query, "hybrid", results, slugs, 1.0, day)


def known_weeks(database: Database) -> None:
    """Before: 2 searches, 1 opened. Last week: 4 searches, 1 opened, 2 found nothing."""
    write_events(
        database,
        [
            search(1, "refund", 1, "2026-11-17"),
            search(2, "refund", 1, "2026-11-18"),
            ClickEvent(f"{1:032d}", "request-a-refund", 1, "2026-11-17"),
            search(3, "refund", 1, "2026-11-24"),
            search(4, "refund", 1, "2026-11-25"),
            search(5, "quokka", 0, "2026-11-26"),
            search(6, "quokka", 0, "2026-11-29"),
            ClickEvent(f"{3:032d}", "request-a-refund", 1, "2026-11-24"),
            search(7, "refund", 1, "2026-11-30"),  # this week: not reported yet
        ],
    )


@pytest.fixture
def state(built, content_dir: Path, data_dir: Path, database_url: str) -> Database:
    database = Database(database_url or data_dir / "kb.sqlite")
    known_weeks(database)
    return database


def test_the_report_compares_last_week_with_the_week_before(state, content_dir) -> None:
    report = weekly_report(Insights(state, content_dir, {}), "Driftbox", ENDING)
    assert (report["from"], report["to"]) == WEEK
    assert (report["before"]["from"], report["before"]["to"]) == BEFORE
    figures = {item["name"]: item for item in report["figures"]}
    assert (figures["searches"]["week"], figures["searches"]["before"]) == (4, 2)
    assert figures["searches"]["change"] == 2
    assert figures["click_through_rate"]["week"] == 0.25
    assert figures["click_through_rate"]["change"] == -0.25
    assert figures["no_result_rate"]["week"] == 0.5
    assert figures["automated_resolution_rate"]["week"] is None  # until the answer bot runs
    assert [(g["kind"], g["title"], g["affected"]) for g in report["top_gaps"]] == [
        ("no_results", "quokka", 2)
    ]


def test_report_weekly_is_e_mailed(runner, state) -> None:
    with Mailbox() as mailbox:
        result = runner.invoke(
            main,
            ["report", "weekly", "--ending", ENDING],
            env={
                "KB_SMTP_URL": mailbox.url,
                "KB_REPORT_TO": "lead@driftbox.example",
                "KB_SITE_NAME": "Driftbox",
            },  # fmt: skip
        )
        (message,) = mailbox.wait_for(1)
    assert result.exit_code == 0, result.output
    assert "sent the report for 2026-11-23 to 2026-11-29 to lead@driftbox.example" in result.output
    assert message["To"] == "lead@driftbox.example"
    assert message["Subject"] == "Driftbox weekly report, 2026-11-23 to 2026-11-29"
    text = message.get_content()
    assert "Searches" in text and "4  +2" in text and "25 %  -25 points" in text
    assert "1. quokka (nothing found): 2 searches, nothing found" in text


class Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((body, self.headers[SIGNATURE_HEADER]))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/reports"
    server.shutdown()
    server.server_close()


def test_report_weekly_posts_a_signed_webhook(runner, state, receiver) -> None:
    env = {"KB_REPORT_WEBHOOK_URL": receiver, "KB_REPORT_WEBHOOK_SECRET": "shared"}
    result = runner.invoke(main, ["report", "weekly", "--ending", ENDING], env=env)
    assert result.exit_code == 0, result.output
    ((body, header),) = Receiver.received
    verify("shared", body, header, now=time.time())
    sent = json.loads(body)
    assert (sent["from"], sent["to"]) == WEEK and sent["top_gaps"][0]["title"] == "quokka"
    printed = runner.invoke(main, ["report", "weekly", "--ending", ENDING, "--json"], env=env)
    assert json.loads(printed.output) == sent and len(Receiver.received) == 1  # not sent again


def test_a_failed_delivery_exits_1_and_the_other_still_goes(runner, state) -> None:
    with Mailbox() as mailbox:
        result = runner.invoke(
            main,
            ["report", "weekly", "--ending", ENDING],
            env={
                "KB_SMTP_URL": mailbox.url,
                "KB_REPORT_TO": "lead@driftbox.example",
                "KB_REPORT_WEBHOOK_URL": "http://127.0.0.1:9/down",
                "KB_REPORT_WEBHOOK_SECRET": "shared",
            },  # fmt: skip
        )
        assert len(mailbox.wait_for(1)) == 1
    assert result.exit_code == 1
    assert "not sent to http://127.0.0.1:9/down" in result.output


def test_without_a_destination_the_report_says_what_to_set(runner, state) -> None:
    result = runner.invoke(main, ["report", "weekly"])
    assert result.exit_code == 2 and "KB_REPORT_TO" in result.output
    bad = runner.invoke(main, ["report", "weekly", "--ending", "last monday"])
    assert bad.exit_code == 2 and "--ending" in bad.output


def test_demo_events_record_days_and_refuse_to_mix(runner, built, data_dir, database_url) -> None:
    first = runner.invoke(main, ["demo-events", "--days", "3"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("3 days: ") and " searches, " in first.output
    database = Database(database_url or data_dir / "kb.sqlite")
    with database.connect() as connection:
        days = connection.execute("SELECT COUNT(DISTINCT day) FROM search_log").scalar_one()
    assert days == 3
    again = runner.invoke(main, ["demo-events", "--days", "3"])
    assert again.exit_code == 2 and "--force" in again.output


def test_demo_events_agree_with_the_figures(built, data_dir, content_dir, make_database) -> None:
    from kb.analytics.demo import seed_demo_events  # noqa: PLC0415
    from kb.analytics.periods import DateRange  # noqa: PLC0415
    from kb.index.embeddings import HashingEmbedder  # noqa: PLC0415

    database = make_database()
    engine = make_engine(data_dir, HashingEmbedder())
    seeded = seed_demo_events(database, engine, 7, 3, ENDING)
    insights = Insights(database, content_dir, {})
    period = DateRange.last(7, ENDING)
    summary = insights.figure("summary", period)
    assert summary["searches"] == seeded.searches > 0
    assert summary["clicks"] == seeded.clicks > 0
    assert summary["deflected"] == seeded.deflections
    support = insights.figure("support", period)
    assert sum(r["tickets"] for r in support if r["queue"] == "all") == seeded.tickets
    assert insights.figure("product-feedback", period) and insights.figure("no-results", period)
    assert (
        seed_demo_events(database, engine, 7, 3, ENDING) == seeded
    )  # the same seed, the same days
