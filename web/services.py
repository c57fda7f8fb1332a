"""Access to the app's shared services from a request."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from flask import current_app, g, request

from kb.analytics.events import SearchEvent, normalise_search
from kb.content.model import Article
from kb.content.render import LinkPolicy, render_section
from kb.errors import NotFound
from kb.index.loaded import LoadedIndex
from kb.search.results import SearchResults
from web.urls import agent_article_path, article_path

if TYPE_CHECKING:  # web.app imports this module; the type is only for the checker
    from web.app import Services


def services() -> Services:
    """The services of the app handling this request (built by web.app.create_app)."""
    return current_app.extensions["kb"]


def public_article(index: LoadedIndex, slug: str) -> Article:
    """The article customers may read, or 404: internal and draft articles do not exist here."""
    article = index.articles.get(slug)
    if article is None or not article.is_public:
        raise NotFound(f"no article '{slug}'")
    return article


def public_links(index: LoadedIndex) -> LinkPolicy:
    """Customers' links: to public articles only; one to an internal article shows its text."""

    def href(slug: str, fragment: str) -> str | None:
        target = index.articles.get(slug)
        return article_path(slug, fragment) if target is not None and target.is_public else None

    return href


def answer_html(index: LoadedIndex, results: SearchResults) -> str | None:
    """The instant answer's section as customers see it on the article page (the results page
    and the API show the same), or None when there is no answer or it renders to nothing."""
    if results.answer is None:
        return None
    top = results.answer.result
    html = render_section(top.article, top.section.anchor, index.links, public_links(index))
    return html if html.strip() else None


def agent_links(index: LoadedIndex) -> LinkPolicy:
    """Agents' links: to every published article, internal ones in the console."""

    def href(slug: str, fragment: str) -> str | None:
        target = index.articles.get(slug)
        if target is None or not target.is_searchable:
            return None
        return agent_article_path(target, fragment)

    return href


VISITOR_COOKIE = "kb_visitor"
_VISITOR = re.compile(r"[0-9a-f]{32}")


def visitor_id() -> str:
    """An anonymous, random id per browser (a cookie), so analytics can count people without
    knowing who they are; never derived from the IP address. A browser without one is given
    one with this response."""
    if "visitor" not in g:
        value = request.cookies.get(VISITOR_COOKIE, "")
        g.visitor = value if _VISITOR.fullmatch(value) else uuid.uuid4().hex
        g.new_visitor = g.visitor != value
    return g.visitor


def returning_visitor() -> str:
    """The visitor cookie this request carried, or "": a search without one is counted, but as
    no one, so a script that keeps no cookies cannot pose as many visitors."""
    value = request.cookies.get(VISITOR_COOKIE, "")
    return value if _VISITOR.fullmatch(value) else ""


def remember_visitor(response):
    if g.get("new_visitor"):
        response.set_cookie(
            VISITOR_COOKIE,
            g.visitor,
            max_age=365 * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def log_search(results) -> str:
    """Record a search off the request path (analytics); returns its id, which clicks cite."""
    search_id = uuid.uuid4().hex
    query, scrubbed = normalise_search(results.query)
    services().events.record(
        SearchEvent(
            search_id,
            returning_visitor(),
            query,
            results.mode,
            results.total,
            tuple(r.article.slug for r in results.results),
            results.took_ms,
            address=services().addresses.hash(request.remote_addr),
            scrubbed=scrubbed,
        )
    )
    return search_id
