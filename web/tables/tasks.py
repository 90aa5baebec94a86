import django_tables2 as tables
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf, Upper

from web import fragments
from web.fragments import render_each
from web.paginators import CappedCountPaginator, GroupOrder, KeysFirstQuerysetData
from workspace import selectors
from workspace.custom_fields import FieldValue, sort_key
from workspace.models import ROW_NAMES, ROW_VALUES, CustomField, Task, TaskStatus
from workspace.models.tasks import row_label_ids

TABLE_TEMPLATE = "django_tables2/task_table.html"
ROW_TEMPLATE = "components/task.html#task-row"
CARD_TEMPLATE = "components/task.html#task-card"
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


def row_shows(row: dict) -> tuple:
    """Everything a task row displays (its ``ROW_VALUES`` and ``ROW_NAMES``, see
    ``task-row``), for its cache key."""
    return (*(row[name] for name in ROW_VALUES), *(row[name] for name in ROW_NAMES))


def custom_column(field: CustomField) -> str:
    """The name of a custom field's column, its value in a row and its ``sort`` key."""
    return f"cf_{field.pk}"


class CustomFieldColumn(tables.Column):
    """A project's custom field as a list column (``?fields=<id>``). It sorts by the field's
    ``sort_key`` on the project's own tasks (the list is narrowed to the project first), empty
    values last, ties by task number. No index holds the order: a page is fetched keys first
    (see ``KeysFirstQuerysetData``)."""

    computed_order = True

    def __init__(self, field: CustomField):
        self.field = field
        super().__init__(verbose_name=field.name, empty_values=())

    def order(self, queryset, is_descending):
        key = sort_key(self.field)
        key = key.desc(nulls_last=True) if is_descending else key.asc(nulls_last=True)
        return queryset.order_by(key, "-number" if is_descending else "number"), True


def task_cards(rows: list[dict], *, tasks_url: str):
    """The ``task-card`` partial of each row (``ROW_VALUES``), from the cache where a card
    showing exactly these values was drawn before."""
    return render_each(
        CARD_TEMPLATE,
        rows,
        name="task",
        shows=row_shows,
        build=Task.from_row,
        context={"tasks_url": tasks_url},
    )


