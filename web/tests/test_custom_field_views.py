"""Custom fields on a project's list: columns (``?fields=``), filters (``cf_<id>``,
``cf_<id>_min`` / ``_max``) and sorting (``sort=cf_<id>``)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from web.tests.html import parse
from workspace.models import FieldType
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    CustomFieldFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<tr\b[^>]*\bid="task-(\d+)"')
CELLS = re.compile(r'<td class="c-cf">(.*?)</td>')


def numbers(response) -> list[int]:
    return [int(n) for n in ROW.findall(response.content.decode())]


@pytest.fixture
def fields(organization):
    """A project with one field of each type and four tasks with values."""
    with organization_scope(organization):
        project = ProjectFactory(organization=organization, name="Sales", slug="sales")
        make = CustomFieldFactory
        stage = make(
            project=project,
            name="Stage",
            key="stage",
            field_type=FieldType.CHOICE,
            options=["Lead", "Won", "Lost"],
        )
        amount = make(project=project, name="Amount", key="amount", field_type=FieldType.NUMBER)
        closes = make(project=project, name="Closes", key="closes", field_type=FieldType.DATE)
        client_name = make(project=project, name="Client", key="client")
        values = [
            {"stage": "Won", "amount": 12500.5, "closes": "2031-03-01", "client": "Globex"},
            {"stage": "Lead", "amount": 300, "closes": "2030-01-15", "client": "Initech"},
            {"stage": "Lost", "amount": 9, "client": "globex"},
            {},
        ]
        tasks = [
            TaskFactory(project=project, organization=organization, custom_fields=value)
            for value in values
        ]
    return {
        "project": project,
        "stage": stage,
        "amount": amount,
        "closes": closes,
        "client": client_name,
        "tasks": tasks,
    }


def list_url(project):
    return reverse(
        "web:project-detail",
        kwargs={"org_slug": project.organization.slug, "project_slug": project.slug},
    )


class TestColumns:
    def test_chosen_fields_are_columns_with_formatted_values(self, login, member, fields):
        amount, closes, stage = fields["amount"], fields["closes"], fields["stage"]
        query = {"fields": [amount.pk, closes.pk, stage.pk], "sort": "number"}

        response = login(member).get(list_url(fields["project"]), query)

        html = response.content.decode()
        assert response.status_code == 200
        headers = re.findall(r'class="h-cf_\d+".*?class="sort-link">([^<]+)<', html)
        assert headers == ["Stage", "Amount", "Closes"]  # the project's order
        first = ROW.search(html).end()
        cells = CELLS.findall(html[first : html.index("</tr>", first)])
        assert cells == ["Won", "12,500.5", "Mar 1, 2031"]
        assert '"2031-03-01"' not in html
        assert "{" not in "".join(CELLS.findall(html))

    def test_a_projects_own_list_has_no_project_column(self, login, member, fields):
        """Every row is in the project; the organization's list keeps the column."""
        client = login(member)

        own = parse(client.get(list_url(fields["project"]), {"sort": "project"}))
        everything = parse(client.get(reverse("web:task-list", kwargs={"org_slug": "acme"})))

        assert own.select("th.h-project, td.c-project") == []
        assert len(own.select("tr.task")) == len(fields["tasks"])
        head = everything.select("th")
        first = everything.select_one("tr.task")
        assert "h-project" in {name for th in head for name in th["class"]}
        assert len(first.select(":scope > td")) == len(head)  # one cell per header

    def test_no_columns_unless_chosen_and_the_menu_offers_each_field(self, login, member, fields):
        response = login(member).get(list_url(fields["project"]))

        html = response.content.decode()
        assert 'class="c-cf"' not in html
        menu = html[html.index('data-testid="column-menu"') :]
        for field in ("stage", "amount", "closes", "client"):
            assert f'name="fields" value="{fields[field].pk}"' in menu

    def test_another_projects_or_orgs_field_ids_are_ignored(self, login, member, fields):
        other_org = OrganizationFactory()
        with organization_scope(other_org):
            foreign = CustomFieldFactory(project=ProjectFactory(organization=other_org))
        with organization_scope(member.organization):
            sibling = CustomFieldFactory(
                project=ProjectFactory(organization=member.organization), name="Sibling"
            )
        query = {"fields": [foreign.pk, sibling.pk, "x"], "sort": f"cf_{foreign.pk}"}

        response = login(member).get(list_url(fields["project"]), query)

        assert response.status_code == 200
        assert 'class="c-cf"' not in response.content.decode()

    def test_a_column_changes_the_cached_row_when_its_value_does(self, login, member, fields):
        client = login(member)
        query = {"fields": [fields["client"].pk]}
        assert "Initech" in client.get(list_url(fields["project"]), query).content.decode()
        task = fields["tasks"][1]
        with organization_scope(member.organization):
            task.custom_fields = {**task.custom_fields, "client": "Hooli"}
            task.save()

        html = client.get(list_url(fields["project"]), query).content.decode()

        assert "Hooli" in html
        assert "Initech" not in html

    def test_the_kept_header_follows_the_query_and_a_renamed_column(self, login, member, fields):
        """The header row is kept per address and query; its sorting links carry the query
        and a column is headed by the field's name as it is now."""
        client = login(member)
        amount = fields["amount"]

        def headers(query):
            page = parse(client.get(list_url(fields["project"]), query))
            return [(th.get_text(strip=True), th.a["href"]) for th in page.select("thead th")]

        first = headers({"fields": amount.pk})
        assert ("Amount", f"?fields={amount.pk}&sort=cf_{amount.pk}&page=1") in first
        assert headers({"fields": amount.pk, "status": "todo"})[-1] == (
            "Amount",
            f"?fields={amount.pk}&status=todo&sort=cf_{amount.pk}&page=1",
        )
        with organization_scope(member.organization):
            amount.name = "Deal size"
            amount.save()

        assert headers({"fields": amount.pk})[-1][0] == "Deal size"

    def test_query_count_is_constant_in_rows_and_columns(
        self, login, member, fields, django_assert_max_num_queries
    ):
        client = login(member)
        url = list_url(fields["project"])
        one = {"fields": [fields["amount"].pk]}
        client.get(url, one)  # warm the per-organization caches
        with django_assert_max_num_queries(30) as few:
            client.get(url, one)
        budget = len(few.captured_queries)  # before the next request resets the log
        with organization_scope(member.organization):
            for n in range(20):
                TaskFactory(
                    project=fields["project"],
                    organization=member.organization,
                    custom_fields={"amount": n, "client": f"c{n}", "stage": "Won"},
                )
        every = {
            "fields": [fields[name].pk for name in ("stage", "amount", "closes", "client")],
            "sort": f"-cf_{fields['amount'].pk}",
            f"cf_{fields['stage'].pk}": "Won",
        }
        client.get(url, every)
        with django_assert_max_num_queries(budget):
            response = client.get(url, every)
        assert len(numbers(response)) == 21

    def test_a_key_of_digits_is_read_as_a_key(self, login, member, fields):
        """A field named "2024" has the key "2024": read as a key, not as an array index."""
        with organization_scope(member.organization):
            year = CustomFieldFactory(
                project=fields["project"], name="2024", key="2024", field_type=FieldType.NUMBER
            )
            task = fields["tasks"][3]
            task.custom_fields = {"2024": 7}
            task.save()
        query = {"fields": [year.pk], "sort": f"-cf_{year.pk}", f"cf_{year.pk}_min": "5"}

        response = login(member).get(list_url(fields["project"]), query)

        assert numbers(response) == [task.number]
        assert CELLS.findall(response.content.decode()) == ["7"]


