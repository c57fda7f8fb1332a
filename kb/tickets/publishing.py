"""Publishing from the studio: a new article from a draft, or an existing article updated with
what a draft adds, written to the content folder and, when that folder is a git repository,
committed (KB_PUBLISH=direct) or committed to a branch of its own for review (KB_PUBLISH=branch:
the working tree is left alone, and the article goes live when the branch is merged).

Nothing changed on disk since the writer opened it is overwritten: the draft and the article
each carry the version the writer saw, and a file that changed since is a Conflict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from kb.content.front_matter import InvalidArticle, article_problem, parse_article
from kb.content.git import (
    Author,
    branch_tip,
    commit_files,
    commit_to_branch,
    merged,
    repository_root,
    tracked,
)
from kb.content.loading import content_files
from kb.content.model import Article
from kb.errors import BadRequest, ConfigurationError, Conflict, InvalidContent, NotFound
from kb.state.auth import Principal
from kb.studio_settings import PUBLISH_MODES
from kb.tickets.draft_files import (
    DRAFTS,
    Draft,
    archive_draft,
    check_version,
    draft_slug,
    get_draft,
    inside,
    publication,
    text_version,
    writable_target,
    write_atomically,
)
from kb.tickets.placeholders import describe, unfilled


@dataclasses.dataclass(frozen=True)
class Published:
    path: Path  # the article's file (on the review branch, in branch mode)
    slug: str
    commit: str | None  # None when the content folder is no git repository
    branch: str | None  # the review branch, in branch mode

    @property
    def live(self) -> bool:
        """Written to the content folder: index it now (a review branch goes live when merged)."""
        return self.branch is None


def author_of(principal: Principal | None) -> Author | None:
    """Who a commit names as its author: the signed-in person (their account's name and e-mail
    address), or for an operator's key its name and an address that says it is none."""
    if principal is None:
        return None
    email = principal.email or (
        (re.sub(r"[^a-z0-9.-]+", "-", principal.name.lower()).strip("-.") or "writer")
        + "@kb.invalid"
    )
    return Author(principal.name, email)


def review_branch(draft_id: str) -> str:
    return f"drafts/{draft_id}"


def review_state(content_dir: Path, draft_id: str) -> str | None:
    """ "in review" while the draft's branch waits, "merged" once it is in, else None."""
    root = repository_root(content_dir)
    if root is None:
        return None
    if branch_tip(root, review_branch(draft_id)) is None:
        return None
    return "merged" if merged(root, review_branch(draft_id)) else "in review"


def article_file(content_dir: Path, slug: str) -> Path:
    """The file of the article with this slug (drafts are never one), inside the content
    folder; the file named after the slug is tried first."""
    named = [p.relative_to(content_dir).as_posix() for p in content_dir.glob(f"*/{slug}.md")]
    for relative in dict.fromkeys([*sorted(named), *content_files(content_dir)]):
        path = content_dir / relative
        if relative.startswith(f"{DRAFTS}/") or not inside(content_dir, path):
            continue
        try:
            found = parse_article(path.read_text(encoding="utf-8"), relative).slug
        except (InvalidArticle, OSError, UnicodeDecodeError):
            continue
        if found == slug:
            return writable_target(content_dir, path, "update_of")
    raise NotFound(f"no article '{slug}' to update")


def publish_new(
    content_dir: Path,
    draft_id: str,
    version: str | None,
    *,
    mode: str = "direct",
    author: Author | None = None,
) -> Published:
    """A draft becomes content/<category>/<slug>.md."""
    draft = get_draft(content_dir, draft_id)
    target, text = publication(content_dir, draft, version)
    message = f"Publish “{draft.meta['title']}” ({target.relative_to(content_dir)})"
    return _publish(content_dir, draft, {target: text}, message, mode, author)


def publish_update(
    content_dir: Path,
    draft_id: str,
    version: str | None,
    article_text: str,
    article_version: str,
    *,
    mode: str = "direct",
    author: Author | None = None,
) -> Published:
    """The article a draft adds to, as the writer edited it beside the draft; the draft is
    archived as merged into it."""
    draft = get_draft(content_dir, draft_id)
    path, article = update_publication(content_dir, draft, version, article_text, article_version)
    message = f"Update “{article.title}” ({path.relative_to(content_dir).as_posix()})"
    return _publish(content_dir, draft, {path: article_text}, message, mode, author, article.slug)


def update_publication(
    content_dir: Path, draft: Draft, version: str | None, article_text: str, article_version: str
) -> tuple[Path, Article]:
    """The file an update draft's article is in and the article as edited, once every check
    has passed; nothing is written."""
    check_version(draft, version)
    slug = str(draft.meta.get("update_of") or "")
    if not slug:
        raise BadRequest("this draft is a new article, not an update", field="draft_id")
    path = article_file(content_dir, slug)
    relative = path.relative_to(content_dir).as_posix()
    if text_version(path.read_text(encoding="utf-8")) != article_version:
        raise Conflict(f"{relative} changed on disk since you opened it; reload and edit again")
    problem = article_problem(article_text, relative)
    if problem is not None:
        raise InvalidContent(problem.message, path=relative, line=problem.line, field="article")
    if found := unfilled(article_text):
        raise BadRequest(f"fill in or remove {describe(found)} of the article", field="article")
    article = parse_article(article_text, relative)
    if article.slug != slug:
        raise BadRequest(f"the article's slug must stay '{slug}'", field="article")
    return path, article


def _publish(
    content_dir: Path,
    draft: Draft,
    files: dict[Path, str],
    message: str,
    mode: str,
    author: Author | None,
    updated: str | None = None,
) -> Published:
    if mode not in PUBLISH_MODES:
        raise ConfigurationError(f"KB_PUBLISH must be one of {', '.join(PUBLISH_MODES)}")
    [(path, text)] = files.items()
    slug = updated or draft_slug(draft)
    tickets = ", ".join(draft.source_tickets)
    message += f"\n\nFrom resolved tickets: {tickets}" if tickets else ""
    message += f"\nDraft: {DRAFTS}/{draft.id}.md"
    root = repository_root(content_dir)
    if mode == "branch":
        if root is None:
            raise ConfigurationError("KB_PUBLISH=branch needs the content folder in git")
        removed = {draft.path: None} if tracked(root, draft.path) else {}
        branch = review_branch(draft.id)
        commit = commit_to_branch(root, branch, {**files, **removed}, message, author)
        return Published(path, slug, commit, branch)
    write_atomically(path, text)
    if updated:
        archive_draft(
            content_dir, draft, merged_into=updated, merged_at=dt.date.today().isoformat()
        )
    else:
        draft.path.unlink()
    committed = commit_files(root, [path, draft.path], message, author) if root else None
    return Published(path, slug, committed, None)
