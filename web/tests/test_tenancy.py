"""Tenant isolation, proven by walking the URLconf (see web/tests/tenancy.py)."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.urls import resolve, reverse
from django.utils import timezone

from workspace.models import (
    BulkEdit,
    BulkField,
    ExportStatus,
    OrganizationExport,
    Role,
    SavedView,
    TaskImport,
)
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    ChecklistItemFactory,
    CommentFactory,
    CustomFieldFactory,
    InboxItemFactory,
    InvitationFactory,
    LabelFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

from .tenancy import TENANT_ROUTES, TenantObjects, accepted_methods, tenant_route_names

pytestmark = pytest.mark.django_db

VOLATILE_FIELDS = {"last_visited_at", "last_login", "updated_at"}
SNAPSHOT_APPS = ("accounts", "workspace", "account")


def build_tenant(slug: str, tasks: int) -> TenantObjects:
    """An organization with one of everything. ``tasks`` sets how many tasks it has, so that the
    victim's task numbers do not exist in the attacker's organization."""
    organization = OrganizationFactory(slug=slug, name=slug.title())
    owner = MembershipFactory(organization=organization, role=Role.OWNER)
    member = MembershipFactory(organization=organization, role=Role.MEMBER)
    with organization_scope(organization):
        invitation = InvitationFactory(organization=organization, invited_by=owner.user)
        project = ProjectFactory(
            organization=organization, slug=f"{slug}-project", created_by=member.user
        )
        field = CustomFieldFactory(project=project)
        task = TaskFactory.create_batch(tasks, project=project, created_by=member.user)[-1]
        comment = CommentFactory(task=task, author=member.user)
        deleted_task = TaskFactory(
            project=project, deleted_at=timezone.now(), deleted_by=owner.user
        )
        export = OrganizationExport.objects.create(
            organization=organization,
            requested_by=owner.user,
            status=ExportStatus.DONE,
            file_name=f"{slug}.zip",
            finished_at=timezone.now(),
            expires_at=timezone.now() + timedelta(hours=1),
        )
        inbox_item = InboxItemFactory(recipient=owner, task=task)
        task_import = TaskImport.objects.create(
            organization=organization,
            requested_by=owner.user,
            file_name=f"{slug}.csv",
            data=b"Title\nImported\n",
            rows=1,
            plan={"mapping": ["title"]},
        )
        label = LabelFactory(organization=organization, name=f"{slug}-label")
        checklist_item = ChecklistItemFactory(task=task, position=0)
        ChecklistItemFactory(task=task, position=1)  # something to move past
        # A shared view (admins manage it) and a second to move past.
        saved_view = SavedView.objects.create(
            organization=organization, owner=owner, name="Open work", shared=True, position=1
        )
        SavedView.objects.create(
            organization=organization, owner=owner, name="Later", shared=True, position=2
        )
        bulk_edit = BulkEdit.objects.create(
            organization=organization,
            actor=member,
            field=BulkField.PRIORITY,
            value=1,
            before=[[task.pk, task.priority]],
            changed=1,
            stamp=task.updated_at,
        )
    return TenantObjects(
        organization=organization,
        owner=owner,
        member=member,
        invitation=invitation,
        project=project,
        task=task,
        comment=comment,
        custom_field=field,
        deleted_task=deleted_task,
        export=export,
        inbox_item=inbox_item,
        task_import=task_import,
        label=label,
        checklist_item=checklist_item,
        saved_view=saved_view,
        bulk_edit=bulk_edit,
    )


def snapshot() -> dict:
    """Every row of our apps, minus bookkeeping fields that reading a page may touch."""
    rows = {}
    for label in SNAPSHOT_APPS:
        for model in apps.get_app_config(label).get_models():
            rows[model._meta.label] = [
                {k: v for k, v in row.items() if k not in VOLATILE_FIELDS}
                for row in model._base_manager.order_by("pk").values()
            ]
    return rows


@pytest.fixture
def victim():
    return build_tenant("victim", tasks=3)


@pytest.fixture
def attacker_org():
    return build_tenant("attacker", tasks=1)


def url(name: str, organization, objects: TenantObjects) -> str:
    kwargs = TENANT_ROUTES[name].kwargs(objects)
    return reverse(name, kwargs={"org_slug": organization.slug, **kwargs})


def request_all_methods(client, name: str, path: str, objects: TenantObjects, **headers):
    view = resolve(path).func
    responses = {}
    for method in accepted_methods(view):
        if method == "get":
            responses[method] = client.get(path, **headers)
        else:
            data = TENANT_ROUTES[name].post_data(objects)
            responses[method] = client.post(path, data, **headers)
    assert responses, f"{name} accepts neither GET nor POST"
    return responses


def test_every_tenant_route_is_registered():
    missing = tenant_route_names() - set(TENANT_ROUTES)
    stale = set(TENANT_ROUTES) - tenant_route_names()

    assert not missing, f"add these routes to web/tests/tenancy.py TENANT_ROUTES: {missing}"
    assert not stale, f"these TENANT_ROUTES no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(TENANT_ROUTES))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_member_of_another_organization_gets_404(
    client, victim, attacker_org, mailoutbox, name, htmx
):
    client.force_login(attacker_org.owner.user)
    before = snapshot()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    responses = request_all_methods(
        client, name, url(name, victim.organization, victim), victim, **headers
    )

    assert {m: r.status_code for m, r in responses.items()} == dict.fromkeys(responses, 404)
    assert snapshot() == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    "name", sorted(n for n, route in TENANT_ROUTES.items() if route.takes_object_ids)
)
def test_foreign_object_ids_under_own_organization_get_404(
    client, victim, attacker_org, mailoutbox, name
):
    """The attacker is an owner of their own organization and swaps in the victim's ids."""
    client.force_login(attacker_org.owner.user)
    before = snapshot()

    path = url(name, attacker_org.organization, victim)
    responses = request_all_methods(client, name, path, victim)

    assert {m: r.status_code for m, r in responses.items()} == dict.fromkeys(responses, 404)
    assert snapshot() == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    "name", sorted(n for n, route in TENANT_ROUTES.items() if route.role != Role.MEMBER)
)
def test_lower_role_gets_403_and_changes_nothing(client, victim, mailoutbox, name):
    """A plain member of the organization is refused admin/owner routes."""
    client.force_login(victim.member.user)
    before = snapshot()

    responses = request_all_methods(client, name, url(name, victim.organization, victim), victim)

    assert {m: r.status_code for m, r in responses.items()} == dict.fromkeys(responses, 403)
    assert snapshot() == before
    assert mailoutbox == []


@pytest.mark.parametrize("name", sorted(TENANT_ROUTES))
def test_signed_out_visitors_are_sent_to_sign_in(client, victim, name):
    path = url(name, victim.organization, victim)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _without_tokens(html: str) -> str:
    return re.sub(r"[A-Za-z0-9]{64}|Reference: [0-9a-f]{32}", "TOKEN", html)


def test_existing_and_missing_organizations_look_the_same_to_outsiders(client, victim):
    outsider = MembershipFactory().user
    client.force_login(outsider)

    existing = client.get(f"/o/{victim.organization.slug}/members/")
    missing = client.get("/o/no-such-organization/members/")

    assert existing.status_code == missing.status_code == 404
    assert _without_tokens(existing.content.decode()) == _without_tokens(missing.content.decode())
