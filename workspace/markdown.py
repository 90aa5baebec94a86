"""Markdown in comments and task descriptions, and the @mentions inside them.

Text is CommonMark (markdown-it-py) with raw HTML off, bare links made clickable and single line
breaks kept, then cleaned by nh3 (the Ammonia sanitizer) against an allow-list of tags,
attributes and URL schemes. Rendering Markdown is slow (about 0.4 ms for a paragraph with a list
and a link), so services render once when the text is saved and store the cleaned HTML beside it
(``Comment.body_html``, ``Task.description_html``); pages only swap the mentions' names in and
clean the result again (about 0.03 ms), which keeps a task with 50 comments fast and means nothing
read from the database reaches a page unsanitized.

A mention is stored in the text as ``@[Name](member:<membership id>)`` (what the autocomplete
inserts). It renders as the member's *current* name when that membership belongs to the
organization showing the text, and as the plain text ``@Name`` otherwise (a former member, or an
id from another organization).

``sanitized()`` is the only function here, and in the project, that marks HTML as safe, and only
ever nh3's output.
"""

import re
from dataclasses import dataclass

import nh3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

MENTION = re.compile(r"@\[([^\[\]\n]{1,150})\]\(member:([0-9]{1,18})\)")
# A rendered mention, as nh3 writes it back (attribute order kept either way).
RENDERED_MENTION = re.compile(
    r'<span (?:class="mention" data-member="([0-9]+)"|data-member="([0-9]+)" class="mention")>'
    r"(.*?)</span>",
    re.S,
)

MENTION_HTML = '<span class="mention" data-member="{}">@{}</span>'

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "span": {"data-member"}}
ALLOWED_CLASSES = {"span": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"


def _mention_rule(state, silent: bool) -> bool:
    if state.src[state.pos] != "@":
        return False
    match = MENTION.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "span", 0)
        token.meta = {"id": int(match[2]), "name": match[1]}
    state.pos = match.end()
    return True


def _render_mention(renderer, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    return format_html(MENTION_HTML, meta["id"], meta["name"])


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    md.enable(["linkify"])
    md.disable(["image"])  # no tracking pixels; pages only load images from themselves
    md.inline.ruler.before("link", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


_md = _parser()


@dataclass(frozen=True)
class Rendered:
    html: str  # cleaned by nh3, but a plain str: pages pass it through display() again
    mentions: tuple[int, ...]  # membership ids, in the order they appear, without repeats


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel=LINK_REL,
    strip_comments=True,
)


def _clean(html: str) -> str:
    return _cleaner.clean(html)


def sanitized(html: str) -> SafeString:
    """Whatever ``html`` holds, what comes back is nh3's output for our allow-list: no script,
    no event handler, no style, no URL outside http, https and mailto. The one place that marks
    HTML safe."""
    return mark_safe(_clean(html))  # noqa: S308 - nh3's output, and only that


def render(text: str) -> Rendered:
    """Markdown source to cleaned HTML, and the members it mentions (outside code)."""
    if not text:
        return Rendered("", ())
    env: dict = {}
    tokens = _md.parse(text, env)
    mentions: list[int] = []
    for token in tokens:
        for child in token.children or ():
            if child.type == "mention" and child.meta["id"] not in mentions:
                mentions.append(child.meta["id"])
    return Rendered(_clean(_md.renderer.render(tokens, _md.options, env)), tuple(mentions))


def mentioned_ids(text: str) -> tuple[int, ...]:
    return render(text).mentions


def display(html: str, names: dict[int, str]) -> SafeString:
    """Stored HTML (from ``render``) for a page: each mention shows the member's current name if
    ``names`` (membership id -> name, the showing organization's members) has it, and plain text
    otherwise; then cleaned again."""

    def name(match: re.Match) -> str:
        member = int(match[1] or match[2])
        if member in names:
            return format_html(MENTION_HTML, member, names[member])
        return match[3]  # the text as written, already escaped

    return sanitized(RENDERED_MENTION.sub(name, html or ""))


def as_plain_text(text: str, names: dict[int, str]) -> str:
    """The source with mentions as ``@Name`` (current names for members): for e-mails' plain
    text."""

    def name(match: re.Match) -> str:
        return "@" + names.get(int(match[2]), match[1])

    return MENTION.sub(name, text or "")