class TestFilters:
    def test_choice_equality(self, login, member, fields):
        query = {f"cf_{fields['stage'].pk}": "Won"}

        response = login(member).get(list_url(fields["project"]), query)

        assert numbers(response) == [fields["tasks"][0].number]

    def test_text_equality_ignores_case(self, login, member, fields):
        query = {f"cf_{fields['client'].pk}": "GLOBEX"}

        response = login(member).get(list_url(fields["project"]), query)

        assert sorted(numbers(response)) == sorted(t.number for t in fields["tasks"][:3:2])

    def test_number_range(self, login, member, fields):
        pk = fields["amount"].pk
        query = {f"cf_{pk}_min": "10", f"cf_{pk}_max": "1000"}

        response = login(member).get(list_url(fields["project"]), query)

        assert numbers(response) == [fields["tasks"][1].number]

    def test_date_range(self, login, member, fields):
        pk = fields["closes"].pk
        query = {f"cf_{pk}_min": "2031-01-01"}

        response = login(member).get(list_url(fields["project"]), query)

        assert numbers(response) == [fields["tasks"][0].number]

    @pytest.mark.parametrize(
        ("name", "value", "message"),
        [
            ("amount", "lots", "Amount: Enter a number."),
            ("closes", "31/31/2031", "Closes: Enter a valid date."),
            ("stage", "Maybe", "Stage: choose one of its options."),
        ],
    )
    def test_bad_values_say_so_and_keep_what_was_typed(
        self, login, member, fields, name, value, message
    ):
        field = fields[name]
        key = f"cf_{field.pk}_min" if field.field_type != FieldType.CHOICE else f"cf_{field.pk}"

        response = login(member).get(list_url(fields["project"]), {key: value})

        html = response.content.decode()
        assert response.status_code == 200
        assert message in html
        if field.field_type != FieldType.CHOICE:
            assert f'value="{value}"' in html
        assert len(numbers(response)) == 4  # the bad filter is ignored, not an empty list

    def test_filters_are_offered_on_the_project_list_only(self, login, member, fields):
        client = login(member)
        project_html = client.get(list_url(fields["project"])).content.decode()
        all_html = client.get(reverse("web:task-list", kwargs={"org_slug": "acme"})).content
        assert f'name="cf_{fields["amount"].pk}_min"' in project_html
        assert b'data-testid="field-filters"' not in all_html
        assert b'data-testid="column-menu"' not in all_html


