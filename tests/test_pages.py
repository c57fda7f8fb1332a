"""Help-center pages render real search results and never show internal or draft articles."""

from __future__ import annotations

import re

import pytest

from tests.helpers import build, csrf_token


def test_home_lists_categories_popular_and_recent(client) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'id="q"' in html and "search.js" in html
    assert 'href="/categories/billing"' in html and "2 articles" in html
    assert "Sync error codes" in html  # most recently updated
    assert "Refund approval rules" not in html and "agent-handbook" not in html


def test_search_page_shows_highlighted_deep_links(client) -> None:
    html = client.get("/search?q=refund+bank+business+days").get_data(as_text=True)
    assert 'href="/articles/request-a-refund#how-long-it-takes"' in html
    assert "<mark>" in html
    assert "article" in html and "found" in html


def test_search_page_category_filter(client) -> None:
    everywhere = client.get("/search?q=refund+sync+cancel").get_data(as_text=True)
    assert "/articles/sync-error-codes" in everywhere and "/articles/request-a-refund" in everywhere
    html = client.get("/search?q=refund+sync+cancel&category=sync").get_data(as_text=True)
    assert "/articles/sync-error-codes" in html and "/articles/request-a-refund" not in html


def result_slugs(html: str) -> list[str]:
    return re.findall(r'class="result-title" href="/articles/([^"#]+)', html)


def test_search_page_pages_results_ten_at_a_time(client, content_dir, data_dir, embedder) -> None:
    (content_dir / "guides").mkdir()
    for n in range(1, 13):
        (content_dir / "guides" / f"quokka-{n}.md").write_text(
            f"---\ntitle: Quokka guide {n}\n---\n## Feeding\nQuokka guide number {n}.\n"
        )
    assert not build(content_dir, data_dir, embedder).problems
    ranked = client.get("/api/v1/search?q=quokka+guide&limit=50&log=0").get_json()["results"]
    ranked = [r["slug"] for r in ranked]
    assert 10 < len(ranked) <= 20 and {f"quokka-{n}" for n in range(1, 13)} <= set(ranked)
    first = client.get("/search?q=quokka+guide").get_data(as_text=True)
    assert result_slugs(first) == ranked[:10] and "Page 1 of 2" in first
    assert '<ol class="results" start="1">' in first and 'rel="prev"' not in first
    next_page = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert next_page == "/search?q=quokka+guide&page=2"
    second = client.get(next_page).get_data(as_text=True)
    assert result_slugs(second) == ranked[10:] and "Page 2 of 2" in second
    assert '<ol class="results" start="11">' in second and 'rel="next"' not in second
    assert 'rel="prev" href="/search?q=quokka+guide&amp;page=1"' in second


def test_no_results_page_says_what_to_try(client) -> None:
    html = client.get("/search?q=qqqzzzxxx").get_data(as_text=True)
    assert "Nothing in the help center answers" in html and "Check the spelling" in html


def test_empty_search_page_and_too_long_query(client) -> None:
    assert client.get("/search").status_code == 200
    response = client.get("/search?q=" + "x" * 1001)
    assert response.status_code == 400 and "at most 1000" in response.get_data(as_text=True)


def test_article_page_has_toc_breadcrumbs_related_and_feedback(client) -> None:
    response = client.get("/articles/request-a-refund")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h2 id="who-can-get-a-refund">' in html
    assert 'href="#how-long-it-takes"' in html  # table of contents
    assert 'href="/categories/billing"' in html  # breadcrumb
    assert 'href="/articles/cancel-subscription"' in html  # related
    assert "Was this helpful?" in html and 'name="csrf_token"' in html


@pytest.mark.parametrize("slug", ["refund-approval-rules", "unreleased-feature", "nope"])
def test_internal_draft_and_unknown_pages_are_404(client, slug) -> None:
    response = client.get(f"/articles/{slug}")
    assert response.status_code == 404
    assert "couldn’t find" in response.get_data(as_text=True)


def test_a_missing_page_offers_search_popular_articles_and_the_way_home(client) -> None:
    response = client.get("/articles/nope")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "<h1>We couldn’t find that page</h1>" in html
    assert 'role="search"' in html and 'name="q"' in html and "search.js" in html
    assert "<h2>Popular articles</h2>" in html
    assert 'href="/articles/cancel-subscription"' in html  # the fixture corpus's how-to
    assert 'href="/"' in html and 'href="/contact"' in html
    assert "no article" not in html  # the server's own words are not for customers
    api = client.get("/api/v1/articles/nope")  # the API's 404 stays JSON
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_category_pages(client) -> None:
    html = client.get("/categories/billing").get_data(as_text=True)
    assert "Cancel your subscription" in html and "Request a refund" in html
    assert client.get("/categories/agent-handbook").status_code == 404
    assert client.get("/categories/drafts").status_code == 404


def test_feedback_form_records_vote_with_csrf_token(client, app) -> None:
    token = csrf_token(client, "/articles/request-a-refund")
    response = client.post(
        "/articles/request-a-refund/feedback",
        data={"csrf_token": token, "helpful": "no", "comment": "More detail"},
    )
    assert response.status_code == 302
    assert "Thanks for your feedback" in client.get(response.location).get_data(as_text=True)
    assert app.extensions["kb"].database.feedback_summary("request-a-refund")["not_helpful"] == 1


def test_feedback_form_without_csrf_token_is_refused(client, app) -> None:
    response = client.post("/articles/request-a-refund/feedback", data={"helpful": "yes"})
    assert response.status_code == 400
    assert app.extensions["kb"].database.feedback_summary("request-a-refund")["helpful"] == 0


def test_static_assets_are_served_locally(client) -> None:
    for asset in ("style.css", "search.js"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200
        response.close()
    html = client.get("/").get_data(as_text=True)
    assert "http://" not in html and "https://" not in html  # no CDN


def test_every_page_names_the_icon_browsers_also_ask_for_at_favicon_ico(client) -> None:
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.get_data()
    asked = client.get("/favicon.ico")  # what a browser asks for when a page names no icon
    assert asked.status_code == 200 and asked.get_data() == icon.get_data()
    icon.close()  # static files are streamed
    asked.close()
    for page in ("/", "/articles/request-a-refund", "/articles/no-such-article", "/login"):
        html = client.get(page).get_data(as_text=True)
        assert '<link rel="icon" href="/static/favicon.svg"' in html, page
