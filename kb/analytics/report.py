"""The weekly report (`kb report weekly`, for cron): last week's figures beside the week before,
the biggest gaps and the product areas with the most tickets, sent as plain-text e-mail
(KB_REPORT_TO) and as a signed JSON webhook (KB_REPORT_WEBHOOK_URL). Every number comes from
`Insights.figure`, as on the dashboard."""

from __future__ import annotations

import dataclasses
from typing import Any

from kb.analytics.insights import Insights
from kb.analytics.periods import DateRange, last_full_week
from kb.analytics.support import ALL_QUEUES
from kb.delivery.mail import send_mail
from kb.delivery.webhooks import post_json
from kb.errors import ConfigurationError
from kb.settings import Settings

TOP_GAPS = 10
TOP_PRODUCT = 5
# (figure, key, label, is a rate): what the report compares week on week.
COMPARED = (
    ("summary", "searches", "Searches", False),
    ("summary", "click_through_rate", "Click-through rate", True),
    ("summary", "no_result_rate", "No-result rate", True),
    ("summary", "deflection_rate", "Deflection rate", True),
    ("summary", "tickets_created", "Tickets sent from the contact form", False),
    ("summary", "automated_resolution_rate", "Automated resolution (answer bot)", True),
    ("support", "tickets", "Tickets created", False),
    ("support", "median_hours_to_first_reply", "Median hours to first reply", False),
    ("support", "first_contact_resolution_rate", "First-contact resolution", True),
    ("support", "kcs_link_rate", "Tickets solved with an article linked", True),
)

GAP_KINDS = {
    "no_results": "nothing found",
    "no_clicks": "no result opened",
    "unhelpful": "unhelpful article",
    "tickets": "ticket group",
    "bot": "bot question",
}


@dataclasses.dataclass(frozen=True)
class Delivery:
    destination: str
    error: str | None = None


def _value(insights: Insights, figure: str, key: str, week: DateRange) -> Any:
    """One figure of one week (Monday to Sunday: the support figure's one all-queues row)."""
    if figure == "summary":
        return insights.figure("summary", week).get(key)
    rows = [r for r in insights.figure("support", week) if r["queue"] == ALL_QUEUES]
    return rows[0].get(key) if rows else (0 if key == "tickets" else None)


def weekly_report(insights: Insights, site_name: str, ending: str | None = None) -> dict:
    """The report for the last full week (Monday to Sunday) before `ending` (today)."""
    week = last_full_week(ending)
    before = week.before()
    figures = []
    for figure, key, label, rate in COMPARED:
        now, then = _value(insights, figure, key, week), _value(insights, figure, key, before)
        change = None if now is None or then is None else round(now - then, 3)
        figures.append(
            {
                "name": key,
                "label": label,
                "rate": rate,
                "week": now,
                "before": then,
                "change": change,
            }
        )
    gaps = [dataclasses.asdict(g) for g in insights.gaps(week)[:TOP_GAPS]]
    product = insights.figure("product-feedback", week)[:TOP_PRODUCT]
    return {
        "site": site_name,
        "from": week.start,
        "to": week.end,
        "before": {"from": before.start, "to": before.end},
        "figures": figures,
        "top_gaps": gaps,
        "product_feedback": [
            {k: row[k] for k in ("product", "category", "error_code", "tickets")} for row in product
        ],
    }


def _shown(value: Any, rate: bool) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.0f} %" if rate else f"{value:g}"


def _change(item: dict) -> str:
    change = item["change"]
    if change is None:
        return ""
    if item["rate"]:
        return f"{change * 100:+.0f} points"
    return f"{change:+g}"


def report_text(report: dict) -> str:
    """The report as a plain-text e-mail body."""
    lines = [
        f"{report['site']}: the week of {report['from']} to {report['to']}",
        f"(compared with {report['before']['from']} to {report['before']['to']})",
        "",
    ]
    width = max(len(item["label"]) for item in report["figures"])
    for item in report["figures"]:
        now = _shown(item["week"], item["rate"])
        lines.append(f"  {item['label']:<{width}}  {now:>8}  {_change(item)}".rstrip())
    lines += ["", "Top gaps (most customers first):"]
    lines += [
        f"  {n}. {gap['title']} ({GAP_KINDS[gap['kind']]}): {gap['detail']}"
        for n, gap in enumerate(report["top_gaps"], 1)
    ] or ["  none"]
    lines += ["", "Support tickets by product area, category and error code:"]
    lines += [
        f"  {row['tickets']:>4}  {row['product'] or '(no product)'} / "
        f"{row['category'] or '(no category)'} / {row['error_code'] or '(no error code)'}"
        for row in report["product_feedback"]
    ] or ["  none"]
    return "\n".join(lines) + "\n"


def send_report(report: dict, settings: Settings) -> list[Delivery]:
    """E-mail to KB_REPORT_TO and the webhook KB_REPORT_WEBHOOK_URL, each tried whatever the
    other did; what failed says why."""
    if not settings.report_to and not settings.report_webhook_url:
        raise ConfigurationError("set KB_REPORT_TO or KB_REPORT_WEBHOOK_URL to send the report")
    deliveries = []
    if settings.report_to:
        subject = f"{report['site']} weekly report, {report['from']} to {report['to']}"
        try:
            send_mail(
                settings.smtp_url, settings.mail_from, settings.report_to, subject,
                report_text(report),
            )  # fmt: skip
            deliveries.append(Delivery(settings.report_to))
        except (OSError, ConfigurationError) as error:  # smtplib's errors are OSErrors
            deliveries.append(Delivery(settings.report_to, str(error)))
    if settings.report_webhook_url:
        try:
            if not settings.report_webhook_secret:
                raise ConfigurationError("set KB_REPORT_WEBHOOK_SECRET to sign the webhook")
            post_json(settings.report_webhook_url, report, settings.report_webhook_secret)
            deliveries.append(Delivery(settings.report_webhook_url))
        except (OSError, ConfigurationError) as error:
            deliveries.append(Delivery(settings.report_webhook_url, str(error)))
    return deliveries
