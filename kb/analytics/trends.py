"""Trends: per day or per week, how many searched, how many opened a result (click-through),
how many found nothing (no-result rate), and how many left the contact form without sending it
(deflection rate). The period's totals are these rows added up, so a tile never disagrees with
the chart or the table beside it.

Definitions (each a count of events, rates rounded to 3 places):
- searches: recorded searches whose normalised query is not empty (a query of punctuation or
  personal data alone leaves nothing to show, so it counts nowhere);
- click-through rate: searches with at least one opened result / searches (every rate is None,
  not 0, for a day or week without anything to divide by);
- no-result rate: searches that found nothing (nothing reached the confidence floor) / searches;
- deflection rate: deflections / (deflections + tickets sent from the contact form), where a
  deflection is an article marked "this solved my problem" or opened from the form by someone
  who then sent nothing;
- the answer bot (the help widget's conversations), each counted on the UTC day the
  conversation STARTED, however late it ended: a conversation started on Sunday and resolved on
  Monday is Sunday's (so a week's figures are final once its conversations have ended, and a rate
  never divides what ended in one period by what started in another):
  - automated resolution rate: conversations the customer marked solved ("That solved it") /
    conversations started (Zendesk's and Intercom's "resolved by the bot");
  - hand-over rate: conversations handed to a person (a ticket) / conversations started;
  - satisfaction: the mean of the ratings (1 to 5) given, to 2 places, with how many rated
    (None without a rating: no ratings is no score);
  - unanswered questions: the customers' messages the bot had no answer for (the gap queue's
    "Bot questions" lists them by query).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kb.analytics.periods import STEPS, DateRange, week_of
from kb.errors import BadRequest
from kb.state.database import Database

# The searches every figure counts (the alias `s` is search_log's).
COUNTED_SEARCH = "s.query != ''"
# Whether a search `s` had a result opened.
CLICKED = "EXISTS (SELECT 1 FROM click_log c WHERE c.search_id = s.id)"

COUNTS = ("searches", "searches_with_click", "no_result_searches", "deflected", "tickets_created",
          "conversations", "resolved_by_bot", "handed_over", "ratings", "rating_points",
          "unanswered_questions")  # fmt: skip
# The answer bot's counts, from its conversations table, in the order of COUNTS.
BOT_COUNTS = COUNTS[5:]


def ratio(part: int, whole: int) -> float | None:
    """part / whole to 3 places; None when there is nothing to divide by (no data is no 0 %)."""
    return round(part / whole, 3) if whole else None


def with_rates(row: dict) -> dict:
    """A row of counts with its rates (computed from the counts, never averaged)."""
    return {
        **row,
        "click_through_rate": ratio(row["searches_with_click"], row["searches"]),
        "no_result_rate": ratio(row["no_result_searches"], row["searches"]),
        "deflection_rate": ratio(row["deflected"], row["deflected"] + row["tickets_created"]),
        "automated_resolution_rate": ratio(row["resolved_by_bot"], row["conversations"]),
        "handover_rate": ratio(row["handed_over"], row["conversations"]),
        "satisfaction": round(row["rating_points"] / row["ratings"], 2) if row["ratings"] else None,
    }


def daily_counts(database: Database, period: DateRange) -> list[dict]:
    """One row of counts per day of the period, days without events included."""
    with database.connect() as connection:
        searches = connection.execute(
            f"SELECT s.day, COUNT(*), SUM(CASE WHEN {CLICKED} THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN s.results = 0 THEN 1 ELSE 0 END) FROM search_log s"
            f" WHERE s.day BETWEEN ? AND ? AND {COUNTED_SEARCH} GROUP BY s.day",
            (period.start, period.end),
        ).fetchall()
        deflected = connection.execute(
            "SELECT day, COUNT(*) FROM deflections WHERE day BETWEEN ? AND ?"
            " AND (how = 'solved' OR cancelled = 0) GROUP BY day",
            (period.start, period.end),
        ).fetchall()
        created = connection.execute(
            "SELECT substr(created_at, 1, 10), COUNT(*) FROM tickets WHERE channel = 'web-form'"
            " AND substr(created_at, 1, 10) BETWEEN ? AND ? GROUP BY substr(created_at, 1, 10)",
            (period.start, period.end),
        ).fetchall()
        talked = connection.execute(
            "SELECT day, COUNT(*), SUM(CASE WHEN status = 'resolved' THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN status = 'handed_over' THEN 1 ELSE 0 END), COUNT(rating),"
            " SUM(rating), SUM(unanswered) FROM conversations WHERE day BETWEEN ? AND ?"
            " GROUP BY day",
            (period.start, period.end),
        ).fetchall()
    by_day = {row[0]: (int(row[1]), int(row[2] or 0), int(row[3] or 0)) for row in searches}
    deflections = {day: int(count) for day, count in deflected}
    tickets = {day: int(count) for day, count in created}
    bot = {row[0]: [int(n or 0) for n in row[1:]] for row in talked}
    nothing_said = [0] * len(BOT_COUNTS)
    rows = []
    for day in period.days():
        total, clicked, nothing = by_day.get(day, (0, 0, 0))
        rows.append(
            {
                "day": day,
                "searches": total,
                "searches_with_click": clicked,
                "no_result_searches": nothing,
                "deflected": deflections.get(day, 0),
                "tickets_created": tickets.get(day, 0),
                **dict(zip(BOT_COUNTS, bot.get(day, nothing_said), strict=True)),
            }
        )
    return rows


def add_up(rows: Iterable[dict]) -> dict:
    """The counts of several rows added up."""
    totals = dict.fromkeys(COUNTS, 0)
    for row in rows:
        for name in COUNTS:
            totals[name] += row[name]
    return totals


def trend(database: Database, period: DateRange, step: str = "day") -> list[dict]:
    """The trend rows: per day, or per week (named by its Monday; the first and last week hold
    only the days of the period, and `days` says how many)."""
    if step not in STEPS:
        raise BadRequest(f"by must be one of {', '.join(STEPS)}", field="by")
    days = daily_counts(database, period)
    if step == "day":
        return [with_rates(row) for row in days]
    weeks: dict[str, list[dict]] = {}
    for row in days:
        weeks.setdefault(week_of(row["day"]), []).append(row)
    return [
        with_rates({"week": week, "days": len(rows), **add_up(rows)})
        for week, rows in weeks.items()
    ]


def totals(rows: Sequence[dict]) -> dict:
    """The period's totals and rates, from its trend rows."""
    return with_rates(add_up(rows))
