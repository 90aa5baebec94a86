"""Reading request parameters (web.params)."""

import pytest
from django.test import RequestFactory

from web.params import digits, safe_next


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("42", 42),
        ("0", 0),
        ("", None),
        (None, None),
        ("-1", None),
        ("4x", None),
        ("1" * 19, None),
        ("²", None),
        ("٣", None),
    ],
)
def test_digits_reads_whole_numbers_only(raw, number):
    assert digits(raw) == number


def test_digits_refuses_more_digits_than_asked():
    assert digits("1234567890", max_digits=9) is None
    assert digits("123456789", max_digits=9) == 123456789


@pytest.mark.parametrize(
    ("next_", "back"),
    [
        ("/o/acme/tasks/?status=todo", "/o/acme/tasks/?status=todo"),
        ("https://evil.example/", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_safe_next_goes_back_only_to_this_site(next_, back):
    request = RequestFactory().post("/", {"next": next_})

    assert safe_next(request, "/fallback/") == back
