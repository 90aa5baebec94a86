"""Reading pages as a browser would: parsed HTML and CSS selectors (BeautifulSoup), so that tests
assert what a page shows and does, not how its markup happens to be spelled."""

from bs4 import BeautifulSoup, Tag


def parse(source) -> BeautifulSoup:
    """A response or an HTML string, parsed."""
    content = getattr(source, "content", source)
    if isinstance(content, bytes):
        content = content.decode()
    return BeautifulSoup(content, "html.parser")


def one(source, selector: str) -> Tag:
    """The single element matching ``selector``; fails when there is none or several."""
    found = (source if isinstance(source, Tag) else parse(source)).select(selector)
    assert len(found) == 1, f"{len(found)} elements match {selector!r}"
    return found[0]


def text(element) -> str:
    """Visible text with whitespace collapsed."""
    return " ".join(element.get_text().split())


def elements(tag: Tag) -> int:
    """How many elements ``tag`` is, itself included."""
    return 1 + len(tag.find_all(True))
