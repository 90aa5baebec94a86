"""Pages only the benchmark serves (web/views/bench.py): the static page of a requested size and
the authenticated floor, both mounted only when TANDEM_BENCH_BASELINE is on."""

import pytest
from django.test import RequestFactory

from accounts.tests.factories import UserFactory
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


def test_the_bench_pages_are_not_served_unless_the_benchmark_turns_them_on(login, member):
    client = login(member)

    assert client.get("/bench/baseline/").status_code == 404
    assert client.get(f"/o/{member.organization.slug}/bench/floor/").status_code == 404


@pytest.mark.urls("web.tests.bench_urls")
def test_the_floor_is_an_organization_page_with_the_layout_and_no_task_data(
    login, member, django_assert_max_num_queries
):
    client = login(member)
    url = f"/o/{member.organization.slug}/bench/floor/"
    client.get(url)  # the first visit records it on the membership

    # The user, the membership with its organization, the organization switcher.
    with django_assert_max_num_queries(3):
        response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-label="Primary"' in html  # the base layout
    assert f'aria-label="{member.organization.name}"' in html  # the organization's navigation
    assert "<table" not in html
    assert client.post(url).status_code == 405


@pytest.mark.urls("web.tests.bench_urls")
def test_the_floor_follows_the_tenancy_rules(client, member):
    outsider = UserFactory()
    url = f"/o/{member.organization.slug}/bench/floor/"

    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    client.force_login(outsider)
    assert client.get(url).status_code == 404
