"""A list row reads the task table alone and takes the names it shows from the organization's
directory (workspace.selectors.name_rows)."""

import pytest

from workspace import selectors
from workspace.models import Project, Task, TaskLabel
from workspace.tests.factories import LabelFactory, MembershipFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db


def named(organization) -> list[dict]:
    rows = list(Task.objects.filter(organization=organization).order_by("number").row_values())
    return selectors.name_rows(rows, organization=organization)


def test_rows_show_their_project_assignee_and_labels_by_name(in_org):
    member = MembershipFactory(organization=in_org, user__name="Mia Member")
    task = TaskFactory(project=ProjectFactory(organization=in_org, name="Apollo"), assignee=member)
    for name, colour in (("docs", "teal"), ("Bug", "red")):
        TaskLabel.objects.create(
            organization=in_org,
            task=task,
            label=LabelFactory(organization=in_org, name=name, colour=colour),
        )
    TaskFactory(project=task.project)  # unassigned, no labels

    first, second = named(in_org)

    assert (first["project_name"], first["assignee_name"]) == ("Apollo", "Mia Member")
    assert first["chips"] == (("Bug", "red"), ("docs", "teal"))  # by name, as chips show
    assert (second["assignee_name"], second["chips"]) == ("", ())


def test_a_row_naming_what_the_cached_directory_lacks_is_named_afresh(
    in_org, django_assert_num_queries
):
    """A project made without its signals (a bulk insert) is not in the directory cached
    before it: the rows read the directory again rather than show no name."""
    TaskFactory(project=ProjectFactory(organization=in_org, name="Old"))
    named(in_org)  # the directory is cached now
    (quiet,) = Project.objects.bulk_create(
        [Project(organization=in_org, name="Quiet", slug="quiet")]
    )
    TaskFactory(project=quiet)

    rows = list(Task.objects.filter(organization=in_org).order_by("number").row_values())
    with django_assert_num_queries(1):  # the directory, read afresh
        selectors.name_rows(rows, organization=in_org)

    assert [row["project_name"] for row in rows] == ["Old", "Quiet"]


def test_naming_rows_from_the_cached_directory_reads_nothing(in_org, django_assert_num_queries):
    TaskFactory.create_batch(3, project=ProjectFactory(organization=in_org))
    named(in_org)
    rows = list(Task.objects.filter(organization=in_org).row_values())

    with django_assert_num_queries(0):
        selectors.name_rows(rows, organization=in_org)
