"""Publishing from the studio into a real git repository in a temporary folder: a commit by the
writer naming the article and its tickets, or a review branch that leaves the working tree alone;
an article updated with what a draft adds; a file changed on disk since it was opened is a
conflict, never overwritten; placeholders and a missing answer block publishing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kb.content.git import Author, merged
from kb.errors import BadRequest, Conflict
from kb.state.auth import Principal
from kb.tickets.draft_files import get_draft, list_drafts, text_version
from kb.tickets.publishing import (
    article_file,
    author_of,
    publish_new,
    publish_update,
    review_state,
)
from tests.helpers import FIXTURES

WRITER = Author("Dana Writer", "dana@example.com")
DRAFT = """---
title: {title}
status: draft
audience: public
type: troubleshooting
category: sync
kind: support
source_tickets: [t-1, t-2]
generated: '2026-11-23'
generated_hash: abc
{extra}---
## Issue

- The photo vault asks for a PIN I never set.

## Resolution

1. Open Settings, choose Vault and tap Reset PIN.
"""


def git(root: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *arguments], capture_output=True, text=True, check=True
    )
    return done.stdout.strip("\n")


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A help center's repository: the content folder one level down, everything committed."""
    root = tmp_path / "site"
    shutil.copytree(FIXTURES / "content", root / "content")
    git(root.parent, "init", "--quiet", "--initial-branch=main", str(root))
    git(root, "config", "user.name", "Help Center")
    git(root, "config", "user.email", "help@example.com")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "Content")
    return root / "content"


def write_draft(content: Path, draft_id: str = "vault-pin", title: str = "Photo vault PIN",
                extra: str = "") -> str:  # fmt: skip
    path = content / "drafts" / f"{draft_id}.md"
    path.write_text(DRAFT.format(title=title, extra=extra), encoding="utf-8")
    return get_draft(content, draft_id).version


def test_publishing_commits_the_article_by_its_writer_and_nothing_else(repository) -> None:
    root = repository.parent
    version = write_draft(repository, title="Reset the photo vault PIN")
    # a writer's work in their editor, staged and unstaged: not part of the studio's commit
    (repository / "sync" / "notes.md").write_text("---\ntitle: Notes\n---\nWork in progress.\n")
    git(root, "add", "content/sync/notes.md")
    refund = next(repository.glob("billing/*.md"))
    refund.write_text(refund.read_text() + "\nAn edit not yet saved in git.\n")
    published = publish_new(repository, "vault-pin", version, author=WRITER)
    assert published.path == repository / "sync" / "reset-the-photo-vault-pin.md"
    assert published.live and published.branch is None
    assert git(root, "rev-parse", "HEAD") == published.commit
    assert git(root, "log", "-1", "--format=%an <%ae>") == "Dana Writer <dana@example.com>"
    message = git(root, "log", "-1", "--format=%B")
    assert (
        "“Reset the photo vault PIN”" in message and "sync/reset-the-photo-vault-pin.md" in message
    )
    assert "t-1, t-2" in message
    assert git(root, "show", "--name-status", "--format=", "HEAD") == (
        "A\tcontent/sync/reset-the-photo-vault-pin.md"
    )  # the draft was never committed, so there is no deletion to commit
    status = git(root, "status", "--porcelain")
    assert "A  content/sync/notes.md" in status and f" M content/{refund.parent.name}/" in status
    text = published.path.read_text()
    assert "status: published" in text and "generated_hash" not in text
    assert not (repository / "drafts" / "vault-pin.md").exists()


def test_a_tracked_draft_leaves_git_in_the_same_commit(repository) -> None:
    root = repository.parent
    version = write_draft(repository)
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "Drafts")
    publish_new(repository, "vault-pin", version, author=WRITER)
    changes = git(root, "show", "--no-renames", "--name-status", "--format=", "HEAD").splitlines()
    assert sorted(changes) == [
        "A\tcontent/sync/photo-vault-pin.md",
        "D\tcontent/drafts/vault-pin.md",
    ]
    assert git(root, "status", "--porcelain") == ""


