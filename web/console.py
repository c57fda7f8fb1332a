"""The agent console: sign in with a key, paste a ticket, see triage and suggestions."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from kb.content.catalog import category_name
from kb.content.render import render_article
from kb.errors import NotFound
from web.auth import sign_out, signed_in
from web.services import agent_links, services
from web.sign_in import login_page

blueprint = Blueprint("console", __name__, url_prefix="/agent")


def signed_in_agent():
    """The console's user, or None (then the page sends them to sign in)."""
    return signed_in("agent")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    return login_page("agent", "use the agent console", "Agent console", "console.console_page")


@blueprint.post("/logout")
def logout():
    sign_out()
    return redirect(url_for("console.login"))


@blueprint.get("")
def console_page():
    principal = signed_in_agent()
    if principal is None:
        return redirect(url_for("console.login"))
    return render_template("agent.html", principal=principal)


@blueprint.get("/articles/<slug>")
def agent_article(slug: str):
    if signed_in_agent() is None:
        return redirect(url_for("console.login"))
    index = services().index.get()
    article = index.articles.get(slug)
    if article is None or not article.is_searchable:
        raise NotFound(f"no article '{slug}'")
    return render_template(
        "article.html",
        article=article,
        rendered=render_article(article, index.links, agent_links(index)),
        related=[],
        category_name=category_name(article.category),
        agent_view=True,
    )
