import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from workspace.models import AuditAction, AuditLog, Label, Task, TaskLabel
from workspace.services.labels import (
    label_create,
    label_delete,
    label_update,
    task_labels_set,
)
from workspace.tests.factories import (
    LabelFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(in_org, member):
    return TaskFactory(project=ProjectFactory(organization=in_org), created_by=member.user)


def entries(target, action=AuditAction.UPDATED):
    return list(
        AuditLog.objects.filter(
            object_id=target.pk, action=action, content_type__model="task"
        ).order_by("pk")
    )


class TestManagingLabels:
    def test_an_admin_creates_a_label_with_a_colour_and_description(self, in_org, admin):
        label = label_create(
            organization=in_org,
            actor=admin,
            name="  needs   review ",
            colour="red",
            description="Waiting for a second pair of eyes",
        )

        assert (label.name, label.colour) == ("needs review", "red")
        assert AuditLog.objects.filter(
            action=AuditAction.CREATED, object_id=label.pk, content_type__model="label"
        ).exists()

    def test_a_member_cannot_manage_labels_even_calling_the_service(self, in_org, member):
        with pytest.raises(PermissionDenied):
            label_create(organization=in_org, actor=member, name="bug", colour="red")
        label = LabelFactory(organization=in_org, name="bug")
        with pytest.raises(PermissionDenied):
            label_update(label=label, actor=member, name="defect", colour="red")
        with pytest.raises(PermissionDenied):
            label_delete(label=label, actor=member)
        assert Label.objects.filter(name="bug").exists()

    def test_names_are_unique_per_organization_whatever_their_case(self, in_org, admin):
        label_create(organization=in_org, actor=admin, name="Bug", colour="red")

        with pytest.raises(ValidationError) as refused:
            label_create(organization=in_org, actor=admin, name="bug", colour="blue")
        assert "already a label named bug" in str(refused.value)

    def test_another_organization_may_use_the_same_name(self, in_org, admin):
        label_create(organization=in_org, actor=admin, name="bug", colour="red")
        other = OrganizationFactory()
        other_admin = MembershipFactory(organization=other, role="admin")
        from workspace.tenancy import organization_scope

        with organization_scope(other):
            assert label_create(organization=other, actor=other_admin, name="bug", colour="red")

    @pytest.mark.parametrize(
        ("name", "colour", "message"),
        [
            ("", "red", "Give the label a name"),
            ("x" * 41, "red", "at most 40"),
            ("a,b", "red", "comma"),
            ("fine", "fuchsia", "colours offered"),
        ],
    )
    def test_bad_input_is_refused_with_a_reason(self, in_org, admin, name, colour, message):
        with pytest.raises(ValidationError) as refused:
            label_create(organization=in_org, actor=admin, name=name, colour=colour)
        assert message in str(refused.value)

    def test_renaming_keeps_the_label_on_its_tasks(self, in_org, admin, member, task):
        label = LabelFactory(organization=in_org, name="bug")
        task_labels_set(task=task, actor=member, labels=[label])

        changes = label_update(label=label, actor=admin, name="defect", colour="orange")

        assert changes == {"name": ["bug", "defect"], "colour": ["blue", "orange"]}
        assert list(Task.objects.get(pk=task.pk).labels.values_list("name", flat=True)) == [
            "defect"
        ]

    def test_deleting_removes_it_from_its_tasks_each_with_an_audit_entry(
        self, in_org, admin, member, task
    ):
        label = LabelFactory(organization=in_org, name="bug")
        keep = LabelFactory(organization=in_org, name="ui")
        other = TaskFactory(project=task.project)
        task_labels_set(task=task, actor=member, labels=[label, keep])
        task_labels_set(task=other, actor=member, labels=[label])
        version = Task.objects.get(pk=task.pk).updated_at

        assert label_delete(label=label, actor=admin) == 2

        assert not Label.objects.filter(pk=label.pk).exists()
        assert list(TaskLabel.objects.values_list("label__name", flat=True)) == ["ui"]
        for each in (task, other):
            assert entries(each)[-1].changed_fields == {"labels": ["bug", None]}
        refreshed = Task.objects.get(pk=task.pk)
        assert refreshed.updated_at > version  # open editors learn that the task changed
        assert refreshed.changed_since(version) == {"labels"}


class TestTaskLabels:
    def test_a_member_puts_labels_on_a_task_and_takes_them_off(self, in_org, member, task):
        bug, ui, docs = (LabelFactory(organization=in_org, name=n) for n in ("bug", "ui", "docs"))
        before = task.updated_at

        added, removed = task_labels_set(task=task, actor=member, labels=[ui, bug])
        assert ([a.name for a in added], removed) == (["ui", "bug"], [])
        added, removed = task_labels_set(task=task, actor=member, labels=[bug, docs])

        assert ([a.name for a in added], [r.name for r in removed]) == (["docs"], ["ui"])
        assert [tuple(chip) for chip in task.chips] == [("bug", "blue"), ("docs", "blue")]
        assert sorted(Task.objects.get(pk=task.pk).labels.values_list("name", flat=True)) == [
            "bug",
            "docs",
        ]
        assert [e.changed_fields for e in entries(task)] == [
            {"labels": [None, "bug, ui"]},
            {"labels": ["bug, ui", "bug, docs"]},
        ]
        assert Task.objects.get(pk=task.pk).updated_at > before

    def test_the_same_labels_again_write_nothing(self, in_org, member, task):
        bug = LabelFactory(organization=in_org, name="bug")
        task_labels_set(task=task, actor=member, labels=[bug])
        version = Task.objects.get(pk=task.pk).updated_at

        assert task_labels_set(task=task, actor=member, labels=[bug]) == ([], [])
        assert Task.objects.get(pk=task.pk).updated_at == version
        assert len(entries(task)) == 1

    def test_a_label_of_another_organization_is_refused(self, in_org, member, task):
        other = OrganizationFactory()
        from workspace.tenancy import organization_scope

        with organization_scope(other):
            foreign = LabelFactory(organization=other, name="theirs")

        with pytest.raises(ValidationError):
            task_labels_set(task=task, actor=member, labels=[foreign])
        assert not TaskLabel.objects.exists()

    def test_a_member_of_another_organization_is_refused(self, in_org, task):
        outsider = MembershipFactory()
        with pytest.raises(PermissionDenied):
            task_labels_set(task=task, actor=outsider, labels=[])
