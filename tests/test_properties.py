"""Property-based tests (hypothesis): whatever Markdown a writer or a generated draft holds, the
rendered HTML carries no script and no markup of its own; whatever a ticket says, scrubbing
never fails and no e-mail address or phone number gets through."""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kb.content.front_matter import parse_article
from kb.content.render import render_article, render_section
from kb.tickets.scrub import PLACEHOLDERS, scrub_personal_data

BOUNDED = settings(max_examples=200, deadline=None)

# What markdown-it renders with raw HTML off, tables and strikethrough on: nothing else.
SAFE_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "s", "a", "img", "code", "pre",
    "blockquote", "ul", "ol", "li", "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
    "div",  # the box a table scrolls in
}  # fmt: skip
SAFE_ATTRIBUTES = {"href", "src", "alt", "title", "id", "class", "start", "style",
                   "role", "aria-label", "tabindex"}  # fmt: skip
# Attributes the renderer sets itself, and the only value each may have.
FIXED_VALUES = {"role": "region", "tabindex": "0"}
SCRIPT_URL = re.compile(r"(javascript|vbscript|data|file):", re.IGNORECASE)
# How a browser reads a URL before its scheme: leading C0 controls and spaces dropped, tabs and
# new lines removed anywhere.
_URL_IGNORED = re.compile(r"^[\x00-\x20]+|[\t\n\r]")


