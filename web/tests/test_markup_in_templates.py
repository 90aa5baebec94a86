"""Markup lives in templates: no Python string under web/ builds an HTML element, except the
format strings of ``format_html`` (which escapes every value it is given)."""

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parent.parent
# Every element name HTML knows, so that "<number>" in prose is not taken for markup.
ELEMENTS = frozenset(
    (
        "a",
        "abbr",
        "address",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "map",
        "mark",
        "menu",
        "meta",
        "meter",
        "nav",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "picture",
        "pre",
        "progress",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "slot",
        "small",
        "source",
        "span",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    )
)
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])")


def python_sources() -> list[Path]:
    return sorted(p for p in WEB.rglob("*.py") if "tests" not in p.parts)


def _docstrings(tree) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _format_html_templates(tree) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "format_html",
            "format_html_join",
        ):
            for arg in node.args[:2]:
                if isinstance(arg, ast.Constant):
                    found.add(id(arg))
    return found


def markup_strings(source: str) -> list[str]:
    """String literals of ``source`` that hold an HTML element (docstrings and format_html's
    format strings aside)."""
    tree = ast.parse(source)
    allowed = _docstrings(tree) | _format_html_templates(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            if id(node) in allowed:
                continue
            value = (
                node.value.decode(errors="replace") if isinstance(node.value, bytes) else node.value
            )
            if any(name.lower() in ELEMENTS for name in TAG.findall(value)):
                found.append(value)
    return found


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('x = f"<td class={c}>{v}</td>"', True),
        ('x = "<br>"', True),
        ('x = b"<html><body>"', True),
        ('x = mark_safe("<span>" + name + "</span>")', True),
        ('format_html("<span>{}</span>", name)', False),
        ('def f():\n    """Returns a <span> for the row."""', False),
        ('help_text = "Used in links: /o/<address>/."', True),
        ('path("tasks/<int:number>/", view)', False),
        ('x = "rows add <number>/ to it"', False),
        ('x = "a < b and c > d"', False),
    ],
)
def test_the_scan(source, caught):
    assert bool(markup_strings(source)) is caught


@pytest.mark.parametrize("path", python_sources(), ids=lambda p: p.relative_to(WEB).as_posix())
def test_no_python_string_under_web_builds_markup(path):
    assert markup_strings(path.read_text()) == []


def test_the_scan_reads_the_modules_that_render_pages():
    names = {p.relative_to(WEB).as_posix() for p in python_sources()}

    assert {"tables/tasks.py", "tables/audit.py", "views/tasks.py", "views/bench.py"} <= names


def test_an_html_parser_agrees_the_scan_is_not_fooled_by_comparisons():
    parser = HTMLParser()
    parser.feed("a < b and c > d")  # no start tag: the parser sees text only
    assert markup_strings('x = "a < b and c > d"') == []
