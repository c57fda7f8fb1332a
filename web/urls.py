"""Where things live on the site, as paths: kb/ names articles by slug and anchor, and web/
says where customers and agents read them. Flask-free, so the CLI prints the same addresses
(a test checks each agrees with its route)."""

from __future__ import annotations

from kb.content.model import Article


def article_path(slug: str, anchor: str = "") -> str:
    """The help-center page of an article, at a section when `anchor` names one."""
    return f"/articles/{slug}" + (f"#{anchor}" if anchor else "")


def agent_article_path(article: Article, anchor: str = "") -> str:
    """Public articles at their help-center address (a link an agent can send); internal ones
    in the agent console, the only place they can be read."""
    if article.is_public:
        return article_path(article.slug, anchor)
    return f"/agent/articles/{article.slug}" + (f"#{anchor}" if anchor else "")


def category_path(category: str) -> str:
    return f"/categories/{category}"


ACCOUNT_LINKS = {"invitation": "/staff/invitation/", "reset": "/staff/reset-password/"}


def account_link_path(purpose: str, token: str) -> str:
    """Where an invitation (purpose "invitation") or a password-reset link (purpose "reset")
    is opened; the token is URL-safe base64."""
    return ACCOUNT_LINKS[purpose] + token