def test_branch_mode_commits_for_review_and_leaves_the_working_tree(repository) -> None:
    root = repository.parent
    version = write_draft(repository)
    head = git(root, "rev-parse", "HEAD")
    published = publish_new(repository, "vault-pin", version, mode="branch", author=WRITER)
    assert (published.branch, published.live) == ("drafts/vault-pin", False)
    assert git(root, "rev-parse", "HEAD") == head and git(root, "status", "--porcelain") == (
        "?? content/drafts/vault-pin.md"
    )  # nothing written, nothing staged: the draft waits as it was
    assert not (repository / "sync" / "photo-vault-pin.md").exists()
    on_branch = git(root, "show", "drafts/vault-pin:content/sync/photo-vault-pin.md")
    assert "status: published" in on_branch
    assert git(root, "log", "-1", "--format=%an", "drafts/vault-pin") == "Dana Writer"
    assert review_state(repository, "vault-pin") == "in review"
    # published again after an edit: one more commit on the same branch
    path = repository / "drafts" / "vault-pin.md"
    path.write_text(path.read_text().replace("tap Reset PIN", "tap Reset PIN, then Confirm"))
    again = publish_new(repository, "vault-pin", None, mode="branch", author=WRITER)
    assert git(root, "rev-parse", f"{again.commit}^") == published.commit
    # merged by a reviewer: the article is in the working tree, ready to index
    git(root, "merge", "--quiet", "--ff-only", "drafts/vault-pin")
    assert merged(root, "drafts/vault-pin") and review_state(repository, "vault-pin") == "merged"
    assert "Confirm" in (repository / "sync" / "photo-vault-pin.md").read_text()


def test_a_review_branch_someone_else_committed_to_is_not_overwritten(repository) -> None:
    root = repository.parent
    publish_new(repository, "vault-pin", write_draft(repository), mode="branch", author=WRITER)
    git(root, "checkout", "--quiet", "drafts/vault-pin")
    (repository / "sync" / "photo-vault-pin.md").write_text("---\ntitle: Reviewed\n---\nBetter.\n")
    git(root, "commit", "--quiet", "-am", "Reviewer's wording")
    reviewed = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "--quiet", "main")
    with pytest.raises(Conflict, match="someone else"):
        publish_new(repository, "vault-pin", None, mode="branch", author=WRITER)
    assert git(root, "rev-parse", "drafts/vault-pin") == reviewed


def test_a_draft_changed_on_disk_since_it_was_opened_is_a_conflict(repository) -> None:
    opened = write_draft(repository)
    path = repository / "drafts" / "vault-pin.md"
    path.write_text(path.read_text() + "\n2. Edited in a text editor meanwhile.\n")
    with pytest.raises(Conflict, match="changed on disk"):
        publish_new(repository, "vault-pin", opened, author=WRITER)
    assert "Edited in a text editor" in path.read_text()
    assert not (repository / "sync" / "photo-vault-pin.md").exists()


def test_the_slug_follows_the_title_until_the_writer_sets_one(repository) -> None:
    version = write_draft(repository, title="Reset a forgotten vault PIN")
    assert publish_new(repository, "vault-pin", version).path.name == (
        "reset-a-forgotten-vault-pin.md"
    )
    version = write_draft(repository, "other", "Anything", extra="slug: vault-pin-help\n")
    assert publish_new(repository, "other", version).path.name == "vault-pin-help.md"
    version = write_draft(repository, "third", "Reset a forgotten vault PIN")
    with pytest.raises(Conflict, match="already exists"):
        publish_new(repository, "third", version)


