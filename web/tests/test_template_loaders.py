"""HTML templates lose their indentation as they load (web.template_loaders)."""

from pathlib import Path

from django.conf import settings
from django.template.loader import get_template

from web.template_loaders import unindented


def test_indentation_and_blank_lines_become_one_line_break():
    source = "<ul>\n    <li>One</li>\n\n    <li>\n      Two\n    </li>\n</ul>\n"

    assert unindented(source) == "<ul>\n<li>One</li>\n<li>\nTwo\n</li>\n</ul>\n"


def test_html_templates_are_read_without_indentation():
    template = get_template("base.html").template
    on_disk = Path(template.origin.name).read_text()

    assert "\n  " in on_disk
    assert template.source == unindented(on_disk)


def test_text_templates_keep_their_layout():
    """Plain-text e-mails are laid out with spaces."""
    on_disk = (Path(settings.BASE_DIR) / "templates/email/inbox.txt").read_text()
    template = get_template("email/inbox.txt").template

    assert "\n " in on_disk
    assert template.source == on_disk


def test_pages_carry_no_indentation(client):
    html = client.get("/accounts/login/").content.decode()

    assert "<form" in html
    assert "\n  " not in html
