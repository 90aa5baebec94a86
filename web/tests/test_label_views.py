"""Labels: the admins' page, the labels editor in rows, cards and the task page, chips, and the
list's label filter."""

import json

import pytest
from django.urls import reverse

from web.tests.html import elements, one, parse, text
from workspace import revisions
from workspace.models import AuditLog, Task, TaskLabel
from workspace.services.labels import label_update, task_labels_set
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    LabelFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def labels_url(**kwargs):
    name = "web:label-list" if not kwargs else "web:label-edit"
    return reverse(name, kwargs={"org_slug": "acme", **kwargs})


def list_url():
    return reverse("web:task-list", kwargs={"org_slug": "acme"})


def editor_url(task):
    return reverse("web:task-labels", kwargs={"org_slug": "acme", "number": task.number})


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Apollo", slug="apollo")


@pytest.fixture
def labels(organization):
    with organization_scope(organization):
        return {
            name: LabelFactory(organization=organization, name=name, colour=colour)
            for name, colour in (("bug", "red"), ("ui", "blue"), ("docs", "teal"))
        }


@pytest.fixture
def make_task(organization, project, member):
    def _make(*label_names, labels=None, **fields):
        with organization_scope(organization):
            task = TaskFactory(project=project, created_by=member.user, **fields)
            if label_names:
                task_labels_set(
                    task=task, actor=member, labels=[labels[name] for name in label_names]
                )
            return Task.objects.get(pk=task.pk)

    return _make


def row_numbers(response):
    return [int(tr["id"].removeprefix("task-")) for tr in parse(response).select("tr.task")]


class TestLabelsPage:
    def test_admins_create_labels_and_see_how_many_tasks_carry_each(
        self, login, admin, labels, make_task
    ):
        make_task("bug", labels=labels)
        client = login(admin)

        response = client.post(
            labels_url(), {"name": "Customer", "colour": "amber", "description": "From support"}
        )

        assert response.status_code == 302
        page = client.get(labels_url())
        rows = {text(one(r, ".chip")): r for r in parse(page).select("[data-testid=label-row]")}
        assert list(rows) == ["bug", "Customer", "docs", "ui"]
        assert "c-amber" in one(rows["Customer"], ".chip")["class"]
        assert "From support" in text(rows["Customer"])
        count = one(rows["bug"], "a[href*='?label=']")
        assert (text(count), count["href"]) == ("1", f"{list_url()}?label=bug")

    def test_a_duplicate_name_comes_back_with_the_message_and_what_was_typed(
        self, login, admin, labels
    ):
        response = login(admin).post(
            labels_url(), {"name": "BUG", "colour": "green", "description": "typed"}
        )

        assert response.status_code == 422
        page = parse(response)
        assert "There is already a label named BUG." in text(page)
        assert page.select_one("input[name=name]")["value"] == "BUG"
        assert page.select_one("input[name=description]")["value"] == "typed"

    def test_renaming_keeps_the_label_on_its_tasks(self, login, admin, member, labels, make_task):
        task = make_task("bug", labels=labels)
        client = login(admin)

        form = client.get(labels_url(pk=labels["bug"].pk))
        assert one(form, "input[name=edit-name]")["value"] == "bug"
        response = client.post(
            labels_url(pk=labels["bug"].pk), {"edit-name": "defect", "edit-colour": "red"}
        )

        assert response.status_code == 302
        row = one(login(member).get(list_url()), f"#task-{task.number}")
        assert [text(c) for c in row.select(".chip")] == ["defect"]

    def test_deleting_removes_it_from_tasks_with_an_audit_entry(
        self, login, admin, labels, make_task
    ):
        task = make_task("bug", "ui", labels=labels)

        response = login(admin).post(
            reverse("web:label-delete", kwargs={"org_slug": "acme", "pk": labels["bug"].pk}),
            follow=True,
        )

        assert "Label bug deleted and removed from 1 task." in text(parse(response))
        with organization_scope(task.organization):
            assert list(TaskLabel.objects.values_list("label__name", flat=True)) == ["ui"]
            entry = AuditLog.objects.filter(object_id=task.pk).order_by("-pk").first()
        assert entry.changed_fields == {"labels": ["bug", None]}

    def test_members_do_not_reach_the_page(self, login, member):
        assert login(member).get(labels_url()).status_code == 403
        assert login(member).post(labels_url(), {"name": "x", "colour": "red"}).status_code == 403

    def test_a_label_of_another_organization_is_a_404(self, login, admin):
        other = OrganizationFactory()
        with organization_scope(other):
            foreign = LabelFactory(organization=other)
        assert login(admin).get(labels_url(pk=foreign.pk)).status_code == 404


