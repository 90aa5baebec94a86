"""The command palette's server-side search: the organization's tasks by number or title words,
its projects, pages and actions, in a fixed number of queries; nothing of another organization."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

URL = "/o/acme/palette/"


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Launch", slug="launch")


def _options(response):
    return BeautifulSoup(response.content.decode(), "html.parser").select("[role=option]")


def options(response) -> list[str]:
    return [" ".join(a.get_text(" ").split()) for a in _options(response)]


def hrefs(response) -> list[str]:
    return [a["href"] for a in _options(response)]


def test_a_number_finds_that_task_first(client, member, project):
    with organization_scope(project.organization):
        tasks = TaskFactory.create_batch(12, project=project, title="Weekly report")
    client.force_login(member.user)

    response = client.get(URL, {"q": f"#{tasks[2].number}"})

    assert hrefs(response)[0] == f"/o/acme/tasks/{tasks[2].number}/"


def test_a_number_in_other_digits_is_searched_as_words(client, member, project):
    """ "#²" is not a task number: it finds titles with it, never a server error."""
    with organization_scope(project.organization):
        TaskFactory(project=project, title="Area in m²")
    client.force_login(member.user)

    response = client.get(URL, {"q": "m²"})
    lookup = client.get(URL, {"q": "#²"})

    assert response.status_code == 200
    assert lookup.status_code == 200
    assert any(href.startswith("/o/acme/tasks/") for href in hrefs(response))


def test_words_match_titles_in_any_order_and_pages_and_actions_too(client, member, project):
    with organization_scope(project.organization):
        TaskFactory(project=project, title="Quarterly budget review")
        TaskFactory(project=project, title="Budget")
    client.force_login(member.user)

    found = options(client.get(URL, {"q": "review budget"}))
    everything = options(client.get(URL, {"q": ""}))
    pages = options(client.get(URL, {"q": "my tasks"}))

    assert len(found) == 1
    assert "Quarterly budget review" in found[0]
    assert {"Launch", "New task", "New project", "Inbox", "All tasks"} <= set(everything)
    assert pages == ["My tasks"]


def test_nothing_of_another_organization(client, member, project):
    elsewhere = OrganizationFactory(slug="elsewhere", name="Elsewhere")
    with organization_scope(elsewhere):
        other = ProjectFactory(organization=elsewhere, name="Secret plans")
        TaskFactory(project=other, title="Secret merger")
    client.force_login(member.user)

    found = options(client.get(URL, {"q": "secret"}))

    assert found == []
    assert "Nothing matches" in client.get(URL, {"q": "secret"}).content.decode()


def test_switching_organization_is_an_action(client, member):
    other = MembershipFactory(user=member.user, organization__name="Globex").organization
    client.force_login(member.user)

    found = options(client.get(URL, {"q": "globex"}))
    home = client.get("/palette/", {"q": "globex"})

    assert found == ["Switch to Globex"]
    assert hrefs(home) == [other.get_absolute_url()]


def test_query_count_does_not_grow_with_matches(client, member, project):
    client.force_login(member.user)
    with organization_scope(project.organization):
        TaskFactory.create_batch(2, project=project, title="Report one")
    client.get(URL, {"q": "report"})
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"q": "report"})
    with organization_scope(project.organization):
        TaskFactory.create_batch(20, project=project, title="Report many")
        ProjectFactory.create_batch(6, organization=project.organization, name="Report project")
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"q": "report"})

    assert len(few.captured_queries) == len(many.captured_queries) <= 10


def test_toggle_theme_offers_the_other_choices_as_posts(client, member):
    client.force_login(member.user)
    response = client.get(URL, {"q": "toggle theme"})
    options_ = _options(response)
    assert [o.get_text(" ").strip() for o in options_] == [
        "Switch to the dark theme",
        "Switch to the light theme",
    ]
    form = options_[0].find_parent("form")
    assert form["method"] == "post"
    assert form["action"] == "/accounts/theme/"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.select_one("input[name=theme]")["value"] == "dark"
    member.user.theme = "dark"
    member.user.save()
    dark = client.get(URL, {"q": "dark"})
    assert "Switch to the dark theme" not in options(dark)
    assert options(client.get("/palette/", {"q": "light theme"})) == ["Switch to the light theme"]