@pytest.mark.parametrize("placeholder", ["(not stated)", "[e-mail address]", "(link)"])
def test_a_placeholder_blocks_publishing(repository, placeholder: str) -> None:
    write_draft(repository)
    path = repository / "drafts" / "vault-pin.md"
    path.write_text(path.read_text() + f"2. Write to {placeholder} for help.\n")
    with pytest.raises(BadRequest, match="before publishing") as refused:
        publish_new(repository, "vault-pin", text_version(path.read_text()))
    assert refused.value.field == "markdown" and placeholder in refused.value.message
    assert path.exists() and not (repository / "sync" / "photo-vault-pin.md").exists()


def update_draft(content: Path) -> str:
    return write_draft(
        content, "refund-timing", "Refund timing", extra="update_of: request-a-refund\n"
    )


def test_an_update_publishes_the_article_as_edited_and_archives_the_draft(repository) -> None:
    root = repository.parent
    version = update_draft(repository)
    article = article_file(repository, "request-a-refund")
    text = article.read_text() + "\n## PIN reset\n\nOpen Settings, choose Vault, tap Reset PIN.\n"
    published = publish_update(
        repository, "refund-timing", version, text, text_version(article.read_text()),
        author=WRITER,
    )  # fmt: skip
    assert published.path == article and article.read_text() == text
    assert "Update “" in git(root, "log", "-1", "--format=%s")
    assert git(root, "show", "--name-only", "--format=", "HEAD") == (
        f"content/{article.relative_to(repository)}"
    )
    archived = repository / ".archive" / "drafts" / "refund-timing.md"
    assert "merged_into: request-a-refund" in archived.read_text()
    assert [d.id for d in list_drafts(repository)] == ["unreleased-feature"]


def test_an_article_changed_on_disk_since_it_was_opened_is_never_overwritten(repository) -> None:
    version = update_draft(repository)
    article = article_file(repository, "request-a-refund")
    opened = text_version(article.read_text())
    article.write_text(article.read_text() + "\nA line a writer added in their editor.\n")
    with pytest.raises(Conflict, match="changed on disk"):
        publish_update(repository, "refund-timing", version, "---\ntitle: Mine\n---\n", opened)
    assert article.read_text().endswith("A line a writer added in their editor.\n")
    assert (repository / "drafts" / "refund-timing.md").exists()


def test_an_update_with_a_placeholder_or_broken_front_matter_is_refused(repository) -> None:
    version = update_draft(repository)
    article = article_file(repository, "request-a-refund")
    opened = text_version(article.read_text())
    with pytest.raises(BadRequest) as refused:
        publish_update(repository, "refund-timing", version, article.read_text() + "(not stated)",
                       opened)  # fmt: skip
    assert refused.value.field == "article"
    with pytest.raises(BadRequest, match="title") as broken:
        publish_update(repository, "refund-timing", version, "---\ntags: [x]\n---\nText\n", opened)
    assert broken.value.field == "article"


def test_without_git_the_files_are_written_and_nothing_is_committed(content_dir: Path) -> None:
    version = write_draft(content_dir)
    published = publish_new(content_dir, "vault-pin", version, author=WRITER)
    assert published.commit is None and published.path.exists()


def test_the_author_is_the_signed_in_writer() -> None:
    assert author_of(Principal("Dana Writer", "writer")) == Author(
        "Dana Writer", "dana-writer@kb.invalid"
    )
    assert author_of(None) is None


def test_kb_drafts_publish_commits_to_a_review_branch(runner, repository, monkeypatch) -> None:
    from cli import main  # noqa: PLC0415

    write_draft(repository)
    monkeypatch.setenv("KB_CONTENT_DIR", str(repository))
    monkeypatch.setenv("KB_PUBLISH", "branch")
    result = runner.invoke(main, ["drafts", "publish", "vault-pin"])
    assert result.exit_code == 0, result.output
    assert "to the branch drafts/vault-pin" in result.output
    assert "status: published" in git(
        repository.parent, "show", "drafts/vault-pin:content/sync/photo-vault-pin.md"
    )