class TestSort:
    @pytest.mark.parametrize(
        ("name", "order"),
        [
            ("amount", [2, 1, 0, 3]),  # 9, 300, 12500.5, empty last
            ("closes", [1, 0, 2, 3]),
            ("stage", [1, 0, 2, 3]),  # the options' order: Lead, Won, Lost
            ("client", [0, 2, 1, 3]),  # Globex, globex (by number), Initech
        ],
    )
    def test_sorts_by_a_field_and_shows_it(self, login, member, fields, name, order):
        field = fields[name]

        response = login(member).get(list_url(fields["project"]), {"sort": f"cf_{field.pk}"})

        tasks = fields["tasks"]
        assert numbers(response) == [tasks[n].number for n in order]
        assert f'class="h-cf_{field.pk}"' in response.content.decode()

    def test_descending_keeps_empty_values_last(self, login, member, fields):
        field = fields["amount"]

        response = login(member).get(list_url(fields["project"]), {"sort": f"-cf_{field.pk}"})

        tasks = fields["tasks"]
        assert numbers(response) == [tasks[n].number for n in (0, 1, 2, 3)]

    def test_a_page_sorted_by_a_field_reads_its_keys_first(self, login, member, fields):
        """No index holds a field's order: the page's keys are sorted on the task table alone,
        then the page's own rows are read (their names come from the directory: no join)."""
        field = fields["amount"]
        query = {"sort": f"cf_{field.pk}"}
        client = login(member)

        with CaptureQueriesContext(connection) as queries:
            response = client.get(list_url(fields["project"]), query)

        tasks = fields["tasks"]
        assert numbers(response) == [tasks[n].number for n in (2, 1, 0, 3)]
        page = next(q["sql"] for q in queries if "'amount'" in q["sql"] and "LIMIT" in q["sql"])
        assert '"number" IN (SELECT' in page
        assert "JOIN" not in page


class TestHistory:
    @pytest.fixture
    def edited(self, fields, member):
        """Task 2's amount, date and client changed, its stage cleared, by the member."""
        from workspace.services.tasks import task_update

        task = fields["tasks"][1]
        with organization_scope(member.organization):
            task_update(
                task=task,
                actor=member,
                data={
                    "custom_fields": {
                        "amount": "12500.5",
                        "closes": "2030-02-01",
                        "client": "Initech",
                        "stage": "",
                    }
                },
            )
            fields["amount"].name = "Deal size"  # renamed since: history says the new name
            fields["amount"].save()
        return task

    def test_task_history_names_fields_and_formats_values(self, login, member, edited):
        html = login(member).get(edited.get_absolute_url()).content.decode()

        history = html[html.index('id="task-history"') :]
        text = re.sub(r"<[^>]+>", "", history)
        assert "Deal size: 300 → 12,500.5" in text
        assert "Closes: Jan 15, 2030 → Feb 1, 2030" in text
        assert "Stage: Lead → —" in text
        assert "Client" not in text  # unchanged
        assert "custom fields" not in text
        assert "{" not in text
        assert "amount" not in text

    def test_activity_names_fields_and_wraps_long_values(self, login, admin, edited):
        url = reverse("web:activity", kwargs={"org_slug": "acme"})

        html = login(admin).get(url).content.decode()

        assert '<span class="change">Deal size: 300 → 12,500.5</span>' in html
        assert '<span class="change">Closes: Jan 15, 2030 → Feb 1, 2030</span>' in html
        assert "&quot;amount&quot;" not in html
        assert '"amount"' not in html
        assert 'whitespace-nowrap">custom' not in html

    def test_the_task_page_formats_its_values(self, login, member, fields):
        html = login(member).get(fields["tasks"][0].get_absolute_url()).content.decode()

        assert "12,500.5" in html
        assert "Mar 1, 2031" in html
        assert "2031-03-01<" not in html


