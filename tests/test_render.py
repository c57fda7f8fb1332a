"""Safe rendering: raw HTML escaped, script and data links dropped, tables, code, article links."""

from __future__ import annotations

from kb.content.front_matter import parse_article
from kb.content.render import render_article


def to_page(slug: str, fragment: str) -> str:
    return f"/articles/{slug}" + (f"#{fragment}" if fragment else "")


def render(body: str, path: str = "sync/page.md", links: dict | None = None, policy=to_page) -> str:
    article = parse_article(f"---\ntitle: Page\n---\n{body}", path)
    return render_article(article, links or {}, policy).html


def test_raw_html_is_escaped() -> None:
    html = render('<script>alert("x")</script>\n\n<img src=x onerror=alert(1)>\n')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_and_data_links_are_dropped() -> None:
    html = render(
        "[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](data:text/html,x) "
        "[d](https://example.com)\n"
    )
    assert 'href="javascript' not in html.lower()
    assert 'href="data:' not in html
    assert '<a href="https://example.com">d</a>' in html


def test_tables_and_fenced_code() -> None:
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n```bash\necho <hi>\n```\n")
    assert "<table>" in html and "<td>1</td>" in html
    assert '<pre tabindex="0"><code class="language-bash">echo &lt;hi&gt;' in html


def test_tables_and_code_scroll_in_boxes_the_keyboard_reaches() -> None:
    """A table or code wider than a phone scrolls in its own box (not the page), and a box that
    scrolls must take the focus so a keyboard can scroll it (axe: scrollable-region-focusable)."""
    html = render('Before\n\n| Plan | *Price* "€" |\n|---|---|\n| 1 | 2 |\n\nAfter\n')
    label = "Table: Plan, Price &quot;€&quot;"  # named by its columns, for a screen reader
    box = f'<div class="table-scroll" role="region" aria-label="{label}" tabindex="0">'
    assert html.index("<p>Before</p>") < html.index(box + "<table>")
    assert html.index("</table>\n</div>") < html.index("<p>After</p>")
    indented = render("Text\n\n    a long line of code\n")
    assert '<pre tabindex="0"><code>a long line of code' in indented


def test_links_to_other_articles_resolve_to_their_page() -> None:
    links = {
        "billing/request-a-refund.md": "request-a-refund",
        "request-a-refund.md": "request-a-refund",
    }
    html = render(
        "[r](../billing/request-a-refund.md#who) [s](request-a-refund.md) [u](unknown.md)\n",
        links=links,
    )
    assert 'href="/articles/request-a-refund#who"' in html
    assert 'href="/articles/request-a-refund"' in html
    assert " u</p>" in html and "unknown" not in html  # no article there: its text, no link


def test_the_link_policy_decides_each_article_link() -> None:
    links = {"billing/a.md": "a", "billing/b.md": "b"}
    asked = []

    def only_a(slug: str, fragment: str) -> str | None:
        asked.append((slug, fragment))
        return f"/a#{fragment}" if slug == "a" else None

    html = render(
        "[to a](../billing/a.md#x) and [to *b*](../billing/b.md) [out](https://example.com/b.md)\n",
        links=links,
        policy=only_a,
    )
    assert asked == [("a", "x"), ("b", "")]
    assert '<a href="/a#x">to a</a> and to <em>b</em> <a href="https://example.com/b.md">' in html


def test_headings_get_the_same_anchors_as_sections() -> None:
    article = parse_article("---\ntitle: P\n---\n## Step one\nx\n## Step one\ny\n", "p.md")
    rendered = render_article(article, {}, to_page)
    assert '<h2 id="step-one">' in rendered.html and '<h2 id="step-one-1">' in rendered.html
    assert [entry.anchor for entry in rendered.toc] == [s.anchor for s in article.sections]