class Elements(HTMLParser):
    """Every element and attribute in a piece of HTML, and anything that is not an element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag, attrs) -> None:
        self.tags.append((tag, attrs))

    def handle_comment(self, data) -> None:
        self.other.append(f"<!--{data}-->")

    def handle_decl(self, decl) -> None:
        self.other.append(f"<!{decl}>")

    def handle_pi(self, data) -> None:
        self.other.append(f"<?{data}>")

    def unknown_decl(self, data) -> None:
        self.other.append(f"<![{data}]>")


def assert_safe(rendered: str) -> None:
    assert "<script" not in rendered.lower()
    parser = Elements()
    parser.feed(rendered)
    parser.close()
    assert parser.other == []
    for tag, attrs in parser.tags:
        assert tag in SAFE_TAGS, tag
        for name, value in attrs:
            assert name in SAFE_ATTRIBUTES and not name.startswith("on"), (tag, name)
            if name in ("href", "src"):
                url = _URL_IGNORED.sub("", html.unescape(value or ""))
                assert not SCRIPT_URL.match(url), (tag, value)
            if name in FIXED_VALUES:
                assert value == FIXED_VALUES[name], (tag, name, value)
            if name == "style":
                assert re.fullmatch(r"text-align:(left|right|center)", value or ""), value


def mixed_case(word: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(word), max_size=len(word)).map(
        lambda upper: "".join(c.upper() if u else c for c, u in zip(word, upper, strict=True))
    )


def spelled(scheme: str) -> st.SearchStrategy[str]:
    """A dangerous scheme the way an attacker might write it, colon included."""
    letter = st.sampled_from(scheme)
    return st.one_of(
        mixed_case(scheme).map(lambda s: s + ":"),
        st.just(scheme).map(lambda s: "".join(f"&#{ord(c)};" for c in s) + "&#58;"),
        st.just(scheme).map(lambda s: "".join(f"&#x{ord(c):X};" for c in s) + "&colon;"),
        st.just(scheme).map(lambda s: s[:4] + "&Tab;" + s[4:] + ":"),
        st.sampled_from([" ", "\t", "\x01", "\x00", "%20", "\u00a0"]).map(
            lambda p: p + scheme + ":"
        ),
        st.just(scheme).map(lambda s: unicodedata.normalize("NFKD", s).translate(_FULLWIDTH) + ":"),
        st.just(scheme + "\uff1a"),  # a fullwidth colon, ":" once NFKC-normalised
        letter.map(lambda c: scheme.replace(c, c + "\u200b", 1) + ":"),  # zero-width space
    )


_FULLWIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}
DANGEROUS_URL = st.tuples(
    st.sampled_from(["javascript", "vbscript", "data", "file"]).flatmap(spelled),
    st.sampled_from(["alert(1)", "text/html;base64,PHNjcmlwdD4=", "//etc/passwd", ""]),
).map("".join)
URL = st.one_of(
    DANGEROUS_URL,
    st.sampled_from(["https://example.com/a?b=1", "other.md#part", "a.md", "missing.md", "#x"]),
)
RAW_HTML = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=javascript:alert(1)>",
        "<div style=\"background:url('javascript:alert(1)')\">",
        "<!-- comment --><![CDATA[x]]>",
        "<details open ontoggle=alert(1)>",
        "</p><p onclick=alert(1)>",
    ]
)
TEXT = st.text(max_size=40)
INLINE = st.one_of(
    TEXT,
    RAW_HTML,
    st.tuples(TEXT, URL).map(lambda p: f"[{p[0]}]({p[1]})"),
    st.tuples(TEXT, URL).map(lambda p: f"[{p[0]}](<{p[1]}>)"),
    st.tuples(TEXT, URL).map(lambda p: f'![{p[0]}]({p[1]} "title")'),
    URL.map(lambda url: f"<{url}>"),
    st.tuples(TEXT, URL).map(lambda p: f"[{p[0]}][ref]\n\n[ref]: {p[1]}\n"),
    TEXT.map(lambda t: f"`{t}`"),
    TEXT.map(lambda t: f"**{t}** _{t}_ ~~{t}~~"),
)
BLOCK = st.one_of(
    st.lists(INLINE, max_size=4).map(" ".join),
    st.tuples(st.integers(1, 6), TEXT).map(lambda p: "#" * p[0] + " " + p[1]),
    st.tuples(TEXT, INLINE).map(lambda p: f"| {p[0]} | b |\n|:--|--:|\n| {p[1]} | 2 |"),
    st.tuples(st.sampled_from(["", "js", "html", '"><script>']), TEXT).map(
        lambda p: f"```{p[0]}\n{p[1]}\n```"
    ),
    INLINE.map(lambda t: f"> {t}\n- {t}\n1. {t}"),
)
MARKDOWN = st.lists(BLOCK, max_size=8).map("\n\n".join)


def policy(slug: str, fragment: str) -> str | None:
    return f"/articles/{slug}" if slug == "other" else None


LINKS = {"sync/other.md": "other", "other.md": "other", "sync/hidden.md": "hidden"}


@BOUNDED
@given(MARKDOWN)
@example(
    "[x](java&#x09;script:alert(1)) [y](<\x01javascript:alert(1)>) ![z](ｊａｖａｓｃｒｉｐｔ:1)"
)
def test_rendered_markdown_holds_no_script_and_no_markup_of_its_own(body: str) -> None:
    article = parse_article(f"---\ntitle: Page\n---\n{body}", "sync/page.md")
    assert_safe(render_article(article, LINKS, policy).html)
    for section in article.sections:
        assert_safe(render_section(article, section.anchor, LINKS, policy))


@BOUNDED
@given(st.text())
def test_any_text_renders_safely(body: str) -> None:
    article = parse_article(f"---\ntitle: Page\n---\n{body}", "sync/page.md")
    assert_safe(render_article(article, LINKS, policy).html)


# The scrubber


@BOUNDED
@given(st.text(st.characters(exclude_categories=())))  # lone surrogates too: it is only regexes
def test_scrubbing_never_fails(text: str) -> None:
    assert isinstance(scrub_personal_data(text), str)


MARKERS = PLACEHOLDERS
WORD = st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True)
LABEL = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", fullmatch=True)
EMAIL = st.tuples(  # (the address, the words in it)
    st.lists(WORD, min_size=1, max_size=3),
    st.sampled_from([".", "+", "-", "_", "'"]),  # jane.doe, jane+kb, o'brien
    st.lists(LABEL, min_size=1, max_size=3),
    st.from_regex(r"[a-z]{2,6}", fullmatch=True),
).map(lambda p: (p[1].join(p[0]) + "@" + ".".join([*p[2], p[3]]), [*p[0], *p[2]]))
SENTENCE = st.text(max_size=60)
GAP = st.sampled_from([" ", "\n", ": ", " (", ", "])


def without_markers(text: str) -> str:
    for marker in MARKERS:
        text = text.replace(marker, " ")
    return text


@BOUNDED
@given(SENTENCE, GAP, EMAIL, GAP, SENTENCE)
@example("", " ", ("jane'doe@example.com", ["jane", "doe", "example", "com"]), " ", "")  # "jane'"
def test_no_email_address_survives(before: str, gap: str, email, gap2: str, after: str) -> None:
    address, words = email
    scrubbed = without_markers(scrub_personal_data(before + gap + address + gap2 + after))
    assert address not in scrubbed
    for word in words:  # nor any part of it that could name someone
        if len(word) > 2 and word not in before + after:
            assert word not in scrubbed


def digits(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).flatmap(lambda n: st.from_regex(f"[0-9]{{{n}}}", fullmatch=True))


SEPARATOR = st.sampled_from([" ", "-"])
COUNTRY = st.one_of(st.just(""), st.from_regex(r"\+[1-9][0-9]{0,2} ", fullmatch=True))
AREA = st.one_of(  # what follows it included: "555-", "(020) ", "(555)-", "(555)"
    st.tuples(digits(2, 4), SEPARATOR),
    st.tuples(digits(2, 4).map(lambda d: f"({d})"), st.sampled_from([" ", "-", ""])),
)
PHONE = st.one_of(  # (the number, its digit groups)
    st.tuples(COUNTRY, AREA, digits(3, 4), SEPARATOR, digits(3, 4)).map(
        lambda p: (p[0] + "".join(p[1]) + p[2] + p[3] + p[4], [p[1][0].strip("()"), p[2], p[4]])
    ),
    st.tuples(digits(4, 4), SEPARATOR, digits(3, 4)).map(lambda p: ("".join(p), [p[0], p[2]])),
    st.tuples(digits(3, 3), digits(3, 3), digits(4, 4)).map(lambda p: (".".join(p), list(p))),
)


@BOUNDED
@given(SENTENCE, GAP, PHONE, GAP, SENTENCE)
@example("", " ", ("(555)-123-4567", ["555", "123", "4567"]), " ", "")  # the area code was kept
@example("", " ", ("555.123.4567", ["555", "123", "4567"]), " ", "")  # dots were not a phone
def test_no_phone_number_survives(before: str, gap: str, phone, gap2: str, after: str) -> None:
    number, groups = phone
    scrubbed = scrub_personal_data(before + gap + number + gap2 + after)
    assert number not in scrubbed
    for group in groups:
        if len(group) > 2 and group not in before + after:
            assert group not in scrubbed