class TestFieldEdit:
    def edit_url(self, field):
        return reverse(
            "web:project-field-edit",
            kwargs={"org_slug": "acme", "project_slug": field.project.slug, "pk": field.pk},
        )

    def post(self, client, field, **extra):
        data = {
            "name": "Stage",
            "option_0": "Lead",
            "option_1": "Closed won",
            "option_2": "Lost",
            "remove_2": "on",
            "new_options": "Open",
            **extra,
        }
        return client.post(self.edit_url(field), data)

    def test_says_what_happens_to_tasks_before_saving(self, login, admin, fields):
        stage = fields["stage"]
        client = login(admin)

        response = self.post(client, stage)

        html = response.content.decode()
        assert response.status_code == 200
        assert "1 task with “Won” will show “Closed won”." in html
        assert "1 task with “Lost” will have no Stage." in html
        assert 'value="Closed won"' in html  # what was typed stays
        stage.refresh_from_db()
        assert stage.options == ["Lead", "Won", "Lost"]  # nothing saved yet

        confirm = re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)
        saved = self.post(client, stage, confirm=confirm)

        assert saved.status_code == 302
        stage.refresh_from_db()
        assert stage.options == ["Lead", "Closed won", "Open"]
        with organization_scope(admin.organization):
            values = [t.custom_fields.get("stage") for t in fields["tasks"]]
            for task in fields["tasks"]:
                task.refresh_from_db()
            values = [t.custom_fields.get("stage") for t in fields["tasks"]]
        assert values == ["Closed won", "Lead", None, None]

    def test_a_confirmation_for_other_changes_asks_again(self, login, admin, fields):
        stage = fields["stage"]
        client = login(admin)
        html = self.post(client, stage).content.decode()
        confirm = re.search(r'name="confirm" value="([0-9a-f]+)"', html).group(1)

        response = self.post(client, stage, option_1="Signed", confirm=confirm)

        assert response.status_code == 200
        assert "will show “Signed”" in response.content.decode()
        stage.refresh_from_db()
        assert stage.options == ["Lead", "Won", "Lost"]

    def test_a_rename_nobody_holds_saves_at_once(self, login, admin, fields):
        response = login(admin).post(
            self.edit_url(fields["amount"]), {"name": "Deal size", "required": "on"}
        )

        assert response.status_code == 302
        fields["amount"].refresh_from_db()
        assert (fields["amount"].name, fields["amount"].required) == ("Deal size", True)

    def test_duplicate_options_are_refused_with_what_was_typed(self, login, admin, fields):
        response = self.post(login(admin), fields["stage"], new_options="lead")

        html = response.content.decode()
        assert response.status_code == 422
        assert "“lead” is listed twice: options must differ." in html
        assert "Closed won" in html

    def test_an_empty_option_needs_a_text_or_remove(self, login, admin, fields):
        response = self.post(login(admin), fields["stage"], option_0=" ")

        assert response.status_code == 422
        assert "Give the option a text, or tick Remove." in response.content.decode()

    def test_the_fields_page_links_each_field_to_its_editor(self, login, admin, fields):
        url = reverse("web:project-fields", kwargs={"org_slug": "acme", "project_slug": "sales"})

        html = login(admin).get(url).content.decode()

        assert f'href="{self.edit_url(fields["stage"])}"' in html

    def test_another_projects_field_is_not_found(self, login, admin, fields):
        with organization_scope(admin.organization):
            other = ProjectFactory(organization=admin.organization, slug="other")
        url = reverse(
            "web:project-field-edit",
            kwargs={"org_slug": "acme", "project_slug": other.slug, "pk": fields["stage"].pk},
        )

        assert login(admin).get(url).status_code == 404
