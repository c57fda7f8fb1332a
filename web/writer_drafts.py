"""One draft in the writer studio: a form for its title, URL, category, audience, type and tags,
its text in an editor with a live preview, publishing after a confirmation (never with a
placeholder left, never over a file changed since it was opened), or rejecting. A draft that
adds to an existing article opens beside that article, which the writer edits and publishes.

The views are registered on the writer blueprint by web/writer.py (ROUTES)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from wtforms import Field, Form, StringField, TextAreaField
from wtforms.validators import Regexp, StopValidation

from indexer.background import request_build
from kb.content.front_matter import InvalidArticle, parse_article
from kb.content.git import Author, repository_root
from kb.content.model import AUDIENCES, TYPES
from kb.content.render import render_article
from kb.errors import BadRequest, KBError
from kb.tickets.draft_files import (
    SLUG,
    SLUG_RULE,
    Draft,
    file_text,
    get_draft,
    publication,
    reject_draft,
    save_draft,
    text_version,
)
from kb.tickets.placeholders import describe, unfilled
from kb.tickets.publishing import (
    article_file,
    author_of,
    publish_new,
    publish_update,
    update_publication,
)
from kb.tickets.scrub import scrub_personal_data
from kb.tickets.store import TicketStore
from kb.tickets.studio import categories, compose, form_values, proposed_additions
from web.auth import audit, signed_in
from web.services import agent_links, public_links, services

MAX_TEXT = 200_000  # characters of Markdown a draft or an article may have


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _required(message: str):
    def check(form: Form, field: Field) -> None:
        if not field.data:
            raise StopValidation(message)

    return check


def _at_most(limit: int):
    def check(form: Form, field: Field) -> None:
        if len(field.data or "") > limit:
            raise StopValidation(f"Keep this under {limit:,} characters ({len(field.data):,} now).")

    return check


def _one_of(choices: Callable[[Any], Sequence[str]]):
    """A choice from a list (a <select>; anything else was not sent by the page)."""

    def check(form: Form, field: Field) -> None:
        if field.data not in choices(form):
            raise StopValidation(f"Choose one of: {', '.join(choices(form))}.")

    return check


class DraftForm(Form):
    """The fields a writer edits; the category's choices are the content folder's."""

    title = StringField(
        filters=[_one_line], validators=[_required("Give the article a title."), _at_most(200)]
    )
    slug = StringField(
        "URL",
        filters=[lambda s: (s or "").strip().lower()],
        validators=[Regexp(f"^(?:{SLUG.pattern})?$", message=f"A URL is {SLUG_RULE}.")],
    )
    category = StringField(validators=[_one_of(lambda form: form.categories)])
    audience = StringField(validators=[_one_of(lambda form: AUDIENCES)])
    type = StringField(validators=[_one_of(lambda form: TYPES)])
    categories: list[str] = []  # the content folder's, set for each form (see _form)
    tags = StringField(filters=[_one_line], validators=[_at_most(400)])
    body = TextAreaField(validators=[_at_most(MAX_TEXT)])

    def fields(self) -> dict[str, Any]:
        tags = [t.strip().lower() for t in (self.tags.data or "").split(",") if t.strip()]
        names = ("title", "slug", "category", "audience", "type")
        return {**{name: getattr(self, name).data for name in names}, "tags": tags}


def _form(draft: Draft, data: Any = None) -> DraftForm:
    form = DraftForm(data, data=None if data else {**form_values(draft), "body": draft.body})
    known = categories(services().settings.content_dir)
    form.categories = sorted({*known, form_values(draft)["category"]})
    return form


def source_tickets(store: TicketStore, ticket_ids: list[str]) -> list[dict]:
    """Tickets as a writer sees them: every message scrubbed of personal data."""
    found = [store.get(ticket_id) for ticket_id in ticket_ids]
    return [
        {"id": t.id, "brand": t.brand,
         "messages": [(m.author, scrub_personal_data(m.body)) for m in t.messages]}
        for t in found
        if t is not None
    ]  # fmt: skip


def render_preview(text: str, relative: str) -> tuple[str | None, str | None]:
    """The article as its readers will see it, or the problem to show instead."""
    try:
        article = parse_article(text, relative)
        index = services().index.get()
        readers = public_links if article.audience == "public" else agent_links
        return render_article(article, index.links, readers(index)).html, None
    except InvalidArticle as invalid:  # shown to the writer beside the text, with its line
        return None, f"Line {invalid.line}: {invalid.message}"
    except KBError as unavailable:  # no index to preview against: the text is still there
        return None, unavailable.message


def draft_page(draft_id: str):
    return _draft_view(get_draft(services().settings.content_dir, draft_id))


def _draft_view(draft: Draft, form: DraftForm | None = None, article_text: str | None = None,
                error: str | None = None, status: int = 200):  # fmt: skip
    settings = services().settings
    store = TicketStore(services().database)
    tickets = source_tickets(store, draft.source_tickets)
    if draft.meta.get("update_of"):
        path = article_file(settings.content_dir, str(draft.meta["update_of"]))
        on_disk = path.read_text(encoding="utf-8")
        text = on_disk if article_text is None else article_text
        relative = path.relative_to(settings.content_dir)
        preview, problem = render_preview(text, relative.as_posix())
        return render_template(
            "writer_update.html",
            draft=draft,
            article_text=text,
            article_title=_title_of(on_disk, relative.as_posix(), str(draft.meta["update_of"])),
            file=relative,
            article_version=request.form.get("article_version") or text_version(on_disk),
            additions=proposed_additions(draft.body, text),
            preview=preview,
            error=error or problem,
            tickets=tickets,
            unfilled=describe(unfilled(text)),
        ), status
    form = form or _form(draft)
    text = compose(draft, form.fields(), form.body.data or "")
    preview, problem = render_preview(text, f"drafts/{draft.id}.md")
    left = ["the title"] if unfilled(form.title.data or "") else []
    left += [describe(found)] if (found := unfilled(form.body.data or "")) else []
    return render_template(
        "writer_draft.html",
        draft=draft,
        form=form,
        preview=preview,
        error=error or problem,
        tickets=tickets,
        unfilled=" and ".join(left),
        slug_follows=form_values(draft)["slug_follows"] and request.method == "GET",
        audiences=[("public", "Customers (public)"), ("internal", "Agents only (internal)")],
        types=TYPES,
    ), status


def _title_of(text: str, relative: str, fallback: str) -> str:
    try:
        return parse_article(text, relative).title
    except InvalidArticle:  # saved broken in an editor: the page still opens, to fix it
        return fallback


def save(draft_id: str):
    """Save the form (or, without script, show its preview)."""
    draft = get_draft(services().settings.content_dir, draft_id)
    if draft.meta.get("update_of"):
        return _draft_view(draft, article_text=request.form.get("article"))
    form = _form(draft, request.form)
    if not form.validate():
        return _draft_view(draft, form, error=_first_error(form), status=400)
    if request.form.get("action") == "preview":
        return _draft_view(draft, form)
    try:
        saved = _save_form(draft, form)
    except KBError as error:
        return _draft_view(draft, form, error=error.message, status=error.status)
    if saved is not draft:  # the form changed something
        audit("draft_updated", signed_in("writer"), target=draft_id)
    flash("Draft saved.")
    return redirect(url_for("writer.draft_page", draft_id=draft_id))


def _save_form(draft: Draft, form: DraftForm) -> Draft:
    text = compose(draft, form.fields(), form.body.data or "")
    if text == draft.text:
        return draft
    return save_draft(
        services().settings.content_dir, draft.id, text, request.form.get("version", "")
    )


def _first_error(form: DraftForm) -> str:
    name, messages = next(iter(form.errors.items()))
    return f"{getattr(form, str(name)).label.text}: {list(messages)[0]}"


def preview():
    """The live preview: the text as its readers will see it, as an HTML fragment."""
    if "article" in request.form:
        text, relative = request.form["article"], "article.md"
    else:
        title = _one_line(request.form.get("title")) or "Untitled"
        text = file_text({"title": title}, request.form.get("body", ""))
        relative = "drafts/preview.md"
    if len(text) > MAX_TEXT:
        raise BadRequest(f"the text is over {MAX_TEXT:,} characters", field="body")
    html, problem = render_preview(text, relative)
    return render_template("writer_preview.html", preview=html, error=problem)


def publish(draft_id: str):
    """First the confirmation (the form saved, every check passed); then, confirmed, publish."""
    settings = services().settings
    draft = get_draft(settings.content_dir, draft_id)
    update = bool(draft.meta.get("update_of"))
    try:
        if not update and "title" in request.form:
            form = _form(draft, request.form)
            if not form.validate():
                return _draft_view(draft, form, error=_first_error(form), status=400)
            draft = _save_form(draft, form)
        if request.form.get("confirm") != "yes":
            return _confirmation(draft, update)
        writer = author_of(signed_in("writer"))
        if update:
            published = publish_update(
                settings.content_dir, draft.id, request.form.get("version"),
                request.form.get("article", ""), request.form.get("article_version", ""),
                mode=settings.publish, author=writer,
            )  # fmt: skip
        else:
            published = publish_new(settings.content_dir, draft.id, request.form.get("version"),
                                    mode=settings.publish, author=writer)  # fmt: skip
    except KBError as error:
        return _draft_view(draft, article_text=request.form.get("article"), error=error.message,
                           status=error.status)  # fmt: skip
    where = published.path.relative_to(settings.content_dir).as_posix()
    detail = where if published.live else f"{where} on {published.branch}"
    audit("draft_published", signed_in("writer"), target=draft_id, detail=detail)
    if published.live:
        request_build(settings)  # off the request: `kb watch`, or `kb index` in the background
        flash(f"Published as {where}; it will be searchable in a few seconds.")
    else:
        flash(f"Committed to the branch {published.branch} for review; it goes live when merged.")
    return redirect(url_for("writer.queue"))


def _confirmation(draft: Draft, update: bool):
    """Where it goes and how, before anything is written."""
    settings = services().settings
    if update:
        text = request.form.get("article", "")
        target, article = update_publication(
            settings.content_dir, draft, draft.version, text,
            request.form.get("article_version", ""),
        )  # fmt: skip
    else:
        target, text = publication(settings.content_dir, draft, draft.version)
        article = parse_article(text, target.relative_to(settings.content_dir).as_posix())
    return render_template(
        "writer_confirm.html", draft=draft, update=update, article=article, text=text,
        file=target.relative_to(settings.content_dir), mode=settings.publish,
        article_version=request.form.get("article_version", ""),
        in_git=repository_root(settings.content_dir) is not None,
        author=(author_of(signed_in("writer")) or Author("you", "")).name,
    )  # fmt: skip


def reject(draft_id: str):
    try:
        reject_draft(services().settings.content_dir, draft_id, request.form.get("reason", ""))
    except KBError as error:
        draft = get_draft(services().settings.content_dir, draft_id)
        return _draft_view(draft, error=error.message, status=error.status)
    audit("draft_rejected", signed_in("writer"), target=draft_id,
          detail=request.form.get("reason", "")[:200])  # fmt: skip
    flash("Draft rejected and archived.")
    return redirect(url_for("writer.queue"))


ROUTES: list[tuple[str, Callable[..., Any], list[str]]] = [
    ("/writer/drafts/<draft_id>", draft_page, ["GET"]),
    ("/writer/drafts/<draft_id>", save, ["POST"]),
    ("/writer/drafts/<draft_id>/publish", publish, ["POST"]),
    ("/writer/drafts/<draft_id>/reject", reject, ["POST"]),
    ("/writer/preview", preview, ["POST"]),
]
