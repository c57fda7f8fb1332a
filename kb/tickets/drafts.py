"""Closing the loop: resolved tickets no article answered become draft articles.

tickets → gaps (not linked to an article, no confident suggestion) → groups → drafts
in content/drafts/ → a writer edits, then publishes (moved under content/<category>/, or merged
into the article it adds to) or rejects (archived under content/.archive/ with the reason).
A group whose agents gave no step to follow is no draft: it needs an answer first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kb.assist.suggestions import AgentAssist, Suggestion
from kb.assist.ticket_text import clean_message
from kb.content.model import Article
from kb.tickets.draft_files import (
    DRAFTS,
    Draft,
    body_hash,
    free_draft_path,
    list_drafts,
    read_draft,
    write_draft_file,
)
from kb.tickets.grouping import group_tickets
from kb.tickets.kcs import Background, DraftContent, build_draft_content
from kb.tickets.placeholders import CAUSE_TO_FILL, NO_DESCRIPTION, NOT_STATED
from kb.tickets.records import StoredTicket
from kb.tickets.scrub import scrub_personal_data

COVERED_CONFIDENCE = 0.8  # a suggestion this confident answers the ticket: reuse, not a gap
UPDATE_CONFIDENCE = 0.75  # a group this close to an article adds to it instead
# What a long generation reports as it goes: (stage, done, total).
Progress = Callable[[str, int, int], None]


@dataclasses.dataclass
class Coverage:
    covered: dict[str, str]  # ticket id -> the article that answers it
    gaps: list[StoredTicket]


@dataclasses.dataclass(frozen=True)
class DraftOutcome:
    path: Path
    kind: str  # "new" or "update"
    target: str | None
    ticket_ids: list[str]
    title: str
    action: str  # "created", "regenerated", or "kept" (a writer edited it: sources added only)


@dataclasses.dataclass(frozen=True)
class UnansweredGroup:
    """Tickets that share a problem no agent gave a step for: a gap that needs an answer."""

    title: str
    brand: str | None
    ticket_ids: list[str]


@dataclasses.dataclass
class GenerationReport:
    drafts: list[DraftOutcome]
    covered: list[str]
    singletons: list[str]
    unanswered: list[UnansweredGroup] = dataclasses.field(default_factory=list)


def _no_progress(stage: str, done: int, total: int) -> None:
    """Progress nobody watches."""


def find_gaps(
    tickets: Sequence[StoredTicket],
    assist: AgentAssist,
    known: set[str],
    covered_confidence: float = COVERED_CONFIDENCE,
    progress: Progress = _no_progress,
) -> Coverage:
    """A ticket is covered when an agent linked a known article or a suggestion is confident."""
    covered: dict[str, str] = {}
    gaps: list[StoredTicket] = []
    for number, ticket in enumerate(tickets, 1):
        progress("checking tickets against the articles", number, len(tickets))
        linked = [slug for slug in ticket.linked_articles if slug in known]
        if linked:
            covered[ticket.id] = linked[0]
            continue
        result = assist.suggest(ticket.as_ticket(), limit=1, learn=False)
        top = result.suggestions[0] if result.suggestions else None
        if top is not None and top.confidence >= covered_confidence:
            covered[ticket.id] = top.article.slug
        else:
            gaps.append(ticket)
    return Coverage(covered, gaps)


def _said_by(ticket: StoredTicket, author: str) -> str:
    """Cleaned, scrubbed words of one side, for grouping. Markers stay: "here's how: (link)" is
    part of what makes two answers the same answer (grouping F1 0.74 with them, 0.57 without),
    written as the short markers grouping was tuned on ("(handle)"): with the readable
    placeholders ("[username]") the same threshold gives F1 0.55 (recall 0.46)."""
    said = " ".join(clean_message(m.body) for m in ticket.messages if m.author == author)
    return scrub_personal_data(said, readable=False)


def problem_text(ticket: StoredTicket) -> str:
    return _said_by(ticket, "customer") or ticket.subject or "(empty)"


def answer_text(ticket: StoredTicket) -> str:
    return _said_by(ticket, "agent") or "(no answer)"


def generate_drafts(
    tickets: Sequence[StoredTicket],
    assist: AgentAssist,
    content_dir: Path,
    *,
    min_group: int = 2,
    today: dt.date | None = None,
    covered_confidence: float = COVERED_CONFIDENCE,
    update_confidence: float = UPDATE_CONFIDENCE,
    progress: Progress = _no_progress,
) -> GenerationReport:
    """Write or refresh one draft per group of gap tickets; never overwrite a writer's edits."""
    index = assist.engine.current_index()
    coverage = find_gaps(tickets, assist, set(index.articles), covered_confidence, progress)
    gaps = coverage.gaps
    report = GenerationReport([], sorted(coverage.covered), [])
    if not gaps:
        return report
    embedder = assist.engine.embedder
    progress("grouping tickets", 0, 1)
    problems = embedder.embed([problem_text(t) for t in gaps])
    answers = embedder.embed([answer_text(t) for t in gaps])
    groups = group_tickets(problems, answers, [t.brand for t in gaps])
    background = Background.of(tickets)
    folder = content_dir / DRAFTS
    existing = {
        ticket: draft for draft in list_drafts(content_dir) for ticket in draft.source_tickets
    }
    for number, group in enumerate(groups, 1):
        progress("writing drafts", number, len(groups))
        members = [gaps[i] for i in group]
        if len(members) < min_group:
            report.singletons.extend(t.id for t in members)
            continue
        content = build_draft_content(members, background, embedder.embed)
        if not content.resolution:
            brand = next((t.brand for t in members if t.brand), None)
            ids = sorted(t.id for t in members)
            report.unanswered.append(UnansweredGroup(content.title, brand, ids))
            continue
        related = _related(assist, members, content)
        previous = next((existing[t.id] for t in members if t.id in existing), None)
        report.drafts.append(
            _write_draft(folder, content, members, related, previous, today, update_confidence)
        )
    return report


