"""No page carries the keyboard shortcuts, quick-create and command palette dialogs, nor the bulk
bar's menus: the layout keeps a trigger, and each loads from its own route when first needed
(static/js/dialogs.js, static/js/bulk.js), in a constant number of queries."""

import pytest
from django.urls import reverse

from workspace.models import Role
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    LabelFactory,
    MembershipFactory,
    ProjectFactory,
    TaskFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
DIALOG_BODIES = [
    'id="shortcuts"',
    "Next / previous task",
    'id="quick-create"',
    'id="palette"',
    "data-palette-input",
]


@pytest.mark.urls("web.tests.bench_urls")
def test_the_floor_and_the_organization_home_carry_only_the_triggers(login, member):
    client = login(member)
    slug = member.organization.slug

    for url in (f"/o/{slug}/bench/floor/", f"/o/{slug}/"):
        html = client.get(url).content.decode()
        for body in DIALOG_BODIES:
            assert body not in html, (url, body)
        # The triggers: the palette's button (with where its dialog is) and the shortcuts link.
        assert f'data-dialog-url="/o/{slug}/palette/?dialog=1"' in html
        assert f'href="/o/{slug}/shortcuts/" class="text-xs" data-open-shortcuts' in html


def test_the_task_list_carries_no_bulk_menus(login, member, organization):
    with organization_scope(organization):
        TaskFactory.create_batch(3, project=ProjectFactory(organization=organization))
        MembershipFactory.create_batch(3, organization=organization)
    html = login(member).get(f"/o/{organization.slug}/tasks/").content.decode()

    assert 'form id="bulk"' in html
    assert 'value="assignee:' not in html
    assert 'value="status:' not in html
    for body in DIALOG_BODIES:
        assert body not in html


def _grow(organization, n):
    with organization_scope(organization):
        MembershipFactory.create_batch(n, organization=organization, role=Role.MEMBER)
        ProjectFactory.create_batch(n, organization=organization)
        LabelFactory.create_batch(n, organization=organization)


@pytest.mark.parametrize(
    ("name", "query", "expected"),
    [
        ("web:shortcuts", "", ['<dialog id="shortcuts"', '<dialog id="quick-create"', "g m"]),
        ("web:palette", "?dialog=1", ['<dialog id="palette"', 'role="combobox"']),
        ("web:task-bulk-choices", "", ['value="assignee:me"', 'value="labels_add:']),
    ],
)
def test_each_on_demand_part_in_a_constant_number_of_queries(
    login, member, organization, django_assert_max_num_queries, name, query, expected
):
    client = login(member)
    url = reverse(name, kwargs={"org_slug": organization.slug}) + query
    _grow(organization, 1)
    client.get(url, **HTMX)  # caches the organization's choices
    with django_assert_max_num_queries(4):
        small = client.get(url, **HTMX)
    _grow(organization, 6)
    client.get(url, **HTMX)
    with django_assert_max_num_queries(4):
        large = client.get(url, **HTMX)

    for response in (small, large):
        assert response.status_code == 200
        html = response.content.decode()
        assert "<html" not in html
        for text in expected:
            assert text in html


def test_the_palette_dialog_outside_an_organization(login, member):
    html = login(member).get("/palette/?dialog=1", **HTMX).content.decode()

    assert '<dialog id="palette"' in html
    assert 'data-url="/palette/"' in html


def test_without_javascript_the_shortcuts_link_is_a_page(login, member, organization):
    response = login(member).get(f"/o/{organization.slug}/shortcuts/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Keyboard shortcuts</h1>" in html
    assert "<dialog" not in html
    assert f'href="/o/{organization.slug}/tasks/mine/" data-hotkey="g m"' in html
    assert "Change its labels" in html
    assert response["Vary"].count("HX-Request") == 1
