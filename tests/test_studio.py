"""The writer studio's pages (test client): the draft list filtered, sorted and paged; the draft
form (fields, not YAML), its live preview and its checks; publishing only after a confirmation
and never with a placeholder left; an update published as the article the writer edited beside
it; the groups that need an answer; draft generation as a background job with its progress."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from kb.tickets.draft_files import get_draft, text_version
from kb.tickets.drafts import UnansweredGroup
from kb.tickets.store import TicketStore
from kb.tickets.unanswered import UnansweredGroups, group_id
from tests.helpers import ADMIN_KEY, WRITER_KEY
from tests.test_drafts import VAULT

DRAFT = """---
title: {title}
status: draft
audience: public
type: troubleshooting
category: {category}
tags: [vault]
source_tickets: [{tickets}]
generated: '{day}'
generated_hash: abc
{extra}---
## Issue

- The photo vault asks for a PIN I never set.

## Resolution

1. {step}
"""


def write_draft(content: Path, draft_id: str, title: str = "Photo vault PIN", *, tickets: int = 2,
                category: str = "sync", day: str = "2026-11-20", extra: str = "",
                step: str = "Open Settings, choose Vault and tap Reset PIN.") -> Path:  # fmt: skip
    path = content / "drafts" / f"{draft_id}.md"
    path.parent.mkdir(exist_ok=True)
    ids = ", ".join(f"{draft_id}-{n}" for n in range(tickets))
    text = DRAFT.format(title=title, category=category, tickets=ids, day=day, extra=extra,
                        step=step)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


def sign_in(client, key: str = WRITER_KEY, page: str = "/writer") -> str:
    login = client.get(f"{page}/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    assert client.post(f"{page}/login", data={"key": key, "csrf_token": token}).status_code == 302
    return token_of(client.get(page).get_data(as_text=True))


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def titles(page: str) -> list[str]:
    return re.findall(r'class="draft-title" href="[^"]+">([^<]+)</a>', page)


def test_the_list_filters_sorts_and_pages(client, content_dir: Path) -> None:
    for number in range(23):
        write_draft(content_dir, f"small-{number:02}", f"Small problem {number:02}", tickets=1)
    write_draft(content_dir, "big", "Vault &amp; PIN trouble", tickets=12, category="billing")
    write_draft(content_dir, "update", "Refunds are slow", tickets=4, day="2026-11-25",
                extra="update_of: request-a-refund\n")  # fmt: skip
    sign_in(client)
    first = client.get("/writer").get_data(as_text=True)
    assert titles(first)[:2] == ["Vault &amp;amp; PIN trouble", "Refunds are slow"]
    assert "25 drafts · page 1 of 2" in first and len(titles(first)) == 20
    assert 'rel="next"' in first and "Adds to request-a-refund" in first
    second = client.get("/writer?page=2").get_data(as_text=True)
    assert len(titles(second)) == 5 and 'rel="prev"' in second
    assert titles(client.get("/writer?kind=update").get_data(as_text=True)) == ["Refunds are slow"]
    assert titles(client.get("/writer?category=billing").get_data(as_text=True)) == [
        "Vault &amp;amp; PIN trouble"
    ]
    assert len(titles(client.get("/writer?size=3").get_data(as_text=True))) == 2
    assert titles(client.get("/writer?sort=newest").get_data(as_text=True))[0] == "Refunds are slow"
    assert titles(client.get("/writer?sort=title&size=10").get_data(as_text=True)) == [
        "Vault &amp;amp; PIN trouble"
    ]
    odd = client.get("/writer?kind=../x&size=-1&page=999&sort=bogus")
    assert odd.status_code == 200 and "page 2 of 2" in odd.get_data(as_text=True)


def test_the_draft_page_is_a_form_without_internal_fields(client, content_dir: Path) -> None:
    write_draft(content_dir, "vault-pin")
    sign_in(client)
    page = client.get("/writer/drafts/vault-pin").get_data(as_text=True)
    assert 'id="title" name="title" type="text" value="Photo vault PIN"' in page
    assert 'value="photo-vault-pin"' in page and 'data-follows="title"' in page
    categories = re.findall(
        r'<option value="([^"]+)"', page.split('id="category"')[1].split("</select>")[0]
    )
    assert "billing" in categories and "sync" in categories and "drafts" not in categories
    assert "generated_hash" not in page and "source_tickets" not in page
    assert "---" not in page.split('id="body"')[1].split("</textarea>")[0]  # the body, no YAML
    assert '<h2 id="issue">Issue</h2>' in page or ">Issue</h2>" in page  # the preview


def form_of(content_dir: Path, draft_id: str, token: str, **changes: str) -> dict[str, str]:
    draft = get_draft(content_dir, draft_id)
    return {
        "csrf_token": token, "version": draft.version, "title": draft.meta["title"], "slug": "",
        "category": draft.meta["category"], "audience": "public", "type": "troubleshooting",
        "tags": "vault", "body": draft.body, **changes,
    }  # fmt: skip


def test_saving_the_form_writes_the_front_matter(client, content_dir: Path) -> None:
    write_draft(content_dir, "vault-pin")
    token = sign_in(client)
    changed = form_of(content_dir, "vault-pin", token, title="Reset a forgotten vault PIN",
                      category="billing", tags="vault, PIN ,security")  # fmt: skip
    assert client.post("/writer/drafts/vault-pin", data=changed).status_code == 302
    draft = get_draft(content_dir, "vault-pin")
    assert (
        draft.meta["title"] == "Reset a forgotten vault PIN" and draft.meta["category"] == "billing"
    )
    assert draft.meta["tags"] == ["vault", "pin", "security"] and "slug" not in draft.meta
    assert draft.meta["source_tickets"] == ["vault-pin-0", "vault-pin-1"]  # kept, not shown
    own = form_of(content_dir, "vault-pin", token, slug="vault-pin-help")
    assert client.post("/writer/drafts/vault-pin", data=own).status_code == 302
    assert get_draft(content_dir, "vault-pin").meta["slug"] == "vault-pin-help"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "  ", "Give the article a title."),
        ("slug", "Not a URL!", "URL: A URL is 1 to 100"),
        ("category", "../../etc", "Category: Choose one of"),
        ("audience", "everyone", "Audience: Choose one of: public, internal"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_saved(
    client, content_dir, field, value, message
) -> None:
    path = write_draft(content_dir, "vault-pin")
    before = path.read_text()
    token = sign_in(client)
    answer = client.post(
        "/writer/drafts/vault-pin", data=form_of(content_dir, "vault-pin", token, **{field: value})
    )
    assert answer.status_code == 400 and message in answer.get_data(as_text=True)
    assert path.read_text() == before


def test_the_live_preview_renders_what_readers_will_see(client, content_dir: Path) -> None:
    write_draft(content_dir, "vault-pin")
    token = sign_in(client)
    body = "## Steps\n\n1. Tap <b>Reset</b>\n"
    shown = client.post("/writer/preview", data={"csrf_token": token, "title": "A", "body": body})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "<ol>" in html and "&lt;b&gt;" in html and "<b>" not in html
    assert client.post("/writer/preview", data={"body": "x"}).status_code == 400  # no CSRF token


def test_publishing_asks_first_then_publishes_the_form_as_saved(client, content_dir: Path) -> None:
    write_draft(content_dir, "vault-pin")
    token = sign_in(client)
    form = form_of(
        content_dir, "vault-pin", token, title="Reset a forgotten vault PIN", category="billing"
    )
    asked = client.post("/writer/drafts/vault-pin/publish", data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Publish “Reset a forgotten vault PIN”?" in page
    assert (
        "billing/reset-a-forgotten-vault-pin.md" in page
        and "/articles/reset-a-forgotten-vault-pin" in page
    )
    assert not (content_dir / "billing" / "reset-a-forgotten-vault-pin.md").exists()
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    confirm = {"csrf_token": token, "version": version, "confirm": "yes"}
    assert client.post("/writer/drafts/vault-pin/publish", data=confirm).status_code == 302
    assert (
        "status: published"
        in (content_dir / "billing" / "reset-a-forgotten-vault-pin.md").read_text()
    )


def test_a_draft_with_a_placeholder_is_not_published(client, content_dir: Path) -> None:
    write_draft(content_dir, "vault-pin", step="(not stated)")
    token = sign_in(client)
    page = client.get("/writer/drafts/vault-pin").get_data(as_text=True)
    assert "Not ready to publish" in page and "“(not stated)” on line 7" in page
    for confirm in ("", "yes"):
        form = {**form_of(content_dir, "vault-pin", token), "confirm": confirm}
        refused = client.post("/writer/drafts/vault-pin/publish", data=form)
        assert refused.status_code == 400
        assert "fill in or remove what is marked for you" in refused.get_data(as_text=True)
    assert not (content_dir / "sync" / "photo-vault-pin.md").exists()
    assert (content_dir / "drafts" / "vault-pin.md").exists()


def test_an_update_opens_beside_its_article_and_publishes_it(client, content_dir: Path) -> None:
    write_draft(content_dir, "refund-pin", "Refund PIN", extra="update_of: request-a-refund\n",
                step="Refunds take 5-10 business days to reach your bank.")  # fmt: skip
    article = content_dir / "billing" / "request-a-refund.md"
    token = sign_in(client)
    page = client.get("/writer/drafts/refund-pin").get_data(as_text=True)
    assert "Update “Request a refund”" in page and "Markdown of billing/request-a-refund.md" in page
    assert "<ins>The photo vault asks for a PIN I never set.</ins>" in page
    assert "already in the article" in page  # the refund timing is in the article already
    opened = re.search(r'name="article_version" value="([^"]+)"', page).group(1)
    edited = article.read_text() + "\n## Vault PIN\n\nOpen Settings and tap Reset PIN.\n"
    form = {"csrf_token": token, "version": get_draft(content_dir, "refund-pin").version,
            "article": edited, "article_version": opened}  # fmt: skip
    asked = client.post("/writer/drafts/refund-pin/publish", data=form)
    assert asked.status_code == 200 and "Updates" in asked.get_data(as_text=True)
    assert (
        client.post(
            "/writer/drafts/refund-pin/publish", data={**form, "confirm": "yes"}
        ).status_code
        == 302
    )
    assert article.read_text() == edited
    assert not (content_dir / "drafts" / "refund-pin.md").exists()


def test_an_update_over_an_article_changed_since_is_refused(client, content_dir: Path) -> None:
    write_draft(content_dir, "refund-pin", "Refund PIN", extra="update_of: request-a-refund\n")
    article = content_dir / "billing" / "request-a-refund.md"
    token = sign_in(client)
    opened = text_version(article.read_text())
    article.write_text(article.read_text() + "\nSaved meanwhile in an editor.\n")
    form = {
        "csrf_token": token,
        "version": get_draft(content_dir, "refund-pin").version,
        "article": "---\ntitle: Mine\n---\nMine.\n",
        "article_version": opened,
        "confirm": "yes",
    }
    refused = client.post("/writer/drafts/refund-pin/publish", data=form)
    assert refused.status_code == 409 and "changed on disk" in refused.get_data(as_text=True)
    assert article.read_text().endswith("Saved meanwhile in an editor.\n")


def test_groups_that_need_an_answer_are_listed_with_their_tickets(client, app) -> None:
    database = app.extensions["kb"].database
    TicketStore(database).upsert(VAULT)
    UnansweredGroups(database).replace(
        [UnansweredGroup("Vault PIN never set", "Driftbox", ["v1", "v3"])]
    )
    sign_in(client)
    listed = client.get("/writer").get_data(as_text=True)
    assert "Needs an answer (1)" in listed and "Vault PIN never set" in listed
    page = client.get(f"/writer/gaps/{group_id(['v1', 'v3'])}").get_data(as_text=True)
    assert (
        "Source tickets (2)" in page
        and "bob@example.com" not in page
        and "[e-mail address]" in page
    )
    assert client.get("/writer/gaps/nothing").status_code == 404
    sign_in(client, ADMIN_KEY, "/admin")
    queue = client.get("/admin/gaps?kind=tickets").get_data(as_text=True)
    assert "Needs an answer" in queue and "Vault PIN never set" in queue


def test_regenerating_runs_in_the_background_with_progress(client, app, content_dir) -> None:
    TicketStore(app.extensions["kb"].database).upsert(VAULT)
    token = sign_in(client)
    started = client.post("/writer/generate", data={"csrf_token": token})
    assert started.status_code == 302  # at once: the work is in a process of its own
    page = client.get("/writer").get_data(as_text=True)
    status_url = re.search(r'data-status="([^"]+)"', page)
    if status_url:  # still running when the page was drawn: its progress is polled
        assert 'id="job-progress"' in page
        again = client.post("/writer/generate", data={"csrf_token": token})
        assert "already running" in client.get(again.location).get_data(as_text=True)
        deadline = time.monotonic() + 120
        while (status := client.get(status_url.group(1)).get_json())["state"] == "running":
            assert set(status) >= {"stage", "done", "total", "percent"}
            assert time.monotonic() < deadline
            time.sleep(0.1)
    done = client.get("/writer").get_data(as_text=True)
    assert "Last run" in done and "1 drafts (1 created)" in done, done
    assert any("v1" in p.read_text() for p in (content_dir / "drafts").glob("*.md"))


def test_a_signed_in_person_is_the_author_of_what_they_publish(app, content_dir: Path) -> None:
    from tests.accounts.conftest import make_person  # noqa: PLC0415
    from tests.accounts.conftest import sign_in as sign_in_as  # noqa: PLC0415

    def git(*arguments: str) -> str:
        done = subprocess.run(["git", "-C", str(content_dir), *arguments], check=True,
                              capture_output=True, text=True)  # fmt: skip
        return done.stdout.strip()

    git("init", "--quiet", "--initial-branch=main")
    git("config", "user.name", "Help Center")
    git("config", "user.email", "help@example.com")
    git("add", ".")
    git("commit", "--quiet", "-m", "Content")
    write_draft(content_dir, "vault-pin")
    make_person(app, "wendy@example.com", ["writer"], name="Wendy Writer")
    client = app.test_client()
    assert sign_in_as(client, "wendy@example.com", area="writer").status_code == 302
    token = token_of(client.get("/writer").get_data(as_text=True))
    asked = client.post(
        "/writer/drafts/vault-pin/publish", data=form_of(content_dir, "vault-pin", token)
    )
    page = asked.get_data(as_text=True)
    assert "committed to git as Wendy Writer" in page
    version = re.search(r'name="version" value="([^"]+)"', page).group(1)
    confirm = {"csrf_token": token, "version": version, "confirm": "yes"}
    assert client.post("/writer/drafts/vault-pin/publish", data=confirm).status_code == 302
    assert git("log", "-1", "--format=%an <%ae>") == "Wendy Writer <wendy@example.com>"
    assert "sync/photo-vault-pin.md" in git("show", "--name-only", "--format=", "HEAD")
