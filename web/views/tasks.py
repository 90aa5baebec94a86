import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import get_template
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_htmx.http import trigger_client_event
from django_tables2 import SingleTableMixin

from web.bulk_jobs import running_jobs
from web.filters import FilterFormMixin, TaskFilter
from web.forms.comments import CommentForm
from web.forms.labels import RecurrenceForm
from web.forms.tasks import INLINE_FIELDS, InlineTaskForm, TaskForm, parse_version
from web.htmx import wants_fragment
from web.mixins import OrganizationMixin
from web.params import safe_next
from web.ratelimit import WriteLimitMixin
from web.tables.tasks import DEFAULT_PAGE_SIZE, PAGE_SIZES, TaskTable, custom_column
from web.templatetags.tandem import UNDO_PREFIX
from web.views.task_export import FORMATS as EXPORT_FORMATS
from web.views.task_export import TaskExportMixin
from workspace import broker, permissions, selectors
from workspace.models import CustomField, Priority, Project, Task, TaskLayout, TaskStatus
from workspace.models.tasks import chips_of, row_expressions
from workspace.services import board
from workspace.services import tasks as services
from workspace.services.inbox import inbox_mark_task_read

TASK_CHANGED = "task-changed"
PARTS = "components/task.html"  # the task-row, task-card, cell and editor partials


