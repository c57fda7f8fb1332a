"""The answer bot's figures from known conversations, as the conversations table holds them:
conversations, resolved by the bot, handed over, satisfaction and the questions it could not
answer, for a period, per day and week, an empty period, and a conversation that started in one
period and ended in the next (it counts on the day it started); the dashboard, its CSV and the
JSON API showing them, to admins only."""

from __future__ import annotations

import csv
import io

import pytest

from kb.analytics.insights import Insights
from kb.analytics.periods import DateRange
from kb.analytics.trends import trend
from kb.bot.figures import bot_figures
from tests.helpers import ADMIN_KEY, AGENT_KEY, WRITER_KEY, auth, services, sign_in

WEEK = DateRange("2026-11-16", "2026-11-22")  # Monday to Sunday
NOTHING = DateRange("2026-11-02", "2026-11-08")  # no conversation at all

# id, day started, status, rating, unanswered questions, last change
CONVERSATIONS = [
    ("c1", "2026-11-16", "resolved", 5, 0, "2026-11-16T10:00:00+00:00"),
    ("c2", "2026-11-16", "resolved", 3, 1, "2026-11-16T11:00:00+00:00"),
    ("c3", "2026-11-17", "resolved", None, 0, "2026-11-17T09:00:00+00:00"),  # not rated
    ("c4", "2026-11-17", "handed_over", None, 2, "2026-11-17T12:00:00+00:00"),
    ("c5", "2026-11-18", "open", None, 1, "2026-11-18T08:00:00+00:00"),  # left
    # Started on the week's Sunday, solved and rated on the Monday after: the week's.
    ("c6", "2026-11-22", "resolved", 4, 0, "2026-11-23T00:10:00+00:00"),
    ("c7", "2026-11-23", "handed_over", None, 0, "2026-11-23T10:00:00+00:00"),  # the next week
    ("c8", "2026-11-10", "resolved", 2, 0, "2026-11-10T10:00:00+00:00"),  # the week before
    ("c9", "2026-11-11", "open", None, 0, "2026-11-11T10:00:00+00:00"),
]


def add_conversations(database) -> None:
    with database.connect() as connection:
        connection.executemany(
            "INSERT INTO conversations (id, visitor_hash, page_url, status, messages, state,"
            " unanswered, rating, created_at, updated_at, day)"
            " VALUES (?, 'v', 'https://shop.example/', ?, '[]', '{}', ?, ?, ?, ?, ?)",
            [(c[0], c[2], c[4], c[3], f"{c[1]}T08:00:00+00:00", c[5], c[1])
             for c in CONVERSATIONS],
        )  # fmt: skip


@pytest.fixture
def database(make_database):
    database = make_database()
    add_conversations(database)
    return database


def test_the_weeks_figures_count_each_conversation_by_how_it_ended(database) -> None:
    assert bot_figures(database, WEEK) == {
        "from": "2026-11-16",
        "to": "2026-11-22",
        "conversations": 6,
        "resolved_by_bot": 4,
        "automated_resolution_rate": 0.667,
        "handed_over": 1,
        "handover_rate": 0.167,
        "ratings": 3,
        "satisfaction": 4.0,  # (5 + 3 + 4) / 3: the unrated conversation is no score
        "unanswered_questions": 4,
        "rated_1": 0,
        "rated_2": 0,
        "rated_3": 1,
        "rated_4": 1,
        "rated_5": 1,
    }


def test_a_conversation_counts_on_the_day_it_started_not_the_day_it_ended(database) -> None:
    """c6 started on Sunday 22 and was solved on Monday 23: Sunday's, not Monday's."""
    monday = bot_figures(database, DateRange("2026-11-23", "2026-11-29"))
    assert (monday["conversations"], monday["resolved_by_bot"], monday["handed_over"]) == (1, 0, 1)
    assert monday["satisfaction"] is None and monday["ratings"] == 0
    (sunday,) = trend(database, DateRange("2026-11-22", "2026-11-22"))
    assert (sunday["conversations"], sunday["resolved_by_bot"], sunday["ratings"]) == (1, 1, 1)


def test_an_empty_period_has_no_rates_and_no_satisfaction(database) -> None:
    figures = bot_figures(database, NOTHING)
    assert figures["conversations"] == 0 and figures["unanswered_questions"] == 0
    assert figures["automated_resolution_rate"] is None
    assert figures["handover_rate"] is None
    assert figures["satisfaction"] is None and figures["ratings"] == 0


def test_the_trend_rows_add_up_to_the_periods_figures(database) -> None:
    days = {row["day"]: row for row in trend(database, WEEK)}
    assert len(days) == 7
    first = days["2026-11-16"]
    assert (first["conversations"], first["resolved_by_bot"], first["ratings"]) == (2, 2, 2)
    assert (first["automated_resolution_rate"], first["satisfaction"]) == (1.0, 4.0)
    assert days["2026-11-17"]["handover_rate"] == 0.5
    assert days["2026-11-17"]["satisfaction"] is None  # solved, but nobody rated
    quiet = days["2026-11-19"]
    assert quiet["conversations"] == 0 and quiet["automated_resolution_rate"] is None
    (week,) = trend(database, WEEK, "week")
    figures = bot_figures(database, WEEK)
    for key in ("conversations", "resolved_by_bot", "handed_over", "ratings",
                "unanswered_questions", "automated_resolution_rate", "handover_rate",
                "satisfaction"):  # fmt: skip
        assert week[key] == figures[key], key