class TaskTable(tables.Table):
    """The task list. django-tables2 owns the columns, their sorting and the pagination; each row
    is the ``task-row`` partial (templates/components/task.html), drawn by
    templates/django_tables2/task_table.html.

    Every column sorts, each through an index that keeps a page cheap at 100k tasks: number,
    priority, due date and creation time read their (organization, column, number) indexes in
    order; title reads one on UPPER(title); status, project and assignee walk their groups in
    display order (``GroupOrder``). Every ordering ends with the unique task number, so pages
    never overlap."""

    number = tables.Column(verbose_name="#", order_by=("number",))
    title = tables.Column()
    project = tables.Column()
    status = tables.Column()
    priority = tables.Column(order_by=("priority", "number"))
    assignee = tables.Column()
    due_date = tables.Column(verbose_name="Due")
    created_at = tables.Column(verbose_name="Created", order_by=("created_at", "number"))

    class Meta:
        model = Task
        template_name = TABLE_TEMPLATE
        fields = (
            "number",
            "title",
            "project",
            "status",
            "priority",
            "assignee",
            "due_date",
            "created_at",
        )
        order_by = ("-number",)
        empty_text = "No tasks match these filters."

    def __init__(
        self,
        data,
        *args,
        tasks_url: str,
        organization,
        project_order=None,
        member_order=None,
        custom_columns=(),
        **kwargs,
    ):
        """``tasks_url``: the organization's task list address (a row links to it plus the
        task's number). ``organization``: the rows' names come from its directory
        (``selectors.name_rows``), and counts are kept under its task revision.
        ``project_order`` / ``member_order``: callables returning the organization's project
        and membership ids in display (name) order, read only when sorting by them.
        ``custom_columns``: the project's custom fields shown as extra columns, read with the
        rows (``custom_fields -> key``, in the same query)."""
        self.tasks_url = tasks_url
        self.custom_columns = list(custom_columns)
        expressions = row_label_ids()
        for field in self.custom_columns:
            expressions[custom_column(field)] = FieldValue(field.key)
        kwargs["extra_columns"] = [
            *kwargs.get("extra_columns", ()),
            *((custom_column(field), CustomFieldColumn(field)) for field in self.custom_columns),
        ]
        self.organization = organization
        self.group_order: GroupOrder | None = None
        self._project_order = project_order
        self._member_order = member_order
        if isinstance(data, QuerySet):
            data = KeysFirstQuerysetData(
                data, key="number", values=ROW_VALUES, expressions=expressions
            )
        super().__init__(data, *args, **kwargs)

    def rows_html(self):
        """The page's rows: the ``task-row`` partial per task, from the cache where a row showing
        exactly these values was drawn before (rows look the same to every member). A custom
        field's column shows its value, formatted for its type: both are in the key."""
        columns = [(custom_column(field), field.field_type) for field in self.custom_columns]
        if not columns:
            shows, build = row_shows, Task.from_row
        else:

            def cells(row):
                return tuple((row[name], kind) for name, kind in columns)

            def shows(row):
                return (*row_shows(row), cells(row))

            def build(row):
                task = Task.from_row(row)
                task.custom_cells = cells(row)
                return task

        records = selectors.name_rows(
            [row.record for row in self.page.object_list], organization=self.organization
        )
        return render_each(
            ROW_TEMPLATE,
            records,
            name="task",
            shows=shows,
            build=build,
            context={"tasks_url": self.tasks_url, "in_project": "project" in self.exclude},
        )

    def header_version(self) -> str:
        """For the header row kept with ``{% cache %}`` (templates/django_tables2/
        task_table.html): what it shows comes from the page's address and query (its sorting
        links, the sort, the custom columns chosen) and from the columns' headings."""
        request = self.request
        headings = [(name, str(column.verbose_name)) for name, column in self.base_columns.items()]
        return fragments.version(
            TABLE_TEMPLATE,
            request.path,
            sorted(request.GET.lists()),
            headings,
            [(field.pk, field.name) for field in self.custom_columns],
            tuple(self.exclude or ()),
        )

    def paginate(self, *args, per_page=None, **kwargs):
        """Page size comes from the query string: only the offered sizes are honoured."""
        per_page = per_page if per_page in PAGE_SIZES else DEFAULT_PAGE_SIZE
        kwargs.setdefault("paginator_class", CappedCountPaginator)
        kwargs.setdefault("organization_id", self.organization.pk)
        return super().paginate(*args, per_page=per_page, **kwargs)

    def order_title(self, queryset, is_descending):
        title = Upper("title").desc() if is_descending else Upper("title").asc()
        return queryset.order_by(title, "-number" if is_descending else "number"), True

    def order_due_date(self, queryset, is_descending):
        due = (
            F("due_date").desc(nulls_last=True)
            if is_descending
            else F("due_date").asc(nulls_last=True)
        )
        return queryset.order_by(due, "-number" if is_descending else "number"), True

    def _grouped(self, queryset, column: str, keys, is_descending: bool):
        self.group_order = GroupOrder(column=column, keys=tuple(keys), descending=is_descending)
        return queryset.order_by("-number"), True

    def order_status(self, queryset, is_descending):
        return self._grouped(queryset, "status", TaskStatus.values, is_descending)

    def order_project(self, queryset, is_descending):
        keys = self._project_order() if self._project_order else ()
        return self._grouped(queryset, "project", keys, is_descending)

    def order_assignee(self, queryset, is_descending):
        keys = [*(self._member_order() if self._member_order else ()), None]
        return self._grouped(queryset, "assignee", keys, is_descending)


def _status_rank():
    return Case(
        *(When(status=value, then=Value(rank)) for rank, value in enumerate(TaskStatus.values)),
        output_field=IntegerField(),
    )


def _assignee_name():
    return Upper(Coalesce(NullIf("assignee__user__name", Value("")), "assignee__user__email"))


EXPORT_ORDERS = {
    "number": (),
    "title": (lambda: Upper("title"),),
    "project": (lambda: Upper("project__name"),),
    "status": (_status_rank,),
    "priority": (lambda: F("priority"),),
    "assignee": (_assignee_name,),
    "due_date": (lambda: F("due_date"),),
    "created_at": (lambda: F("created_at"),),
}


def export_order(queryset: QuerySet, sort: str | None, *, fields=()) -> QuerySet:
    """``queryset`` in the order the list shows for its ``sort`` parameter (the table's column
    names, ``-`` for descending), as one ORDER BY for an export that reads every row (the list
    itself walks grouped sorts a page at a time: ``GroupOrder``). ``fields``: the custom fields
    the list can sort by (a project's, as ``cf_<id>``: empty values last, as the column sorts).
    Ties go by task number."""
    sort = sort or "-number"
    descending, name = sort.startswith("-"), sort.removeprefix("-")
    by_field = {custom_column(field): field for field in fields}
    if name in by_field:
        makers = (lambda: sort_key(by_field[name]),)
    elif name in EXPORT_ORDERS:
        makers = EXPORT_ORDERS[name]
    else:
        descending, makers = True, EXPORT_ORDERS["number"]
    keys = [
        make().desc(nulls_last=True) if descending else make().asc(nulls_last=True)
        for make in makers
    ]
    return queryset.order_by(*keys, "-number" if descending else "number")
