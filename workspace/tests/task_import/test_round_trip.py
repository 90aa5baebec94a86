"""What Tandem exports (workspace.task_export) reads back as the same tasks."""

import csv
import io
from datetime import date

from workspace import task_export
from workspace.models import Priority, Task, TaskStatus
from workspace.task_import import presets
from workspace.task_import.reading import read_table
from workspace.task_import.rows import People, Plan, tasks_of
from workspace.tests.factories import MembershipFactory, ProjectFactory, TaskFactory


def test_an_export_reads_back_field_by_field(in_org):
    project = ProjectFactory(organization=in_org)
    ana = MembershipFactory(organization=in_org, user__name="Ana Diaz")
    for i, status in enumerate(TaskStatus.values):
        TaskFactory(
            project=project,
            title=f"Task, “{status}”\nline",
            description=f"Line one\n=not a formula {i}",
            status=status,
            priority=Priority.values[i],
            assignee=ana if i % 2 else None,
            due_date=date(2026, 1 + i, 28) if i < 3 else None,
        )
    fields = task_export.field_columns(organization=in_org)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(task_export.header(fields))
    writer.writerows(task_export.rows(Task.objects.order_by("number"), fields))

    table = read_table(buffer.getvalue().encode("utf-8"), "export.csv")
    plan = Plan(mapping=presets.suggest(table.headers))
    outcome = tasks_of(table, plan, People([(ana.pk, "Ana Diaz", ana.user.email)]))

    assert outcome.errors == []
    tasks = list(Task.objects.order_by("number"))
    assert [t.source_id for t in outcome.tasks] == [str(t.number) for t in tasks]
    for read, task in zip(outcome.tasks, tasks, strict=True):
        assert read.title == " ".join(task.title.split())  # titles are one line
        # Cells a spreadsheet would run come back with the apostrophe that kept them text.
        assert read.description.removeprefix("'") == task.description
        assert (read.status, read.priority) == (task.status, task.priority)
        assert (read.due_date, read.assignee_id) == (task.due_date, task.assignee_id)