class TestChipsAndProgress:
    def test_rows_show_chips_by_name_and_the_checklist_progress_within_budget(
        self, login, member, labels, make_task
    ):
        task = make_task("ui", "bug", labels=labels, checklist_done=2, checklist_total=5)
        plain = make_task()

        response = login(member).get(list_url())

        row = one(response, f"#task-{task.number}")
        chips = row.select(".f-labels > button")
        assert [(text(c), c["class"][1]) for c in chips] == [("bug", "c-red"), ("ui", "c-blue")]
        progress = one(row, ".chk")
        assert (text(progress), progress["title"]) == ("2/5", "Checklist: 2 of 5 done")
        # A row is 15 elements (the selection checkbox included), plus one per label and one for
        # a checklist.
        assert elements(row) == 15 + 2 + 1
        empty = one(response, f"#task-{plain.number}")
        add = one(empty, ".f-labels > button")
        assert add["aria-label"] == f"Add labels to #{plain.number}"
        assert elements(empty) <= 16  # the add-labels button instead of chips
        assert empty.select(".chk") == []

    def test_a_cached_row_changes_when_its_labels_do(self, login, admin, member, labels, make_task):
        task = make_task("bug", labels=labels)
        client = login(member)
        client.get(list_url())  # rows drawn and cached

        with organization_scope(task.organization):
            label_update(label=labels["bug"], actor=admin, name="defect", colour="green")
        row = one(client.get(list_url()), f"#task-{task.number}")
        assert [(text(c), c["class"][1]) for c in row.select(".chip")] == [("defect", "c-green")]

        with organization_scope(task.organization):
            task_labels_set(task=Task.objects.get(pk=task.pk), actor=member, labels=[])
        row = one(client.get(list_url()), f"#task-{task.number}")
        assert row.select(".chip:not(.add)") == []

    def test_dashboard_cards_show_chips(self, login, member, labels, make_task):
        make_task("docs", labels=labels, assignee=member)

        response = login(member).get(reverse("web:org-home", kwargs={"org_slug": "acme"}))

        assert "docs" in [text(c) for c in parse(response).select(".card-task .chip")]

    def test_the_task_page_shows_its_labels_as_an_editable_cell(
        self, login, member, labels, make_task
    ):
        task = make_task("docs", labels=labels)

        page = login(member).get(task.get_absolute_url())

        cell = one(page, "#task-fields .f-labels")
        assert [text(c) for c in cell.select(".f-labels > button")] == ["docs"]
        assert cell.select("a.title") == []


