"""Front matter, defaults, sections and anchors, and every bad-content case with file and line."""

from __future__ import annotations

from pathlib import Path

from cli import main
from kb.content.front_matter import parse_article
from kb.content.loading import load_content


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_front_matter_fields_defaults_and_unknown_keys(content_dir: Path) -> None:
    loaded = load_content(content_dir)
    articles = {article.slug: article for article in loaded.articles}
    refund = articles["request-a-refund"]
    assert refund.title == "Request a refund"
    assert refund.category == "billing"  # defaults to its folder
    assert refund.tags == ("refund", "money back")
    assert (refund.audience, refund.type, refund.kind, refund.status) == (
        "public",
        "policy",
        "service",
        "published",
    )
    assert refund.updated == "2026-10-14"
    assert refund.related == ("cancel-subscription",)
    assert refund.extra == {"reviewer": "dana"}
    assert articles["refund-approval-rules"].audience == "internal"
    assert articles["unreleased-feature"].status == "draft"
    assert loaded.problems == []


def test_sections_split_at_h2_and_h3_with_github_anchors() -> None:
    text = (
        "---\ntitle: Sync help\n---\nIntro words.\n\n## Fix it: step 1!\nA\n\n"
        "### Sub part\nB\n\n## Fix it: step 1!\nC\n#### Deep\nD\n"
    )
    article = parse_article(text, "sync/sync-help.md")
    assert [(s.anchor, s.heading_path) for s in article.sections] == [
        ("", ()),
        ("fix-it-step-1", ("Fix it: step 1!",)),
        ("sub-part", ("Fix it: step 1!", "Sub part")),
        ("fix-it-step-1-1", ("Fix it: step 1!",)),
    ]
    assert article.sections[3].text == "C\nDeep\nD"  # H4 stays inside its H3/H2 section
    assert article.sections[1].line == 6
    assert article.sections[0].id == "sync-help#"


def test_slug_from_front_matter_overrides_file_name() -> None:
    article = parse_article("---\ntitle: T\nslug: custom-slug\n---\nbody\n", "a/file.md")
    assert article.slug == "custom-slug"


def test_invalid_yaml_reported_with_line_and_rest_still_loads(content_dir: Path) -> None:
    write(content_dir, "billing/broken.md", "---\ntitle: Broken\ntags: [a, b\n---\nBody\n")
    loaded = load_content(content_dir)
    assert len(loaded.articles) == 5
    [problem] = loaded.problems
    assert problem.path == "billing/broken.md"
    assert problem.line in (3, 4)
    assert "invalid YAML" in problem.message and problem.fatal


def test_missing_title_reported(content_dir: Path) -> None:
    write(content_dir, "sync/untitled.md", "---\ntags: [x]\n---\nBody\n")
    [problem] = load_content(content_dir).problems
    assert (problem.path, problem.line) == ("sync/untitled.md", 1)
    assert "title" in problem.message


def test_duplicate_slug_names_both_files(content_dir: Path) -> None:
    write(content_dir, "sync/other.md", "---\ntitle: Another\nslug: request-a-refund\n---\nB\n")
    [problem] = load_content(content_dir).problems
    assert (problem.path, problem.line) == ("sync/other.md", 3)
    assert "duplicate slug 'request-a-refund'" in problem.message
    assert "billing/request-a-refund.md" in problem.message


def test_unknown_related_slug_and_link_are_warnings_with_lines(content_dir: Path) -> None:
    write(
        content_dir,
        "sync/links.md",
        "---\ntitle: Links\nrelated: [nope]\n---\nSee [x](missing.md).\n",
    )
    problems = sorted(load_content(content_dir).problems, key=lambda p: p.line)
    assert [(p.line, p.fatal) for p in problems] == [(3, False), (5, False)]
    assert "unknown article slug 'nope'" in problems[0].message
    assert "missing.md" in problems[1].message


def test_bad_enum_value_reported(content_dir: Path) -> None:
    write(content_dir, "sync/bad.md", "---\ntitle: Bad\naudience: everyone\n---\nB\n")
    [problem] = load_content(content_dir).problems
    assert problem.line == 3 and "audience" in problem.message


def test_dotfiles_skipped(content_dir: Path) -> None:
    write(content_dir, ".hidden/secret.md", "---\ntitle: Hidden\n---\nB\n")
    assert "secret" not in {a.slug for a in load_content(content_dir).articles}


def test_an_unreadable_file_is_reported_and_the_rest_load(content_dir: Path) -> None:
    before = {a.slug for a in load_content(content_dir).articles}
    (content_dir / "sync/gone.md").symlink_to(content_dir / "nowhere.md")
    loaded = load_content(content_dir)
    assert {a.slug for a in loaded.articles} == before
    [problem] = [p for p in loaded.problems if p.path == "sync/gone.md"]
    assert problem.line == 1 and problem.message.startswith("cannot be read")


def test_lint_lists_every_problem_and_exits_1(runner, content_dir: Path) -> None:
    write(content_dir, "a/one.md", "---\ntitle: [unclosed\n---\n")
    write(content_dir, "a/two.md", "---\nsummary: no title\n---\n")
    result = runner.invoke(main, ["lint"])
    assert result.exit_code == 1
    assert "a/one.md:2: invalid YAML" in result.output
    assert "a/two.md:1: missing required 'title'" in result.output


def test_lint_clean_content_exits_0(runner) -> None:
    result = runner.invoke(main, ["lint"])
    assert result.exit_code == 0, result.output


def test_index_skips_bad_articles_indexes_the_rest_and_exits_1(runner, content_dir: Path) -> None:
    write(content_dir, "a/two.md", "---\nsummary: no title\n---\n")
    result = runner.invoke(main, ["index"])
    assert result.exit_code == 1
    assert "a/two.md:1: missing required 'title'" in result.output
    assert "5 added" in result.output
    search = runner.invoke(main, ["search", "refund", "--json"])
    assert search.exit_code == 0 and "request-a-refund" in search.output
