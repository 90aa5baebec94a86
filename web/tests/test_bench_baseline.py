"""The benchmark's floor (web/views/bench.py): a static page of the size asked for."""

import pytest
from django.test import RequestFactory

from web.views.bench import MAX_BYTES, baseline


@pytest.mark.parametrize(
    ("asked", "size"),
    [("224000", 224_000), ("5", 77), ("-3", 77), ("99999999", MAX_BYTES), ("x", 100_000)],
)
def test_the_baseline_page_has_the_size_asked_for_within_bounds(asked, size):
    """At least an empty page (77 bytes), at most MAX_BYTES; nonsense gets the default."""
    response = baseline(RequestFactory().get("/bench/baseline/", {"bytes": asked}))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert response.content.startswith(b"<!DOCTYPE html>")
    assert response.content.endswith(b"</html>")
    assert len(response.content) == size


def test_the_baseline_is_not_served_unless_the_benchmark_turns_it_on(client):
    assert client.get("/bench/baseline/").status_code == 404
