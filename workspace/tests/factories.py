import factory
from django.db.models import F
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from workspace.models import (
    ChecklistItem,
    Comment,
    CustomField,
    EventKind,
    FieldType,
    InboxItem,
    Invitation,
    Label,
    Membership,
    Organization,
    Project,
    Role,
    Task,
    Watch,
)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class InvitationFactory(DjangoModelFactory):
    """An open invitation."""

    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER
    invited_by = factory.SubFactory(UserFactory)


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    created_by = factory.SubFactory(UserFactory)


class CustomFieldFactory(DjangoModelFactory):
    class Meta:
        model = CustomField

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    name = factory.Sequence(lambda n: f"Field {n}")
    key = factory.Sequence(lambda n: f"field_{n}")
    field_type = FieldType.TEXT


def _next_number(task) -> int:
    """Numbers come from the organization's counter, as in task_create."""
    Organization.objects.filter(pk=task.project.organization_id).update(
        task_counter=F("task_counter") + 1
    )
    return Organization.objects.values_list("task_counter", flat=True).get(
        pk=task.project.organization_id
    )


class TaskFactory(DjangoModelFactory):
    """A task in a project of the same organization; ``assignee`` (a membership) may be given."""

    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    number = factory.LazyAttribute(_next_number)
    title = factory.Sequence(lambda n: f"Task number {n}")
    created_by = factory.SubFactory(UserFactory)


class LabelFactory(DjangoModelFactory):
    class Meta:
        model = Label

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"label-{n}")
    colour = "blue"


class ChecklistItemFactory(DjangoModelFactory):
    class Meta:
        model = ChecklistItem

    task = factory.SubFactory(TaskFactory)
    organization = factory.SelfAttribute("task.organization")
    text = factory.Sequence(lambda n: f"Item {n}")
    position = factory.Sequence(lambda n: n)


class CommentFactory(DjangoModelFactory):
    class Meta:
        model = Comment

    task = factory.SubFactory(TaskFactory)
    organization = factory.SelfAttribute("task.organization")
    author = factory.SubFactory(UserFactory)
    body = "A comment."


class WatchFactory(DjangoModelFactory):
    class Meta:
        model = Watch

    task = factory.SubFactory(TaskFactory)
    organization = factory.SelfAttribute("task.organization")
    membership = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..task.organization")
    )


class InboxItemFactory(DjangoModelFactory):
    """An unread item about a comment on ``task`` for ``recipient`` (a membership of its
    organization)."""

    class Meta:
        model = InboxItem

    task = factory.SubFactory(TaskFactory)
    organization = factory.SelfAttribute("task.organization")
    recipient = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..task.organization")
    )
    kind = EventKind.COMMENTED
    actor = factory.SubFactory(UserFactory)
    last_event_at = factory.LazyFunction(timezone.now)
    recent = factory.LazyAttribute(
        lambda o: [
            {
                "kind": o.kind,
                "actor": o.actor.pk if o.actor else None,
                "at": o.last_event_at.isoformat(),
            }
        ]
    )
