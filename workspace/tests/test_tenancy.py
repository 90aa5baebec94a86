import pytest
from asgiref.sync import async_to_sync
from django.db.models import Count
from django.utils import timezone
from django_scopes.exceptions import ScopeError

from workspace.models import AuditLog, Comment, Invitation, Membership, Notification, Project, Task
from workspace.tenancy import all_tenants, organization_scope
from workspace.tests.factories import MembershipFactory, OrganizationFactory, TaskFactory

pytestmark = pytest.mark.django_db


def test_tenant_query_without_a_scope_raises():
    MembershipFactory()

    with pytest.raises(ScopeError):
        list(Membership.objects.all())
    with pytest.raises(ScopeError):
        Membership.objects.filter(role="owner").exists()


def test_related_managers_fail_closed_too():
    membership = MembershipFactory()

    with pytest.raises(ScopeError):
        list(membership.user.memberships.all())


def test_scope_returns_only_that_organizations_rows():
    mine = MembershipFactory()
    MembershipFactory()  # another organization

    with organization_scope(mine.organization):
        assert list(Membership.objects.all()) == [mine]


def test_organization_scope_refuses_none():
    with pytest.raises(ValueError, match="needs an organization"), organization_scope(None):
        pass


def test_all_tenants_block_reads_across_organizations():
    a, b = MembershipFactory(), MembershipFactory()

    with all_tenants():
        assert set(Membership.objects.all()) == {a, b}


def test_nested_scope_inside_all_tenants_is_scoped_again():
    a = MembershipFactory()
    MembershipFactory(organization=OrganizationFactory())

    with all_tenants(), organization_scope(a.organization):
        assert list(Membership.objects.all()) == [a]


# Every way of reading a tenant model outside a scope raises ScopeError: the manager's methods,
# the chained queryset's, the custom queryset methods, evaluation and the async variants.
OUTSIDE_SCOPE_QUERIES = {
    "all": lambda m: m.all(),
    "filter": lambda m: m.filter(pk=1),
    "exclude": lambda m: m.exclude(pk=1),
    "exists": lambda m: m.exists(),
    "count": lambda m: m.count(),
    "select_related": lambda m: m.select_related("organization"),
    "prefetch_related": lambda m: m.prefetch_related("organization"),
    "values": lambda m: m.values("pk"),
    "values_list": lambda m: m.values_list("pk", flat=True),
    "order_by": lambda m: m.order_by("pk"),
    "distinct": lambda m: m.distinct(),
    "defer": lambda m: m.defer("created_at"),
    "only": lambda m: m.only("pk"),
    "annotate": lambda m: m.annotate(n=Count("pk")),
    "alias": lambda m: m.alias(n=Count("pk")),
    "aggregate": lambda m: m.aggregate(n=Count("pk")),
    "get": lambda m: m.get(pk=1),
    "first": lambda m: m.first(),
    "last": lambda m: m.last(),
    "in_bulk": lambda m: m.in_bulk([1]),
    "iterator": lambda m: list(m.iterator()),
    "update": lambda m: m.update(created_at=timezone.now()),
    "delete": lambda m: m.get_queryset().delete(),
    "get_or_create": lambda m: m.get_or_create(pk=1),
    "extra": lambda m: m.extra(where=["1=1"]),
    "explain": lambda m: m.explain(),
    "contains": lambda m: m.contains(m.model(pk=1)),
    "union": lambda m: m.union(m.model.objects.none()),
    "select_for_update": lambda m: m.select_for_update(),
    "iteration": lambda m: list(m.get_queryset()),
    "len": lambda m: len(m.get_queryset()),
    "bool": lambda m: bool(m.get_queryset()),
    "slice": lambda m: m.get_queryset()[:1],
    "combine with &": lambda m: m.get_queryset() & m.get_queryset(),
    "acount": lambda m: async_to_sync(m.get_queryset().acount)(),
    "aexists": lambda m: async_to_sync(m.get_queryset().aexists)(),
}

TENANT_MANAGERS = {
    "Membership.objects": lambda: Membership.objects,
    "Task.objects": lambda: Task.objects,
    "Task.all_objects": lambda: Task.all_objects,
    "Project.objects": lambda: Project.objects,
    "Comment.all_objects": lambda: Comment.all_objects,
    "AuditLog.objects": lambda: AuditLog.objects,
    "Invitation.objects": lambda: Invitation.objects,
    "Notification.objects": lambda: Notification.objects,
}


@pytest.mark.parametrize("manager", sorted(TENANT_MANAGERS))
@pytest.mark.parametrize("query", sorted(OUTSIDE_SCOPE_QUERIES))
def test_every_query_outside_a_scope_raises_the_scope_error(manager, query):
    TaskFactory()  # a row of some organization that must stay out of reach

    with pytest.raises(ScopeError):
        OUTSIDE_SCOPE_QUERIES[query](TENANT_MANAGERS[manager]())


CUSTOM_QUERYSET_METHODS = {
    "TaskQuerySet.open": lambda: Task.objects.open(),
    "TaskQuerySet.overdue": lambda: Task.objects.overdue(),
    "TaskQuerySet.assigned_to": lambda: Task.all_objects.assigned_to(None),
    "TaskQuerySet.for_list": lambda: Task.objects.for_list(),
    "TaskQuerySet.for_rows": lambda: Task.objects.for_rows(),
    "ProjectQuerySet.active": lambda: Project.objects.active(),
    "ProjectQuerySet.with_task_counts": lambda: Project.all_objects.with_task_counts(),
    "MembershipQuerySet.owners": lambda: Membership.objects.owners(),
    "InvitationQuerySet.open": lambda: Invitation.objects.open(),
    "InvitationQuerySet.pending": lambda: Invitation.objects.pending(),
    "NotificationQuerySet.pending": lambda: Notification.objects.pending(),
    "NotificationQuerySet.due": lambda: Notification.objects.due(timezone.now()),
}


@pytest.mark.parametrize("method", sorted(CUSTOM_QUERYSET_METHODS))
def test_custom_queryset_methods_outside_a_scope_raise_the_scope_error(method):
    """Not an AttributeError: the same error as every other query."""
    TaskFactory()

    with pytest.raises(ScopeError):
        CUSTOM_QUERYSET_METHODS[method]()


def test_a_queryset_made_in_scope_keeps_working_after_the_scope():
    task = TaskFactory()
    with organization_scope(task.organization):
        tasks = Task.objects.open()

    assert list(tasks) == [task]


def test_none_and_create_need_no_scope():
    """Nothing is read: an empty queryset (form field defaults) and inserts that name their
    organization (sign-in audit entries are recorded outside any scope)."""
    organization = OrganizationFactory()

    assert list(Membership.objects.none()) == []
    assert list(Task.objects.none().open()) == []
    entry = AuditLog.objects.create(organization=None, action="login")
    assert entry.pk is not None
    with organization_scope(organization):
        assert AuditLog.objects.count() == 0
