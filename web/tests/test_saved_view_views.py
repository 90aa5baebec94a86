import pytest
from django.urls import reverse

from web.tests.html import one, parse, text
from workspace.models import SavedView
from workspace.services.saved_views import saved_view_create
from workspace.tenancy import organization_scope
from workspace.tests.factories import MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def views_url(name="web:saved-view-list", **kwargs):
    return reverse(name, kwargs={"org_slug": "acme", **kwargs})


def test_the_list_saves_its_address_as_a_view(login, member):
    client = login(member)
    page = client.get("/o/acme/tasks/", {"status": "todo", "sort": "-due_date", "page": "1"})
    form = one(page, "form[data-save-view]")
    query = one(form, "[name=query]")["value"]

    response = client.post(
        views_url(), {"name": "My todo", "query": query, "kind": "list", "next": "/o/acme/tasks/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/o/acme/tasks/?status=todo&sort=-due_date"
    with organization_scope(member.organization):
        assert SavedView.objects.get().owner == member


def test_members_are_not_offered_sharing_and_cannot_force_it(login, member):
    client = login(member)
    form = one(client.get("/o/acme/tasks/"), "form[data-save-view]")
    assert form.select("[name=shared]") == []

    response = client.post(views_url(), {"name": "Team", "query": "", "shared": "1"})

    assert response.status_code == 403


def test_the_sidebar_lists_shared_views_then_the_members_own(login, member, admin):
    with organization_scope(member.organization):
        saved_view_create(actor=admin, name="Team board", query="", shared=True, kind="board")
        saved_view_create(actor=admin, name="Admin only", query="")
        saved_view_create(actor=member, name="Mine", query="label=bug")
    client = login(member)

    page = client.get("/o/acme/")
    placeholder = one(page, "#saved-views-nav")
    assert placeholder["hx-get"] == views_url()
    nav = client.get(views_url(), **HTMX)

    links = [(text(a), a["href"]) for a in parse(nav).select("#saved-views-nav a")]
    assert links == [
        ("Team board", "/o/acme/board/"),
        ("Mine", "/o/acme/tasks/?label=bug"),
        ("Manage views", views_url()),
    ]


def test_managing_views(login, member):
    with organization_scope(member.organization):
        first = saved_view_create(actor=member, name="One", query="")
        second = saved_view_create(actor=member, name="Two", query="")
    client = login(member)

    client.post(views_url("web:saved-view-rename", pk=first.pk), {"name": "Uno"})
    client.post(views_url("web:saved-view-move", pk=second.pk), {"direction": "up"})
    page = client.get(views_url())
    assert [text(one(li, "a")) for li in parse(page).select("[data-testid=saved-view]")] == [
        "Two",
        "Uno",
    ]
    response = client.post(views_url("web:saved-view-delete", pk=first.pk), follow=True)
    assert "View Uno deleted." in text(parse(response))


def test_a_duplicate_name_is_explained(login, member):
    with organization_scope(member.organization):
        saved_view_create(actor=member, name="Bugs", query="")

    response = login(member).post(
        views_url(), {"name": "bugs", "query": "", "next": "/o/acme/tasks/"}, follow=True
    )

    assert "There is already a view named bugs." in text(parse(response))


def test_someone_elses_personal_view_is_a_404(login, member, admin):
    with organization_scope(member.organization):
        theirs = saved_view_create(actor=admin, name="Private", query="")

    response = login(member).post(views_url("web:saved-view-rename", pk=theirs.pk), {"name": "x"})

    assert response.status_code == 404


def test_a_project_s_list_and_board_save_as_views_of_that_project(login, member):
    with organization_scope(member.organization):
        project = ProjectFactory(organization=member.organization, slug="apollo")
    client = login(member)
    form = one(
        client.get("/o/acme/p/apollo/", {"view": "list", "sort": "title"}), "form[data-save-view]"
    )
    assert one(form, "[name=project]")["value"] == str(project.pk)
    assert one(form, "[name=kind]")["value"] == "list"

    response = client.post(
        views_url(), {"name": "Apollo", "query": "sort=title", "project": str(project.pk)}
    )
    assert response["Location"] == "/o/acme/p/apollo/?sort=title&view=list"

    board_form = one(
        client.get("/o/acme/p/apollo/board/", {"group": "assignee"}), "form[data-save-view]"
    )
    assert one(board_form, "[name=kind]")["value"] == "board"
    client.post(
        views_url(),
        {
            "name": "Apollo board",
            "query": "group=assignee",
            "kind": "board",
            "project": str(project.pk),
        },
    )
    org_board = one(client.get("/o/acme/board/"), "form[data-save-view]")
    assert org_board.select("[name=project]") == []
    client.post(views_url(), {"name": "Everyone", "query": "group=priority", "kind": "board"})

    links = [
        (text(a), a["href"])
        for a in parse(client.get(views_url(), **HTMX)).select("#saved-views-nav a")
    ]
    assert links[:3] == [
        ("Apollo", "/o/acme/p/apollo/?sort=title&view=list"),
        ("Apollo board", "/o/acme/p/apollo/board/?group=assignee"),
        ("Everyone", "/o/acme/board/?group=priority"),
    ]


def test_a_view_of_another_organization_s_project_is_refused(login, member):
    other = MembershipFactory()
    with organization_scope(other.organization):
        foreign = ProjectFactory(organization=other.organization)
    client = login(member)

    for project in (str(foreign.pk), "garbled"):
        response = client.post(views_url(), {"name": "Theirs", "query": "", "project": project})
        assert response.status_code == 404
    with organization_scope(member.organization):
        assert not SavedView.objects.exists()
