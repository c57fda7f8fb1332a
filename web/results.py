"""Search results and suggestions as the API shows them, and `kb search --json` and
`kb suggest --json` print them: one shape each, built here (Flask-free, so the CLI needs no app)."""

from __future__ import annotations

from kb.assist import suggestions as assist
from kb.assist.suggestions import SuggestResult
from kb.content.catalog import category_name
from kb.search.engine import SearchResult, SearchResults
from web.schemas import (
    InstantAnswer,
    SearchHit,
    SearchResponse,
    SectionRef,
    Suggestion,
    SuggestResponse,
    TicketRequest,
    Triage,
)
from web.urls import agent_article_path, article_path


def search_hit(result: SearchResult) -> SearchHit:
    """A search result: the article, the section that matched and its snippet."""
    article = result.article
    return SearchHit(
        slug=article.slug,
        title=article.title,
        url=article_path(article.slug, result.section.anchor),
        section=SectionRef(anchor=result.section.anchor, title=result.section.title),
        snippet=result.snippet,
        score=round(result.score, 6),
        confidence=result.confidence,
        category=article.category,
        category_name=category_name(article.category),
        tags=list(article.tags),
        type=article.type,
        kind=article.kind,
    )


def search_response(
    results: SearchResults, search_id: str | None = None, answer_html: str | None = None
) -> SearchResponse:
    """A page of results; `search_id` names the recorded search that clicks report against, and
    `answer_html` is the instant answer's section rendered for customers (no answer without)."""
    answer = None
    if results.answer is not None and answer_html:
        top = results.answer.result
        answer = InstantAnswer(
            slug=top.article.slug,
            anchor=top.section.anchor,
            title=top.article.title,
            section_title=top.section.title,
            url=article_path(top.article.slug, top.section.anchor),
            html=answer_html,
            confidence=results.answer.confidence,
        )
    return SearchResponse(
        query=results.query,
        search_id=search_id,
        mode=results.mode,
        total=results.total,
        took_ms=results.took_ms,
        did_you_mean=results.did_you_mean,
        answer=answer,
        no_good_match=results.no_good_match,
        results=[search_hit(result) for result in results.results],
        weak_matches=[search_hit(result) for result in results.weak_matches],
    )


def suggest_response(result: SuggestResult) -> SuggestResponse:
    """Suggestions for a ticket, each linked where an agent can read it, and the triage; and
    the same for each of its requests when it asks for more than one thing."""
    return SuggestResponse(
        request_id=result.request_id,
        suggestions=[suggestion(s) for s in result.suggestions],
        triage=triage(result.triage),
        requests=[
            TicketRequest(
                text=request.text,
                label=request.label,
                suggestions=[suggestion(s) for s in request.suggestions],
                triage=triage(request.triage),
            )
            for request in result.requests
        ],
        took_ms=result.took_ms,
    )


def suggestion(found: assist.Suggestion) -> Suggestion:
    """One suggested article, at the section that answers."""
    article, section = found.article, found.section
    return Suggestion(
        slug=article.slug,
        title=article.title,
        url=agent_article_path(article, section.anchor),
        section=SectionRef(anchor=section.anchor, title=section.title),
        snippet=found.snippet,
        score=round(found.score, 6),
        confidence=found.confidence,
        audience=article.audience,
        kind=article.kind,
    )


def triage(found: assist.Triage) -> Triage:
    return Triage(
        kind=found.kind,
        category=found.category,
        confidence=found.confidence,
        reasons=list(found.reasons),
    )
