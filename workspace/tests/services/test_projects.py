from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from workspace.models import (
    AuditAction,
    AuditLog,
    CustomField,
    FieldType,
    Project,
    ProjectStatus,
    Task,
)
from workspace.services.projects import (
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    project_create,
    project_delete,
    project_set_archived,
    project_update,
)
from workspace.tests.factories import (
    CustomFieldFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def create(in_org, member):
    def _create(name="Website Redesign", **kwargs):
        return project_create(organization=in_org, actor=member, name=name, **kwargs)

    return _create


@pytest.fixture
def project(in_org):
    return ProjectFactory(organization=in_org, name="Launch", slug="launch")


def _fresh(project) -> Project:
    return Project.all_objects.get(pk=project.pk)


def test_create_project(create, member, admin):
    project = create(name="  Website   Redesign ", description=" The new site\n", lead=admin)

    project = _fresh(project)
    assert project.name == "Website Redesign"
    assert project.slug == "website-redesign"
    assert project.description == "The new site"
    assert project.lead == admin
    assert project.status == ProjectStatus.ACTIVE
    assert project.created_by == member.user


def test_slugs_are_unique_per_organization_including_deleted_projects(in_org, create):
    ProjectFactory(organization=in_org, slug="launch", deleted_at=timezone.now())
    ProjectFactory(organization=OrganizationFactory(), slug="website")

    assert create(name="Launch").slug == "launch-2"
    assert create(name="Launch!").slug == "launch-3"
    assert create(name="Website").slug == "website"
    assert create(name="Web").slug == "web"


def test_a_name_without_slug_characters_gets_a_generic_slug(create):
    assert create(name="!!").slug == "project"
    assert create(name="??").slug == "project-2"


@pytest.mark.parametrize("name", ["", "  ", " a ", None])
def test_project_name_needs_two_characters(create, name):
    with pytest.raises(ValidationError) as error:
        create(name=name)

    assert error.value.message_dict == {
        "name": ["Give the project a name of at least 2 characters."]
    }
    assert not Project.all_objects.exists()


@pytest.mark.parametrize(("field", "value"), [("name", "x" * 101), ("description", "x" * 5001)])
def test_too_long_name_or_description_is_refused(create, field, value):
    with pytest.raises(ValidationError) as error:
        create(**{field: value})

    assert list(error.value.message_dict) == [field]


def test_lead_from_another_organization_is_refused(create):
    with pytest.raises(ValidationError) as error:
        create(lead=MembershipFactory())

    assert error.value.message_dict == {"lead": ["Choose a member of this organization."]}
    assert not Project.all_objects.exists()


def test_update_project_keeps_its_slug(project, member, admin):
    project_update(
        project=project, actor=member, name=" Relaunch  2 ", description=" Again ", lead=admin
    )

    project = _fresh(project)
    assert (project.name, project.description, project.lead) == ("Relaunch 2", "Again", admin)
    assert project.slug == "launch"


@pytest.mark.parametrize(
    ("name", "lead", "field"), [("x", None, "name"), ("Relaunch", "stranger", "lead")]
)
def test_invalid_update_is_refused(project, member, name, lead, field):
    lead = MembershipFactory() if lead == "stranger" else None

    with pytest.raises(ValidationError) as error:
        project_update(project=project, actor=member, name=name, description="", lead=lead)

    assert list(error.value.message_dict) == [field]
    assert _fresh(project).name == "Launch"


def test_admin_archives_and_restores_a_project(project, admin):
    project_set_archived(project=project, actor=admin, archived=True)
    assert _fresh(project).status == ProjectStatus.ARCHIVED
    assert not Project.objects.active().filter(pk=project.pk).exists()

    project_set_archived(project=project, actor=admin, archived=False)
    assert _fresh(project).status == ProjectStatus.ACTIVE


def test_member_cannot_archive_a_project(project, member):
    with pytest.raises(PermissionDenied):
        project_set_archived(project=project, actor=member, archived=True)

    assert _fresh(project).status == ProjectStatus.ACTIVE


def test_delete_soft_deletes_the_project_and_its_live_tasks_together(project, admin, member):
    earlier = timezone.now() - timedelta(days=3)
    live = TaskFactory.create_batch(2, project=project)
    gone = TaskFactory(project=project, deleted_at=earlier, deleted_by=member.user)
    other = TaskFactory(project=ProjectFactory(organization=project.organization))

    project_delete(project=project, actor=admin)

    deleted = _fresh(project)
    assert deleted.deleted_at is not None
    assert deleted.deleted_by == admin.user
    assert not Project.objects.filter(pk=project.pk).exists()
    for task in live:
        task = Task.all_objects.get(pk=task.pk)
        assert (task.deleted_at, task.deleted_by) == (deleted.deleted_at, admin.user)
    gone = Task.all_objects.get(pk=gone.pk)
    assert (gone.deleted_at, gone.deleted_by) == (earlier, member.user)
    assert list(Task.objects.all()) == [other]


def test_member_cannot_delete_a_project(project, member):
    task = TaskFactory(project=project)

    with pytest.raises(PermissionDenied):
        project_delete(project=project, actor=member)

    assert Project.objects.filter(pk=project.pk).exists()
    assert Task.objects.filter(pk=task.pk).exists()


@pytest.fixture
def add_field(project, admin):
    def _add(name="Story points", field_type=FieldType.NUMBER, **kwargs):
        return custom_field_create(
            project=project, actor=admin, name=name, field_type=field_type, **kwargs
        )

    return _add


def _field_errors(add_field, **kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        add_field(**kwargs)
    return error.value.message_dict


def test_custom_field_key_comes_from_the_name(add_field, project):
    points = add_field(name="  Story   points ", required=True)
    team = add_field(name="Team-name", field_type=FieldType.TEXT)

    points = CustomField.objects.get(pk=points.pk)
    assert (points.name, points.key, points.field_type) == (
        "Story points",
        "story_points",
        FieldType.NUMBER,
    )
    assert points.required
    assert team.key == "team_name"
    assert list(project.field_definitions.all()) == [points, team]


def test_duplicate_field_name_is_refused(add_field, in_org, admin):
    add_field(name="Story points")

    assert _field_errors(add_field, name="story-POINTS") == {
        "name": ["This project already has a field with this name."]
    }
    other = ProjectFactory(organization=in_org)
    assert (
        custom_field_create(
            project=other, actor=admin, name="Story points", field_type=FieldType.NUMBER
        ).key
        == "story_points"
    )


def test_any_member_adds_fields_but_not_to_another_organization_s_project(project, member):
    assert (
        custom_field_create(
            project=project, actor=member, name="Team", field_type=FieldType.TEXT
        ).key
        == "team"
    )
    outsider = MembershipFactory()
    with pytest.raises(PermissionDenied):
        custom_field_create(project=project, actor=outsider, name="Spy", field_type=FieldType.TEXT)
    assert not CustomField.objects.filter(name="Spy").exists()


def test_field_name_needs_letters_or_digits(add_field):
    assert _field_errors(add_field, name=" -- ") == {"name": ["Give the field a name."]}


@pytest.mark.parametrize("options", [None, [], ["  ", ""]])
def test_choice_field_needs_options(add_field, options):
    assert _field_errors(add_field, field_type=FieldType.CHOICE, options=options) == {
        "options": ["A choice field needs at least one option."]
    }
    assert not CustomField.objects.exists()


def test_choice_options_are_trimmed_and_blanks_dropped(add_field):
    field = add_field(name="Size", field_type=FieldType.CHOICE, options=[" S ", "", "M", " "])

    assert CustomField.objects.get(pk=field.pk).options == ["S", "M"]


def test_options_are_dropped_for_other_types(add_field):
    field = add_field(field_type=FieldType.TEXT, options=["S", "M"])

    assert CustomField.objects.get(pk=field.pk).options == []


def test_unknown_field_type_is_refused(add_field):
    assert list(_field_errors(add_field, field_type="colour")) == ["field_type"]


def test_deleting_a_field_keeps_the_values_stored_on_tasks(project, admin):
    field = CustomFieldFactory(project=project, key="points")
    task = TaskFactory(project=project, custom_fields={"points": 3})

    custom_field_delete(field=field, actor=admin)

    assert not CustomField.objects.filter(pk=field.pk).exists()
    assert Task.objects.get(pk=task.pk).custom_fields == {"points": 3}


def test_duplicate_choice_options_are_refused(add_field):
    errors = _field_errors(add_field, field_type=FieldType.CHOICE, options=["Won", "Lost", "won "])

    assert errors == {"options": ["“won” is listed twice: options must differ."]}
    assert not CustomField.objects.exists()


@pytest.fixture
def stage(project):
    return CustomFieldFactory(
        project=project,
        name="Stage",
        key="stage",
        field_type=FieldType.CHOICE,
        options=["Lead", "Won", "Lost"],
    )


def test_renaming_a_field_keeps_its_key_and_values(project, admin, stage):
    task = TaskFactory(project=project, custom_fields={"stage": "Won"})

    changed = custom_field_update(field=stage, actor=admin, name=" Deal  stage ", required=True)

    stage.refresh_from_db()
    assert (stage.name, stage.key, stage.required) == ("Deal stage", "stage", True)
    assert changed == {"name": ["Stage", "Deal stage"], "required": [False, True]}
    assert Task.objects.get(pk=task.pk).custom_fields == {"stage": "Won"}
    entry = AuditLog.objects.get(action=AuditAction.UPDATED, object_id=stage.pk)
    assert entry.changed_fields == {"name": ["Stage", "Deal stage"], "required": [False, True]}


def test_editing_options_renames_and_clears_the_values_tasks_hold(project, admin, stage):
    other = ProjectFactory(organization=project.organization)
    lead, won, lost, elsewhere = (
        TaskFactory(project=project, custom_fields={"stage": "Lead", "n": 1}),
        TaskFactory(project=project, custom_fields={"stage": "Won"}),
        TaskFactory(project=project, custom_fields={"stage": "Lost", "n": 2}),
        TaskFactory(project=other, custom_fields={"stage": "Lead"}),
    )
    before = Task.objects.get(pk=won.pk).updated_at

    custom_field_update(
        field=stage,
        actor=admin,
        name="Stage",
        # Lead and Won swap their texts; Lost goes; Open is added.
        options=[("Lead", "Won"), ("Won", "Lead"), ("Lost", None)],
        added=["Open"],
    )

    assert CustomField.objects.get(pk=stage.pk).options == ["Won", "Lead", "Open"]
    values = {t.pk: t.custom_fields for t in Task.objects.all()}
    assert values[lead.pk] == {"stage": "Won", "n": 1}
    assert values[won.pk] == {"stage": "Lead"}
    assert values[lost.pk] == {"n": 2}
    assert values[elsewhere.pk] == {"stage": "Lead"}  # another project's field of that key
    moved = Task.objects.get(pk=won.pk)
    assert moved.updated_at > before
    assert "custom_fields" in moved.field_changed_at


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"options": [("Lead", "Won"), ("Won", "Won"), ("Lost", "Lost")]}, "options"),
        ({"options": [("Lead", None), ("Won", None), ("Lost", None)]}, "options"),
        ({"options": [("Lead", "Lead")]}, "options"),  # options changed meanwhile
        ({"added": ["lost"]}, "options"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(project, admin, stage, kwargs, error):
    task = TaskFactory(project=project, custom_fields={"stage": "Won"})

    with pytest.raises(ValidationError) as refused:
        custom_field_update(field=stage, actor=admin, **{"name": "Stage", **kwargs})

    assert list(refused.value.message_dict) == [error]
    assert CustomField.objects.get(pk=stage.pk).options == ["Lead", "Won", "Lost"]
    assert Task.objects.get(pk=task.pk).custom_fields == {"stage": "Won"}


def test_a_field_cannot_take_another_fields_name(project, admin, stage):
    CustomFieldFactory(project=project, name="Amount", key="amount")

    with pytest.raises(ValidationError) as refused:
        custom_field_update(field=stage, actor=admin, name="amount")

    assert refused.value.message_dict == {
        "name": ["This project already has a field with this name."]
    }


def test_a_member_cannot_edit_a_field(project, member, stage):
    with pytest.raises(PermissionDenied):
        custom_field_update(field=stage, actor=member, name="Hijacked")

    assert CustomField.objects.get(pk=stage.pk).name == "Stage"