def test_the_summary_and_the_named_figure_agree(database, tmp_path) -> None:
    insights = Insights(database, tmp_path, {})
    summary = insights.figure("summary", WEEK)
    named = insights.figure("answer-bot", WEEK)
    for key in ("conversations", "resolved_by_bot", "automated_resolution_rate", "handed_over",
                "handover_rate", "ratings", "satisfaction", "unanswered_questions"):  # fmt: skip
        assert summary[key] == named[key], key


# The pages


@pytest.fixture
def admin_client(client):
    add_conversations(services(client.application).database)
    sign_in(client, "admin")
    return client


def dates(period: DateRange) -> str:
    return f"from={period.start}&to={period.end}"


def test_the_dashboard_shows_the_bots_figures_with_their_change(admin_client) -> None:
    html = admin_client.get(f"/admin?{dates(WEEK)}").get_data(as_text=True)
    assert '<h2 id="answer-bot">The answer bot</h2>' in html
    tile = html.split('id="tile-conversations"')[1].split("</div>")[0]
    assert "<strong>6</strong>" in tile and "+200 %" in tile  # 2 the week before
    tile = html.split('id="tile-automated_resolution_rate"')[1].split("</div>")[0]
    assert "67 %" in tile and "(4 conversations)" in tile and "+17 points" in tile
    tile = html.split('id="tile-handover_rate"')[1].split("</div>")[0]
    assert "17 %" in tile and "(1 conversation)" in tile
    tile = html.split('id="tile-satisfaction"')[1].split("</div>")[0]
    assert "4.0" in tile and "(3 rated)" in tile and "+2.0" in tile
    tile = html.split('id="tile-unanswered_questions"')[1].split("</div>")[0]
    assert "<strong>4</strong>" in tile and "/admin/gaps?kind=bot" in tile
    ratings = html.split('id="bot-ratings"')[1].split("</table>")[0]
    assert '<th scope="row">4 of 5</th><td class="num">1</td>' in ratings
    row = html.split('data-day="2026-11-16"')[1].split("</tr>")[0]
    assert 'data-value="2"' in row and 'data-value="1.0"' in row  # conversations, resolved
    assert html.count('<figure class="trend"') == 7


def test_an_empty_period_reads_sensibly(admin_client) -> None:
    html = admin_client.get(f"/admin?{dates(NOTHING)}").get_data(as_text=True)
    assert "No conversations with the help widget in this period." in html
    tile = html.split('id="tile-satisfaction"')[1].split("</div>")[0]
    assert "no ratings yet" in tile
    tile = html.split('id="tile-automated_resolution_rate"')[1].split("</div>")[0]
    assert "<strong>–</strong>" in tile
    assert 'id="bot-ratings"' not in html


def test_the_csv_exports_carry_the_bots_figures(admin_client) -> None:
    exported = admin_client.get(f"/admin/export/answer-bot.csv?{dates(WEEK)}")
    assert exported.mimetype == "text/csv"
    (row,) = csv.DictReader(io.StringIO(exported.get_data(as_text=True)))
    assert (row["conversations"], row["resolved_by_bot"], row["handed_over"]) == ("6", "4", "1")
    assert (row["satisfaction"], row["ratings"], row["rated_5"]) == ("4.0", "3", "1")
    trends = admin_client.get(f"/admin/export/trends.csv?{dates(WEEK)}&by=week")
    (week,) = csv.DictReader(io.StringIO(trends.get_data(as_text=True)))
    assert week["week"] == "2026-11-16" and week["handover_rate"] == "0.167"
    assert (week["satisfaction"], week["unanswered_questions"]) == ("4.0", "4")
    empty = admin_client.get(f"/admin/export/answer-bot.csv?{dates(NOTHING)}")
    (row,) = csv.DictReader(io.StringIO(empty.get_data(as_text=True)))
    assert row["satisfaction"] == "" and row["automated_resolution_rate"] == ""


def test_the_json_api_gives_the_bots_figures(client) -> None:
    add_conversations(services(client.application).database)
    answer = client.get(f"/api/v1/analytics/answer-bot?{dates(WEEK)}", headers=auth(ADMIN_KEY))
    assert answer.status_code == 200
    figures = answer.get_json()["answer-bot"]
    assert (figures["conversations"], figures["satisfaction"], figures["rated_3"]) == (6, 4.0, 1)
    summary = client.get(f"/api/v1/analytics/summary?{dates(WEEK)}", headers=auth(ADMIN_KEY))
    assert summary.get_json()["summary"]["handover_rate"] == 0.167


@pytest.mark.parametrize("key", [AGENT_KEY, WRITER_KEY])
def test_only_admins_see_the_bots_figures(client, key: str) -> None:
    add_conversations(services(client.application).database)
    assert client.get("/api/v1/analytics/answer-bot").status_code == 401
    assert client.get("/api/v1/analytics/answer-bot", headers=auth(key)).status_code == 403
    assert client.get("/admin/export/answer-bot.csv").headers["Location"].endswith("/admin/login")
    role = "agent" if key == AGENT_KEY else "writer"
    sign_in(client, role)  # signed in elsewhere is not signed in to the insights
    assert client.get(f"/admin?{dates(WEEK)}").status_code in (302, 403)
    assert "The answer bot" not in client.get(f"/admin?{dates(WEEK)}").get_data(as_text=True)
