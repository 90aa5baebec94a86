"""The filter form's long menus (every member as an assignee, every label) load when they
first open (web.views.filter_menus): a list page carries only what is chosen."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from web.filters import TaskFilter
from web.tests.html import one, parse, text
from workspace.models import Task
from workspace.tenancy import organization_scope
from workspace.tests.factories import LabelFactory, MembershipFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def menu_url(menu: str) -> str:
    return reverse("web:task-filter-menu", kwargs={"org_slug": "acme", "menu": menu})


@pytest.fixture
def directory(organization):
    """Twelve more members and the labels "bug" and "docs"."""
    members = [
        MembershipFactory(organization=organization, user__name=f"Teammate {n:02}")
        for n in range(12)
    ]
    with organization_scope(organization):
        for name, colour in (("bug", "red"), ("docs", "teal")):
            LabelFactory(organization=organization, name=name, colour=colour)
    return members


def test_the_assignee_menu_offers_every_member_with_the_chosen_one_ticked(login, member, directory):
    chosen = directory[3]

    answer = parse(login(member).get(menu_url("assignee"), {"assignee": chosen.pk}, **HTMX))

    radios = answer.select("input[type=radio][name=assignee]")
    names = [text(radio.parent) for radio in radios]
    assert names[:3] == ["Anyone", "Me", "Unassigned"]
    assert {"Mia Member", *(f"Teammate {n:02}" for n in range(12))} <= set(names)
    assert [radio["value"] for radio in radios if radio.has_attr("checked")] == [str(chosen.pk)]


def test_the_labels_menu_offers_every_label_with_the_chosen_ones_ticked(login, member, directory):
    answer = parse(login(member).get(menu_url("labels"), {"label": "docs"}, **HTMX))

    boxes = {box["value"]: box.has_attr("checked") for box in answer.select("input[name=label]")}
    assert boxes == {"bug": False, "docs": True}


def test_an_unknown_menu_is_404(login, member):
    assert login(member).get(menu_url("projects"), **HTMX).status_code == 404


def test_a_list_carries_only_the_chosen_member_and_labels_until_a_menu_opens(
    login, member, directory
):
    """Its weight does not grow with the organization's directory."""
    chosen = directory[5]
    page = parse(
        login(member).get(
            reverse("web:task-list", kwargs={"org_slug": "acme"}),
            {"assignee": chosen.pk, "label": "bug"},
        )
    )

    assignee = one(page, "[data-testid=assignee-filter]")
    assert [text(radio.parent) for radio in assignee.select("input[type=radio]")] == [
        "Anyone",
        "Me",
        "Unassigned",
        chosen.user.display_name,
    ]
    assert one(assignee, "summary .badge").get_text(strip=True) == chosen.user.display_name
    assert assignee["hx-get"] == menu_url("assignee")
    labels = one(page, "[data-testid=label-filter]")
    assert [box["value"] for box in labels.select("input[name=label]")] == ["bug"]
    assert labels["hx-get"] == menu_url("labels")


@pytest.mark.parametrize(
    ("query", "filtering"),
    [
        ("", False),
        ("page=2&sort=-title&per_page=100&fields=7", False),
        ("q=", True),
        ("due_after=2031-01-01", True),
        ("status=todo&label_mode=all", True),
    ],
)
def test_a_query_filters_only_when_it_names_a_filter(rf, in_org, member, query, filtering):
    """A page, sort or column choice alone builds no form: the list is the whole queryset."""
    request = rf.get("/", QueryDict(query))
    request.membership, request.organization = member, in_org
    filters = TaskFilter(
        QueryDict(query), queryset=Task.objects.none(), request=request, members=[]
    )

    assert filters.filtering() is filtering
    assert filters.is_valid()


def test_a_refused_filter_is_still_said_with_a_page_and_sort(login, member):
    response = login(member).get(
        reverse("web:task-list", kwargs={"org_slug": "acme"}),
        {"due_after": "not a date", "page": "1", "sort": "title"},
    )

    assert response.status_code == 200
    assert "Enter a valid date" in one(parse(response), "#task-filters [role=alert]").get_text()
