"""Markdown in comments and descriptions: what renders, what never survives, and mentions."""

from html.parser import HTMLParser

import pytest
from django.utils.safestring import SafeString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workspace import markdown

ALLOWED_TAGS = markdown.ALLOWED_TAGS
SAFE_SCHEMES = ("http:", "https:", "mailto:")


def page(text: str, names=None) -> str:
    return markdown.display(markdown.render(text).html, names or {})


# --- What renders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("**bold** and *italic*", "<p><strong>bold</strong> and <em>italic</em></p>"),
        ("`code` here", "<p><code>code</code> here</p>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>"),
        ("first\nsecond", "<p>first<br>\nsecond</p>"),
    ],
)
def test_the_commonmark_subset_renders(text, html):
    assert page(text).strip() == html


def test_links_and_bare_urls_become_links_with_nofollow_noopener():
    html = page("See [the docs](https://example.com/docs) and https://example.com/?a=1&b=2")

    assert '<a href="https://example.com/docs" rel="nofollow noopener">the docs</a>' in html
    assert '<a href="https://example.com/?a=1&amp;b=2" rel="nofollow noopener">' in html


def test_mailto_links_are_kept():
    assert 'href="mailto:ada@example.com"' in page("[write](mailto:ada@example.com)")


def test_raw_html_is_shown_as_text():
    html = page('<img src=x onerror="alert(1)"> and <b>bold</b>')

    assert "<img" not in html
    assert '&lt;img src=x onerror="alert(1)"&gt; and &lt;b&gt;bold&lt;/b&gt;' in html


def test_images_are_not_loaded():
    html = page("![tracker](https://evil.example/pixel.gif)")

    assert "<img" not in html


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "<javascript:alert(1)>",
        "[x](member:12)",
    ],
)
def test_links_to_other_schemes_lose_their_target(text):
    """They stay as text, or as a link without a target: never a link that runs or loads."""
    audit = _audit(page(text))

    for _tag, _name, value in audit.attributes:
        assert not value.lower().startswith(("javascript", "data", "vbscript", "file", "member"))
    assert all(href.startswith(SAFE_SCHEMES) for href in _hrefs(page(text)))


def test_the_page_output_is_marked_safe_and_nothing_else_is():
    assert isinstance(page("*hi*"), SafeString)
    assert not isinstance(markdown.render("*hi*").html, SafeString)  # stored as plain text


def test_an_empty_text_renders_nothing():
    assert markdown.render("") == markdown.Rendered("", ())
    assert page("") == ""


# --- Mentions ------------------------------------------------------------------------------------


def test_a_mention_renders_the_members_current_name():
    html = page("Thanks @[Ada](member:7)!", {7: "Ada Lovelace"})

    assert '<span class="mention" data-member="7">@Ada Lovelace</span>' in html


def test_a_mention_of_someone_not_in_the_organization_is_plain_text():
    html = page("Thanks @[Mallory](member:99)!", {7: "Ada Lovelace"})

    assert "@Mallory" in html
    assert "mention" not in html
    assert "member:99" not in html


def test_a_members_name_is_escaped():
    html = page("Hi @[x](member:7)", {7: '<script>alert("name")</script>'})

    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_name_typed_with_markup_is_escaped():
    html = page("Hi @[<b>Eve</b>](member:99)")

    assert "<b>" not in html
    assert "@&lt;b&gt;Eve&lt;/b&gt;" in html


def test_mentions_are_found_in_order_once_and_not_inside_code():
    rendered = markdown.render(
        "@[A](member:3) and @[B](member:5), again @[A](member:3); `@[C](member:9)`\n\n"
        "    @[D](member:11)"
    )

    assert rendered.mentions == (3, 5)


def test_mentions_as_plain_text_for_e_mails():
    text = "Ping @[Old name](member:7) and @[Gone](member:8)"

    assert markdown.as_plain_text(text, {7: "Ada"}) == "Ping @Ada and @Gone"


# --- Hostile input -------------------------------------------------------------------------------

HOSTILE_PIECES = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<svg onload="alert(1)">',
    "<iframe src=javascript:alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    '<div style="background:url(javascript:alert(1))">',
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    "<",
    "<b",
    "</",
    "<a href=",
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;",
    "&#x6A;avascript:alert(1)",
    "&amp;",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](<javascript:alert(1)>)",
    '[x](https://ok.example "title" onclick="alert(1)")',
    "<https://ok.example>",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "@[<img src=x onerror=alert(1)>](member:1)",
    "@[x](member:1",
    "`<script>`",
    "```\n<script>alert(1)</script>\n```",
    "**",
    "*",
    "_",
    "> ",
    "- ",
    "1. ",
    "\n",
    "    ",
    "\\",
    "\x00",
    "\u202e",
]


class Audit(HTMLParser):
    """Every tag, attribute and URL in a piece of HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def _audit(html: str) -> Audit:
    audit = Audit()
    audit.feed(html)
    audit.close()
    return audit


def _hrefs(html: str) -> list[str]:
    return [value for _tag, name, value in _audit(html).attributes if name == "href"]


ALLOWED_ATTRIBUTES = {
    ("a", "href"),
    ("a", "title"),
    ("a", "rel"),
    ("ol", "start"),
    ("span", "class"),
    ("span", "data-member"),
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=12)), min_size=1, max_size=8
    ).map("".join),
    st.dictionaries(st.integers(1, 3), st.sampled_from(HOSTILE_PIECES), max_size=3),
)
def test_no_script_handler_or_dangerous_url_survives(text, names):
    html = page(text, names)

    audit = _audit(html)
    assert set(audit.tags) <= ALLOWED_TAGS, audit.tags
    for tag, name, value in audit.attributes:
        assert (tag, name) in ALLOWED_ATTRIBUTES, (tag, name, value)
        if name == "href":
            assert (
                value.startswith(SAFE_SCHEMES)
                or value.startswith(("/", "#", "?"))
                or (":" not in value.split("/")[0])
            ), value
        if name == "rel":
            assert value == "nofollow noopener"
        if name == "class":
            assert value == "mention"
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<iframe" not in lowered
    assert "<svg" not in lowered
    assert "<style" not in lowered
    assert "<!--" not in lowered
    for _tag, _name, value in audit.attributes:
        assert "javascript:" not in value.lower().replace(" ", "")
        assert not value.lower().startswith("data:")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_stored_html_shown_again_is_unchanged(text):
    """What is stored is already clean: cleaning it again on the way out changes nothing (so
    no page shows something other than what was saved)."""
    stored = markdown.render(text).html

    assert str(markdown.sanitized(stored)) == stored