class TaskObjectMixin(OrganizationMixin, WriteLimitMixin):
    """Looks the task up by its number inside the current organization. Its POSTs (task and
    comment writes) count against the plan's hourly write limit (after the role check)."""

    def tasks_url(self) -> str:
        """The prefix of every task's address: rows add the number (checked in tests)."""
        return reverse("web:task-list", kwargs={"org_slug": self.organization.slug})

    def get_task(self) -> Task:
        if not hasattr(self, "_task"):
            self._task = get_object_or_404(
                selectors.task_list(organization=self.organization)
                .select_related("created_by", "recurrence")
                .annotate(
                    viewer_unread=selectors.viewer_unread(membership=self.membership),
                    **row_expressions(),  # its labels, in the same query
                ),
                number=self.kwargs["number"],
            )
            self._task.organization = self.organization  # the same row: no second query
            self._task.chips = chips_of(self._task.label_chips)
        return self._task

    def members(self):
        if not hasattr(self, "_members"):
            self._members = selectors.assignable_members(organization=self.organization)
        return self._members


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class TaskListView(FilterFormMixin, TaskExportMixin, TaskObjectMixin, SingleTableMixin, FilterView):
    """The task list: filters in the query string, the table swapped in place by htmx."""

    template_name = "web/task_list.html"
    table_class = TaskTable
    filterset_class = TaskFilter
    strict = False  # an invalid filter is shown with its error and ignored, not an empty list
    preset: str | None = None  # "mine" or "overdue"
    title = "Tasks"

    def get_base_queryset(self):
        tasks = selectors.task_rows(organization=self.organization)
        if self.preset == "mine":
            return tasks.open().filter(assignee=self.membership)
        if self.preset == "overdue":
            return tasks.overdue()
        return tasks

    def get_queryset(self):
        return self.get_base_queryset()

    def member_names(self) -> list[tuple[int, str]]:
        """The members as the filter and the assignee sort need them: ids and names only."""
        if not hasattr(self, "_member_names"):
            self._member_names = selectors.member_names(organization=self.organization)
        return self._member_names

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs.update(
            request=self.request,
            members=self.member_names(),
            project_names=selectors.project_names(organization=self.organization),
            labels=selectors.label_choices(organization=self.organization),
        )
        return kwargs

    def get_table_kwargs(self):
        return {
            "tasks_url": self.tasks_url(),
            "organization": self.organization,
            "project_order": lambda: selectors.project_ids_by_name(organization=self.organization),
            "member_order": lambda: [pk for pk, _ in self.member_names()],
        }

    def get_table_pagination(self, table):
        return {"per_page": None}

    def get_template_names(self):
        if wants_fragment(self.request):
            # The table partial lives in the base list template (project pages extend it).
            return [f"{TaskListView.template_name}#task-table"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        kwargs.setdefault("title", self.title)
        kwargs.setdefault("preset", self.preset)
        kwargs.setdefault("page_sizes", PAGE_SIZES)
        kwargs.setdefault("default_page_size", DEFAULT_PAGE_SIZE)
        kwargs.setdefault("list_url", self.request.path)
        kwargs.setdefault("tasks_url", self.tasks_url())
        # The bulk bar's choices load when it first shows (web.views.bulk.BulkChoicesView).
        kwargs.setdefault("bulk_jobs", running_jobs(self.request, self.organization))
        return super().get_context_data(**kwargs)


class ProjectTaskListView(TaskListView):
    """``/o/<org>/p/<project>/``: one project's tasks, with the project's header."""

    template_name = "web/project_detail.html"

    def get(self, request, *args, **kwargs):
        """The project opens as the member last looked at it: ``?view=list`` (the List/Board
        switch) chooses the list, and a member who chose the board is sent there."""
        if not wants_fragment(request) and request.GET.get("export") not in EXPORT_FORMATS:
            project = self.get_project()
            if request.GET.get("view") == TaskLayout.LIST:
                board.project_layout_remember(
                    project=project, actor=self.membership, layout=TaskLayout.LIST
                )
            elif project.member_layout == TaskLayout.BOARD:
                url = reverse(
                    "web:project-board",
                    kwargs={"org_slug": self.organization.slug, "project_slug": project.slug},
                )
                query = request.GET.urlencode()
                return redirect(f"{url}?{query}" if query else url)
        return super().get(request, *args, **kwargs)

    def get_project(self) -> Project:
        """The project with its lead, the member's layout and its custom fields (one query)."""
        if not hasattr(self, "_project"):
            self._project = selectors.project_for_list(
                organization=self.organization,
                slug=self.kwargs["project_slug"],
                membership=self.membership,
            )
            if self._project is None:
                raise Http404("No such project.")
        return self._project

    def get_base_queryset(self):
        return super().get_base_queryset().filter(project=self.get_project())

    def export_project(self):
        return self.get_project()

    def export_sort_fields(self) -> list[CustomField]:
        return self.field_definitions()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["projects"] = Project.objects.filter(pk=self.get_project().pk)
        kwargs["custom_fields"] = self.field_definitions()
        return kwargs

    def field_definitions(self) -> list[CustomField]:
        """The project's custom fields (read with it): filters, columns and sort keys."""
        return self.get_project().definitions

    def shown_fields(self) -> list[CustomField]:
        """The custom fields shown as columns: ``?fields=<id>`` (repeatable, in the project's
        order), and the one the list is sorted by. Ids of other projects' fields (or of
        another organization's) are ignored."""
        chosen = set(self.request.GET.getlist("fields"))
        sort = self.request.GET.get("sort", "").removeprefix("-")
        return [
            field
            for field in self.field_definitions()
            if str(field.pk) in chosen or sort == custom_column(field)
        ]

    def get_table_kwargs(self):
        # Every row is in this project: no project column.
        return {
            **super().get_table_kwargs(),
            "custom_columns": self.shown_fields(),
            "exclude": ("project",),
        }

    def get_context_data(self, **kwargs):
        project = self.get_project()
        shown = {field.pk for field in self.shown_fields()}
        kwargs.setdefault(
            "column_choices", [(field, field.pk in shown) for field in self.field_definitions()]
        )
        kwargs.setdefault("project", project)
        kwargs.setdefault("title", project.name)
        kwargs.setdefault("can_manage", permissions.can_manage_projects(self.membership))
        return super().get_context_data(**kwargs)


PROJECT_PK = re.compile(r"[0-9]{1,18}")
PROJECT_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


def requested_project(request, projects) -> Project | None:
    """The project named by ``?project=`` (or the posted form): an id or a slug among
    ``projects``. Anything else names no project."""
    key = request.GET.get("project") or request.POST.get("project") or ""
    if PROJECT_PK.fullmatch(key):
        return projects.filter(pk=int(key)).first()
    if PROJECT_SLUG.fullmatch(key):
        return projects.filter(slug=key).first()
    return None


def warn_about_due_date(request, task: Task) -> None:
    """A past due date is allowed; whoever set it is told."""
    warning = services.due_date_warning(task)
    if warning:
        messages.warning(request, warning)


class TaskFormMixin:
    """The full task form (new and edit pages). A write refused by the plan's limit shows the
    form again with what was typed and why, instead of an error page."""

    def write_limited(self, request, *args, **kwargs):
        form = self.get_form()
        form.is_valid()  # bound to what was typed: shown back with its values
        form.add_error(None, self.write_limit_message())
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        return self.with_retry_after(response)


class TaskCreateView(TaskFormMixin, TaskObjectMixin, FormView):
    template_name = "web/task_form.html"

    def get_project(self) -> Project | None:
        projects = Project.objects.filter(organization=self.organization).active()
        return requested_project(self.request, projects) or projects.order_by("name").first()

    def get_form(self, form_class=None):
        project = self.get_project()
        initial = {"project": project.pk if project else None}
        if self.request.method == "GET" and self.request.GET.get("assignee") == "me":
            initial["assignee"] = self.membership.pk
        return TaskForm(
            data=self.request.POST if self.request.method == "POST" else None,
            initial=initial,
            organization=self.organization,
            members=self.members(),
            project=project,
        )

    def get_template_names(self):
        if wants_fragment(self.request):
            if self.request.GET.get("quick"):  # the quick-create dialog (static/js/keyboard.js)
                return [f"{self.template_name}#quick-create"]
            return [f"{self.template_name}#custom-fields"]
        return [self.template_name]

    def form_valid(self, form):
        data = form.service_data()
        try:
            task = services.task_create(
                organization=self.organization, actor=self.membership, **data
            )
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        self.count_write()
        messages.success(self.request, f"Created {task.reference} {task.title}.")
        warn_about_due_date(self.request, task)
        return redirect(task.get_absolute_url())

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


@method_decorator(vary_on_headers("HX-Request", "HX-Target"), name="dispatch")
class TaskDetailView(TaskObjectMixin, TemplateView):
    template_name = "web/task_detail.html"

    def get(self, request, *args, **kwargs):
        task = self.get_task()
        if task.viewer_unread:  # opening the task reads its inbox item (before the count shows)
            inbox_mark_task_read(task=task, actor=self.membership)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        task = self.get_task()
        members = self.members()
        kwargs.setdefault("mention_names", {m.pk: m.user.display_name for m in members})
        kwargs.update(watchers_context(task, self.membership, members))
        kwargs.setdefault("task", task)
        kwargs.setdefault("tasks_url", self.tasks_url())
        kwargs.setdefault("comments", selectors.comment_list(task=task))
        kwargs.setdefault("comment_form", CommentForm())
        definitions = list(task.project.field_definitions.all())
        kwargs.setdefault("custom_values", custom_values_for_display(task, definitions))
        kwargs.setdefault("field_names", {d.key: d.name for d in definitions})
        kwargs.setdefault("can_delete", permissions.can_delete_task(self.membership, task))
        kwargs.setdefault("history", selectors.task_history(task=task))
        kwargs.setdefault(
            "viewers", viewer_names(self.organization, task.number, self.membership.pk)
        )
        kwargs.setdefault(
            "checklist", selectors.checklist(task=task) if task.checklist_total else []
        )
        kwargs.setdefault("checklist_members", members)
        series = task.recurrence if task.recurrence_id else None
        kwargs.setdefault("repeat_series", series if series and series.active else None)
        kwargs.setdefault("repeat_form", RecurrenceForm(initial=RecurrenceForm.initial_for(series)))
        return super().get_context_data(**kwargs)

    def get_template_names(self):
        # The history panel refreshes itself (after edits and comments) through htmx.
        if wants_fragment(self.request) and self.request.htmx.target == "task-history":
            return [f"{self.template_name}#task-history"]
        return [self.template_name]


def viewer_names(organization, number: int, own_membership_id: int) -> list[str]:
    """Who else has the task open (presence, kept by the live event streams)."""
    ids = broker.get().viewers(organization.pk, number) - {own_membership_id}
    if not ids:
        return []
    names = dict(selectors.member_names(organization=organization))
    return sorted(names[pk] for pk in ids if pk in names)


def watchers_context(task, membership, members) -> dict:
    watchers = selectors.task_watchers(task=task, members=members)
    return {"watchers": watchers, "watching": any(m.pk == membership.pk for m in watchers)}


def custom_values_for_display(task: Task, definitions) -> list[tuple[str, object, str]]:
    """``(name, stored value, type)`` of each of the project's fields (the page formats it)."""
    values = task.custom_fields or {}
    return [(d.name, values.get(d.key), d.field_type) for d in definitions]


FIELD_LABELS = {
    "title": "Title",
    "status": "Status",
    "priority": "Priority",
    "due_date": "Due date",
    "assignee": "Assignee",
    "labels": "Labels",
}
CONTEXTS = ("row", "card", "detail")
# A status change can turn the due date overdue (or not): its cell is redrawn too.
DEPENDENT_FIELDS = {"status": ("due_date",)}


class TaskFieldView(TaskObjectMixin, TemplateView):
    """One field of a task, edited where it is shown (``field`` in the URL; the assign route is
    the assignee). GET (htmx) returns the field's editor; POST saves it and answers with the
    field as saved, plus why, when the edit was refused. Without htmx, GET leads to the task's
    edit page and POST redirects back.

    The editor sends the version the task was read at. A missing or garbled version is refused
    (400); edits of other fields made since merge (the service decides), and fields changed by
    someone else since are redrawn with the answer, so the page shows the task at the version
    the answer carries (``X-Task-Version``)."""

    http_method_names = ["get", "post"]

    def get_task(self) -> Task:
        """The task with what its fields show (project, assignee): not the detail page's extras
        (its author, the viewer's unread mark), which only cost time on every edit."""
        if not hasattr(self, "_task"):
            self._task = get_object_or_404(
                selectors.task_list(organization=self.organization).annotate(**row_expressions()),
                number=self.kwargs["number"],
            )
            self._task.organization = self.organization
            self._task.chips = chips_of(self._task.label_chips)
        return self._task

    def get_field(self) -> str:
        field = self.kwargs.get("field", "assignee")
        if field not in INLINE_FIELDS:
            raise Http404("No such field.")
        return field

    def shown_in(self) -> str:
        context = self.request.POST.get("context") or self.request.GET.get("context")
        return context if context in CONTEXTS else "row"

    def edit_url(self, task: Task, field: str) -> str:
        return reverse(
            "web:task-inline",
            kwargs={"org_slug": self.organization.slug, "number": task.number, "field": field},
        )

    def form(self, task: Task, field: str, data=None) -> InlineTaskForm:
        return InlineTaskForm(
            data,
            initial=TaskForm.initial_for(task),
            field=field,
            organization=self.organization,
            members=self.members,
            auto_id=f"edit-{task.number}-%s",
        )

    def context_for(self, task: Task, field: str, **extra) -> dict:
        return {
            "task": task,
            "field": field,
            "label": FIELD_LABELS[field],
            "context": self.shown_in(),
            "tasks_url": self.tasks_url(),
            "edit_url": self.edit_url(task, field),
            **extra,
        }

    def fragment(self, partial: str, context: dict, status: int = 200) -> HttpResponse:
        """A partial of the task parts. They need nothing from the request (the CSRF token
        rides in the page's headers), so no context processor runs for them."""
        html = get_template(f"{PARTS}#{partial}").render(context)
        return HttpResponse(html, status=status)

    def get(self, request, *args, **kwargs):
        task, field = self.get_task(), self.get_field()
        if not wants_fragment(request):
            return redirect("web:task-edit", org_slug=self.organization.slug, number=task.number)
        form = self.form(task, field)
        return self.fragment(
            "editor", self.context_for(task, field, form=form, choices=form.menu())
        )

    def post(self, request, *args, **kwargs):
        task, field = self.get_task(), self.get_field()
        data = request.POST.copy()
        if field == "assignee" and data.get("assignee") == "me":
            data["assignee"] = str(self.membership.pk)
        try:
            version = parse_version(data.get("version"))
        except ValidationError as error:
            return self.answer(task, field, note=error.messages[0], status=400)
        form = self.form(task, field, data)
        if not form.is_valid():
            return self.answer(task, field, form=form, status=422, version=version)
        try:
            changes = services.task_update(
                task=task,
                actor=self.membership,
                data={field: form.cleaned_data[field]},
                expected_updated_at=version,
            )
            self.count_write()
        except services.StaleTaskError as stale:
            return self.answer(
                stale.task,
                field,
                conflict=self.conflict(stale, field, data),
                status=409,
                version=version,
            )
        except ValidationError as invalid:
            form.add_service_error(invalid)
            return self.answer(task, field, form=form, status=422, version=version)
        if "due_date" in changes:
            warn_about_due_date(request, task)
        return self.answer(task, field, version=version, changed=bool(changes))

    def write_limited(self, request, *args, **kwargs):
        if not wants_fragment(request):
            return super().write_limited(request, *args, **kwargs)
        task, field = self.get_task(), self.get_field()
        form = self.form(task, field, request.POST)
        form.is_valid()
        form.add_error(None, self.write_limit_message())
        response = self.answer(task, field, form=form, status=429, version=None)
        return self.with_retry_after(response)

    def conflict(self, stale: services.StaleTaskError, field: str, data) -> dict:
        theirs, mine = stale.conflicts[field]
        change = selectors.task_field_change(task=stale.task, field=field)
        return {
            "theirs": _shown(field, theirs),
            "mine": _shown(field, mine),
            "mine_value": data.get(field, ""),
            "by": change.actor.display_name if change and change.actor else None,
            "at": change.created_at if change else stale.task.updated_at,
        }

    def answer(
        self,
        task,
        field,
        *,
        status=200,
        form=None,
        note=None,
        conflict=None,
        version=None,
        changed=False,
    ):
        """The field as saved, with the reason for a refusal; cells someone else changed since
        ``version`` are redrawn out of band."""
        if not wants_fragment(self.request):
            message = note or (conflict and "Someone else changed this field meanwhile.")
            if form is not None and form.errors:
                message = " ".join(e for errors in form.errors.values() for e in errors)
            if message:
                messages.error(self.request, message)
            elif changed:
                label = FIELD_LABELS[field].lower()
                messages.success(self.request, f"{task.reference}: {label} updated.")
            return HttpResponseRedirect(safe_next(self.request, task.get_absolute_url()))
        if form is not None and form.errors:
            # What was typed stays in the editor (text and dates); a refused choice is only
            # explained next to the saved value.
            if field in ("title", "due_date"):
                extra = {"reopen": True, "form": form}
            else:
                extra = {"note": " ".join(e for errors in form.errors.values() for e in errors)}
        else:
            extra = {"note": note, "conflict": conflict}
        root = "#task-fields" if self.shown_in() == "detail" else f"#task-{task.number}"
        redraw = set(task.changed_since(version)) if version is not None else set()
        if changed or conflict:
            redraw.update(DEPENDENT_FIELDS.get(field, ()))
        stale = [
            (other, f"{root} .f-{other}") for other in INLINE_FIELDS if other in redraw - {field}
        ]
        context = self.context_for(task, field, stale=stale, **extra)
        response = self.fragment("field-response", context, status=status)
        response["X-Task-Version"] = task.version
        if changed:
            label = FIELD_LABELS[field]
            trigger_client_event(response, TASK_CHANGED, {"number": task.number})
            trigger_client_event(
                response, "announce", {"message": f"{label} of {task.reference} saved."}
            )
        return response


def _shown(field: str, value) -> str:
    """A field's value as people read it."""
    if value in (None, ""):
        return {"assignee": "Unassigned", "due_date": "no date"}.get(field, "—")
    if field == "status":
        return TaskStatus(value).label
    if field == "priority":
        return Priority(value).label
    if field == "assignee":
        return value.user.display_name
    if field == "due_date":
        return value.strftime("%b %-d, %Y")
    return str(value)


class TaskEditView(TaskFormMixin, TaskObjectMixin, FormView):
    """The whole task in one form (and the no-JavaScript way to change any field). The form
    remembers the values it was opened with, so saving sends only the fields the user changed:
    fields someone else changed meanwhile are kept, and a field both changed is a conflict,
    shown with both values and settled by the user ("Keep mine" saves theirs over, "Take
    theirs" saves everything else)."""

    template_name = "web/task_form.html"

    def get_form(self, form_class=None):
        task = self.get_task()
        # Choosing another project in the form swaps in that project's custom fields.
        chosen = requested_project(
            self.request, Project.objects.filter(organization=self.organization).active()
        )
        form = TaskForm(
            data=self.request.POST if self.request.method == "POST" else None,
            initial=TaskForm.initial_for(task),
            organization=self.organization,
            members=self.members(),
            project=chosen or task.project,
            remember_initial=True,
        )
        return form

    def get_context_data(self, **kwargs):
        kwargs.setdefault("task", self.get_task())
        return super().get_context_data(**kwargs)

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{self.template_name}#custom-fields"]
        return [self.template_name]

    def form_valid(self, form):
        task = self.get_task()
        data = form.changed_service_data()
        if self.request.POST.get("resolve") == "theirs":
            for field in self.request.POST.get("conflicts", "").split(","):
                data.pop(field, None)
        if form.cleaned_data["version"] is None:
            form.add_error(None, "This form is out of date: reload the page.")
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            services.task_update(
                task=task,
                actor=self.membership,
                data=data,
                expected_updated_at=form.cleaned_data["version"],
            )
        except services.StaleTaskError as stale:
            return self.conflict(form, stale)
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        self.count_write()
        messages.success(self.request, f"Saved {task.reference}.")
        warn_about_due_date(self.request, task)
        return redirect(task.get_absolute_url())

    def conflict(self, form, stale: services.StaleTaskError):
        """The form again as the user filled it, now at the current version, with each
        conflicting field's other value."""
        form.rebase(stale.task)
        conflicts = [
            {
                "field": field,
                "label": FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
                "theirs": _shown(field, theirs),
                "mine": _shown(field, mine),
            }
            for field, (theirs, mine) in stale.conflicts.items()
        ]
        context = self.get_context_data(form=form, conflicts=conflicts)
        return self.render_to_response(context, status=409)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class TaskDeleteView(TaskObjectMixin, TemplateView):
    template_name = "web/task_delete.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("task", self.get_task())
        return super().get_context_data(**kwargs)

    def get(self, request, *args, **kwargs):
        if not permissions.can_delete_task(self.membership, self.get_task()):
            raise PermissionDenied("Only admins and the task's creator can delete it.")
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        task = self.get_task()
        services.task_delete(task=task, actor=self.membership)
        self.count_write()
        undo = reverse(
            "web:task-restore", kwargs={"org_slug": self.organization.slug, "number": task.number}
        )
        messages.success(
            request, f"Deleted {task.reference} {task.title}.", extra_tags=f"{UNDO_PREFIX}{undo}"
        )
        return redirect(reverse("web:task-list", kwargs={"org_slug": self.organization.slug}))