class TestLabelsEditor:
    def test_the_editor_lists_every_label_with_the_tasks_ticked(
        self, login, member, labels, make_task
    ):
        task = make_task("ui", labels=labels)

        response = login(member).get(editor_url(task), {"context": "row"}, **HTMX)

        editor = one(response, "form.editor-labels")
        assert editor["hx-post"] == editor_url(task)
        assert editor["hx-sync"] == "closest .task:queue all"
        assert one(editor, "[data-label-filter]")["aria-label"] == "Find a label"
        boxes = {text(b.parent): b.has_attr("checked") for b in editor.select("[name=labels]")}
        assert boxes == {"bug": False, "docs": False, "ui": True}

    def test_saving_sets_the_labels_and_answers_with_the_chips(
        self, login, member, labels, make_task
    ):
        task = make_task("ui", labels=labels)

        response = login(member).post(
            editor_url(task),
            {
                "version": task.version,
                "context": "row",
                "labels": [labels["bug"].pk, labels["docs"].pk],
            },
            **HTMX,
        )

        assert response.status_code == 200
        answer = parse(response)
        assert text(one(answer, "a.title")) == task.title  # the row's cell holds the title
        chips = answer.find_all("button", recursive=False)  # the cell's value buttons
        assert [text(c) for c in chips] == ["bug", "docs"]
        with organization_scope(task.organization):
            saved = Task.objects.get(pk=task.pk)
            assert sorted(saved.labels.values_list("name", flat=True)) == ["bug", "docs"]
        assert response["X-Task-Version"] == saved.version
        assert "task-changed" in json.loads(response["HX-Trigger"])

    def test_a_label_of_another_organization_is_refused_and_nothing_changes(
        self, login, member, labels, make_task
    ):
        task = make_task("ui", labels=labels)
        other = OrganizationFactory()
        with organization_scope(other):
            foreign = LabelFactory(organization=other)

        response = login(member).post(
            editor_url(task),
            {"version": task.version, "context": "row", "labels": [foreign.pk]},
            **HTMX,
        )

        assert response.status_code == 422
        assert "valid choice" in text(one(response, "[data-note]"))
        with organization_scope(task.organization):
            assert list(Task.objects.get(pk=task.pk).labels.values_list("name", flat=True)) == [
                "ui"
            ]

    def test_without_javascript_saving_redirects_to_the_task(
        self, login, member, labels, make_task
    ):
        task = make_task()

        response = login(member).post(
            editor_url(task), {"version": task.version, "labels": [labels["bug"].pk]}
        )

        assert response.status_code == 302
        with organization_scope(task.organization):
            assert Task.objects.get(pk=task.pk).labels.get().name == "bug"

    def test_with_no_labels_yet_admins_are_pointed_to_the_labels_page(
        self, login, admin, make_task
    ):
        task = make_task()

        response = login(admin).get(editor_url(task), {"context": "row"}, **HTMX)

        assert one(response, "form.editor-labels a")["href"] == labels_url()


class TestLabelFilter:
    def test_any_of_is_the_default_and_all_of_needs_every_label(
        self, login, member, labels, make_task
    ):
        both = make_task("bug", "ui", labels=labels)
        bug = make_task("bug", labels=labels)
        ui = make_task("ui", labels=labels)
        make_task("docs", labels=labels)
        make_task()
        client = login(member)

        assert row_numbers(client.get(list_url(), {"label": ["bug", "ui"]})) == [
            ui.number,
            bug.number,
            both.number,
        ]
        assert row_numbers(
            client.get(list_url(), {"label": ["bug", "ui"], "label_mode": "all"})
        ) == [both.number]
        assert row_numbers(client.get(list_url(), {"label": "bug"})) == [bug.number, both.number]

    def test_the_filter_shows_the_labels_chosen(self, login, member, labels):
        response = login(member).get(list_url(), {"label": "ui", "label_mode": "all"})

        form = one(response, "#task-filters")
        chosen = [b["value"] for b in form.select("input[name=label][checked]")]
        assert chosen == ["ui"]
        assert one(form, "input[name=label_mode][checked]")["value"] == "all"

    def test_an_unknown_label_is_explained_and_ignored(self, login, member, labels, make_task):
        task = make_task("bug", labels=labels)

        response = login(member).get(list_url(), {"label": "nope"})

        assert response.status_code == 200
        assert "nope is not one of the available choices" in text(one(response, "[role=alert]"))
        assert row_numbers(response) == [task.number]

    def test_query_count_with_a_label_filter_is_constant(
        self, login, member, labels, make_task, organization, django_assert_max_num_queries
    ):
        query = {"label": ["bug", "ui"], "label_mode": "any", "sort": "-created_at"}
        for _ in range(3):
            make_task("bug", "ui", labels=labels)
        client = login(member)
        client.get(list_url(), query)
        revisions.changed(organization.pk, revisions.TASKS, revisions.DIRECTORY)
        with django_assert_max_num_queries(11) as few:
            client.get(list_url(), query)

        for _ in range(30):
            make_task("bug", "docs", "ui", labels=labels)
        revisions.changed(organization.pk, revisions.TASKS, revisions.DIRECTORY)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(list_url(), query)
        assert len(row_numbers(response)) == 33