def _related(
    assist: AgentAssist, members: Sequence[StoredTicket], content: DraftContent
) -> list[Suggestion]:
    """Similar published articles: they pick category and kind, and may be the update target."""
    from kb.assist.ticket_text import Ticket  # noqa: PLC0415 - avoids a cycle at import time

    question = Ticket(content.title, " ".join(content.issue))
    result = assist.suggest(question, limit=5, learn=False)
    return [s for s in result.suggestions if s.article.is_public]


def _write_draft(
    folder: Path,
    content: DraftContent,
    members: Sequence[StoredTicket],
    related: Sequence[Suggestion],
    previous: Draft | None,
    today: dt.date | None,
    update_confidence: float,
) -> DraftOutcome:
    ticket_ids = sorted({t.id for t in members} | set(previous.source_tickets if previous else []))
    close = related and related[0].confidence >= update_confidence
    target = related[0].article if close else None
    kind = "update" if target else "new"
    if previous is not None and previous.edited:
        write_draft_file(
            previous.path, {**previous.meta, "source_tickets": ticket_ids}, previous.body
        )
        return DraftOutcome(
            previous.path,
            previous.meta.get("update_of") and "update" or "new",
            previous.meta.get("update_of"),
            ticket_ids,
            previous.meta["title"],
            "kept",
        )
    categories = Counter(s.article.category for s in related[:3])
    kinds = Counter(str(s.article.kind) for s in related[:3] if s.article.kind)
    body = render_body(content, related, target)
    meta: dict[str, Any] = {
        "title": content.title,
        "status": "draft",
        "audience": "public",
        "type": "troubleshooting",
        "category": target.category if target else _most_common(categories, "general"),
        "kind": _most_common(kinds, "support"),
        "tags": content.tags,
        "source_tickets": ticket_ids,
        "generated": (today or dt.date.today()).isoformat(),
        "generated_hash": body_hash(body),
    }
    if target:
        meta["update_of"] = target.slug
    path = previous.path if previous else free_draft_path(folder, content.title)
    write_draft_file(path, meta, body)
    return DraftOutcome(
        path,
        kind,
        target.slug if target else None,
        ticket_ids,
        content.title,
        "regenerated" if previous else "created",
    )


def _most_common(counts: Counter[str], default: str) -> str:
    return counts.most_common(1)[0][0] if counts else default


def render_body(
    content: DraftContent, related: Sequence[Suggestion], target: Article | None
) -> str:
    """The KCS body: Issue and Resolution always (a placeholder blocks publishing until the
    writer fills it), Environment, Cause and Related articles only when there is something."""
    lines: list[str] = []
    if target:
        lines += [
            f"Resolved tickets add to [{target.title}]({target.slug}.md): new symptoms, "
            "steps or environments to merge into it.",
            "",
        ]
    lines += ["## Issue", ""]
    lines += [f"- {sentence}" for sentence in content.issue] or [f"- {NO_DESCRIPTION}"]
    if content.environment:
        lines += ["", "## Environment", ""]
        lines += [f"- {line}" for line in content.environment]
    lines += ["", "## Resolution", ""]
    lines += [f"{n}. {step}" for n, step in enumerate(content.resolution, 1)] or [
        f"1. {NOT_STATED}"
    ]
    if content.cause:
        lines += ["", "## Cause", "", *content.cause]
    if related:
        lines += ["", "## Related articles", ""]
        lines += [f"- [{s.article.title}]({s.article.slug}.md)" for s in related[:3]]
    return "\n".join(lines) + "\n"


def start_draft(content_dir: Path, query: str, today: dt.date | None = None) -> Draft:
    """An empty KCS draft for something customers searched for and did not find."""
    title = query[:1].upper() + query[1:]
    meta: dict[str, Any] = {
        "title": title,
        "status": "draft",
        "audience": "public",
        "type": "troubleshooting",
        "source_queries": [query],
        "generated": (today or dt.date.today()).isoformat(),
    }
    empty = DraftContent(title, [], [], [], [CAUSE_TO_FILL], [])
    body = f"Customers searched for “{query}” and found no answer.\n\n" + render_body(
        empty, related=[], target=None
    )
    meta["generated_hash"] = body_hash(body)
    path = free_draft_path(content_dir / DRAFTS, title)
    write_draft_file(path, meta, body)
    return read_draft(path)
