"""Paths built from what a writer controls (a draft's id, its category) stay inside the content
folder: `..`, absolute paths, `%2F`, NUL, links out of content/ and over-long names are a 400
that names the field (or a 404), never a file written elsewhere and never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.errors import BadRequest, NotFound
from kb.tickets.draft_files import get_draft, list_drafts, publish_draft, reject_draft, save_draft
from tests.helpers import csrf_token, sign_in

DRAFT = """---
title: Photo vault PIN
status: draft
category: {category}
---
## Resolution

1. Open Settings and reset the PIN.
"""


def write_draft(content_dir: Path, category: str, draft_id: str = "vault-pin") -> Path:
    path = content_dir / "drafts" / f"{draft_id}.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(DRAFT.format(category=category), encoding="utf-8")
    return path


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the content folder that nothing may write into."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


ESCAPES = [
    "../outside",
    "../../../tmp/kb-escape",
    "/tmp/kb-escape",
    "billing/../../outside",
    '"bil\\0ling"',
    "a" * 300,
    "drafts",
    "Billing Team",
]


@pytest.mark.parametrize("category", ESCAPES)
def test_publishing_refuses_a_category_that_is_not_a_folder_name(
    content_dir: Path, outside: Path, category: str
) -> None:
    write_draft(content_dir, category)
    before = files_under(content_dir.parent)
    with pytest.raises(BadRequest) as refused:
        publish_draft(content_dir, "vault-pin")
    assert refused.value.field == "category"
    assert files_under(content_dir.parent) == before
    assert not Path("/tmp/kb-escape").exists()


def test_a_category_folder_linked_outside_the_content_folder_is_refused(
    content_dir: Path, outside: Path
) -> None:
    (content_dir / "linked").symlink_to(outside, target_is_directory=True)
    write_draft(content_dir, "linked")
    with pytest.raises(BadRequest, match="outside the content folder") as refused:
        publish_draft(content_dir, "vault-pin")
    assert refused.value.field == "category"
    assert list(outside.iterdir()) == []


def test_a_draft_file_linked_outside_is_neither_listed_read_nor_written(
    content_dir: Path, outside: Path
) -> None:
    secret = outside / "secret.md"
    secret.write_text("---\ntitle: Not a draft\n---\nprivate text\n", encoding="utf-8")
    (content_dir / "drafts").mkdir(exist_ok=True)
    (content_dir / "drafts" / "leak.md").symlink_to(secret)
    assert "leak" not in {draft.id for draft in list_drafts(content_dir)}
    with pytest.raises(NotFound):
        get_draft(content_dir, "leak")
    with pytest.raises(NotFound):
        save_draft(content_dir, "leak", DRAFT.format(category="billing"), "any")
    assert secret.read_text(encoding="utf-8").endswith("private text\n")


def test_rejecting_into_a_linked_archive_is_refused(content_dir: Path, outside: Path) -> None:
    write_draft(content_dir, "billing")
    (content_dir / ".archive").symlink_to(outside, target_is_directory=True)
    with pytest.raises(BadRequest, match="outside the content folder"):
        reject_draft(content_dir, "vault-pin", "duplicate")
    assert list(outside.iterdir()) == []
    assert (content_dir / "drafts" / "vault-pin.md").exists()  # nothing lost


@pytest.mark.parametrize("draft_id", ["../billing/request-a-refund", "a" * 101, "a\0b", "Ab", ""])
def test_a_draft_id_that_is_not_a_file_name_is_refused(content_dir: Path, draft_id: str) -> None:
    with pytest.raises(BadRequest) as refused:
        get_draft(content_dir, draft_id)
    assert refused.value.field == "draft_id"


def test_saving_a_draft_whose_category_is_a_path_names_the_line(content_dir: Path) -> None:
    write_draft(content_dir, "billing")
    draft = get_draft(content_dir, "vault-pin")
    with pytest.raises(BadRequest, match=r"drafts/vault-pin.md:4: category") as refused:
        save_draft(content_dir, "vault-pin", DRAFT.format(category="../../x"), draft.version)
    assert refused.value.field == "markdown"
    assert get_draft(content_dir, "vault-pin").text == draft.text


def test_lint_names_a_category_that_is_a_path(runner, content_dir: Path) -> None:
    from cli import main  # noqa: PLC0415

    article = content_dir / "billing" / "odd.md"
    article.write_text("---\ntitle: Odd\ncategory: ../../etc\n---\nText.\n", encoding="utf-8")
    result = runner.invoke(main, ["lint"])
    assert result.exit_code == 1
    assert "billing/odd.md:3: category '../../etc' must be" in result.output


def writer_client(client) -> str:
    """Sign the client in as a writer; the signed-in session's CSRF token."""
    sign_in(client, "writer")
    return csrf_token(client, "/writer")


@pytest.mark.parametrize("category", ["../../../tmp/kb-escape", "/tmp/kb-escape"])
def test_the_publish_route_answers_400_naming_the_category(
    client, content_dir: Path, category: str
) -> None:
    write_draft(content_dir, category)
    token = writer_client(client)
    before = files_under(content_dir.parent)
    response = client.post("/writer/drafts/vault-pin/publish", data={"csrf_token": token})
    assert response.status_code == 400
    assert "category" in response.get_data(as_text=True)
    assert files_under(content_dir.parent) == before
    assert not Path("/tmp/kb-escape").exists()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/writer/drafts/" + "a" * 300, 400),
        ("/writer/drafts/a%00b", 400),
        ("/writer/drafts/..%2F..%2Fbilling%2Frequest-a-refund", 404),
        ("/writer/drafts/%2Fetc%2Fpasswd", 404),
        ("/writer/drafts/no-such-draft", 404),
    ],
)
def test_draft_urls_that_are_not_draft_ids_are_4xx(client, path: str, status: int) -> None:
    writer_client(client)
    response = client.get(path)
    assert response.status_code == status
    assert "Traceback" not in response.get_data(as_text=True)
