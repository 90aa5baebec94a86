"""Reading rendered pages in view tests: the text a person sees, a section, a table's rows."""

import re
from html import unescape

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def text(html: str) -> str:
    """The visible text of an HTML snippet, tags dropped and whitespace collapsed."""
    return _SPACE.sub(" ", unescape(_TAGS.sub(" ", html))).strip()


def from_element(html: str, element_id: str) -> str:
    """The markup from the opening tag of the element with this id to the end of the page."""
    start = html.find(f'id="{element_id}"')
    assert start != -1, f"no #{element_id} in the page"
    return html[html.rfind("<", 0, start) :]


def section(html: str, element_id: str) -> str:
    """``<section id="...">...</section>`` (sections in Tandem's pages do not nest)."""
    found = re.search(rf'<section id="{element_id}".*?</section>', html, re.S)
    assert found is not None, f"no section #{element_id} in the page"
    return found.group(0)


def table_rows(html: str) -> list[str]:
    """The text of each body row of the first table in ``html`` (the "nothing here" row of an
    empty table is not counted)."""
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.S)
    assert body is not None, "no table body in the page"
    rows = re.findall(r"<tr\b[^>]*>(.*?)</tr>", body.group(1), re.S)
    return [text(row) for row in rows if "colspan=" not in row]
