import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workspace.models import SavedView
from workspace.selectors import saved_views
from workspace.services.saved_views import (
    saved_view_create,
    saved_view_delete,
    saved_view_move,
    saved_view_rename,
)
from workspace.tests.factories import MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def names(**filters):
    return list(SavedView.objects.filter(**filters).values_list("name", flat=True))


def test_anyone_saves_personal_views_and_the_page_is_not_kept(in_org, member):
    view = saved_view_create(
        actor=member, name=" Mine  open ", query="status=todo&label=bug&page=3&sort=-due_date"
    )
    assert (view.name, view.shared, view.kind) == ("Mine open", False, "list")
    assert view.query == "status=todo&label=bug&sort=-due_date"


def test_only_admins_share_views(in_org, member, admin):
    with pytest.raises(PermissionDenied):
        saved_view_create(actor=member, name="Team", query="", shared=True)
    shared = saved_view_create(actor=admin, name="Team", query="", shared=True, kind="board")
    with pytest.raises(PermissionDenied):
        saved_view_rename(view=shared, actor=member, name="Ours")
    with pytest.raises(PermissionDenied):
        saved_view_delete(view=shared, actor=member)
    assert names(shared=True) == ["Team"]


def test_a_personal_view_is_its_owners_alone(in_org, member, admin):
    view = saved_view_create(actor=member, name="Mine", query="")
    with pytest.raises(PermissionDenied):
        saved_view_rename(view=view, actor=admin, name="Taken")
    with pytest.raises(PermissionDenied):
        saved_view_delete(view=view, actor=MembershipFactory())


def test_names_are_unique_among_a_members_views(in_org, member, admin):
    saved_view_create(actor=member, name="Bugs", query="label=bug")
    saved_view_create(actor=admin, name="Bugs", query="label=bug")  # someone else's: fine
    with pytest.raises(ValidationError):
        saved_view_create(actor=member, name="bugs", query="")
    other = saved_view_create(actor=member, name="Docs", query="")
    with pytest.raises(ValidationError):
        saved_view_rename(view=other, actor=member, name="BUGS")
    with pytest.raises(ValidationError):
        saved_view_create(actor=member, name="   ", query="")


def test_renaming_reordering_and_deleting(in_org, member):
    a, b, c = (saved_view_create(actor=member, name=n, query="") for n in "ABC")

    saved_view_rename(view=a, actor=member, name="First")
    assert saved_view_move(view=c, actor=member, step=-2) is True
    assert saved_view_move(view=c, actor=member, step=-1) is False  # already first
    assert names(owner=member) == ["C", "First", "B"]
    saved_view_delete(view=b, actor=member)
    assert names(owner=member) == ["C", "First"]


def test_a_view_is_of_a_live_project_of_the_actors_organization(in_org, member):
    other = MembershipFactory()
    foreign = ProjectFactory(organization=other.organization)
    with pytest.raises(ValidationError):
        saved_view_create(actor=member, name="Theirs", query="", project=foreign)

    project = ProjectFactory(organization=in_org)
    saved_view_create(actor=member, name="Ours", query="", project=project)
    assert [v["project__slug"] for v in saved_views(membership=member)] == [project.slug]
    project.deleted_at = project.created_at
    project.save()  # in the trash: its views wait for it
    assert saved_views(membership=member) == []
    with pytest.raises(ValidationError):
        saved_view_create(actor=member, name="Gone", query="", project=project)
