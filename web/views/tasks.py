import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.vary import vary_on_headers
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_htmx.http import trigger_client_event
from django_tables2 import SingleTableMixin

from web.filters import TaskFilter
from web.forms.comments import CommentForm
from web.forms.tasks import INLINE_FIELDS, InlineTaskForm, TaskForm
from web.htmx import wants_fragment
from web.inline import InlineControls
from web.mixins import OrganizationMixin
from web.ratelimit import WriteLimitMixin
from web.tables.tasks import DEFAULT_PAGE_SIZE, PAGE_SIZES, TaskTable
from web.templatetags.tandem import UNDO_PREFIX
from workspace import permissions, selectors
from workspace.models import Project, Task
from workspace.services import tasks as services
from workspace.services.inbox import inbox_mark_task_read

TASK_CHANGED = "task-changed"


class TaskObjectMixin(WriteLimitMixin, OrganizationMixin):
    """Looks the task up by its number inside the current organization. Its POSTs (task and
    comment writes) count against the plan's hourly write limit."""

    def get_task(self) -> Task:
        if not hasattr(self, "_task"):
            self._task = get_object_or_404(
                selectors.task_list(organization=self.organization)
                .select_related("created_by")
                .annotate(viewer_unread=selectors.viewer_unread(membership=self.membership)),
                number=self.kwargs["number"],
            )
            self._task.organization = self.organization  # the same row: no second query
        return self._task

    def members(self):
        if not hasattr(self, "_members"):
            self._members = selectors.assignable_members(organization=self.organization)
        return self._members


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class TaskListView(TaskObjectMixin, SingleTableMixin, FilterView):
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

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs.update(request=self.request, members=self.members())
        return kwargs

    def get_table_kwargs(self):
        return {
            "members": self.members(),
            "csrf_token": get_token(self.request),
            "org_slug": self.organization.slug,
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
        return super().get_context_data(**kwargs)


class ProjectTaskListView(TaskListView):
    """``/o/<org>/p/<project>/``: one project's tasks, with the project's header."""

    template_name = "web/project_detail.html"

    def get_project(self) -> Project:
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(
                Project.objects.filter(organization=self.organization).select_related("lead__user"),
                slug=self.kwargs["project_slug"],
            )
        return self._project

    def get_base_queryset(self):
        return super().get_base_queryset().filter(project=self.get_project())

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["projects"] = Project.objects.filter(pk=self.get_project().pk)
        return kwargs

    def get_context_data(self, **kwargs):
        project = self.get_project()
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


def _safe_next(request, fallback: str) -> str:
    """Where to go back to after a plain form post: a path on this site, else ``fallback``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


class TaskCreateView(TaskObjectMixin, FormView):
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
        messages.success(self.request, f"Created {task.reference} {task.title}.")
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
        kwargs.setdefault("comments", selectors.comment_list(task=task))
        kwargs.setdefault("comment_form", CommentForm())
        kwargs.setdefault("fields", self.inline_fields(task))
        kwargs.setdefault("custom_values", custom_values_for_display(task))
        kwargs.setdefault("can_delete", permissions.can_delete_task(self.membership, task))
        kwargs.setdefault("history", selectors.task_history(task=task))
        return super().get_context_data(**kwargs)

    def get_template_names(self):
        # The history panel refreshes itself (after edits and comments) through htmx.
        if wants_fragment(self.request) and self.request.htmx.target == "task-history":
            return [f"{self.template_name}#task-history"]
        return [self.template_name]

    def inline_fields(self, task, *, error_field=None, error=None, value=None) -> dict:
        controls = InlineControls(
            org_slug=self.organization.slug,
            csrf_token=get_token(self.request),
            members=self.members(),
            context="detail",
        )
        return {
            field: controls.field(
                task,
                field,
                value=value if field == error_field else None,
                error=error if field == error_field else None,
            )
            for field in INLINE_FIELDS
        }


def watchers_context(task, membership, members) -> dict:
    watchers = selectors.task_watchers(task=task, members=members)
    return {"watchers": watchers, "watching": any(m.pk == membership.pk for m in watchers)}


def custom_values_for_display(task: Task) -> list[tuple[str, object]]:
    definitions = list(task.project.field_definitions.all())
    values = task.custom_fields or {}
    return [(d.name, values.get(d.key)) for d in definitions]


class TaskInlineUpdateView(TaskDetailView):
    """One field (``field`` in the URL, or ``assignee`` via the assign route): POST saves it;
    an htmx GET returns its edit control (list rows open the assignee select on demand)."""

    http_method_names = ["get", "post"]

    def get_field(self) -> str:
        field = self.kwargs.get("field", "assignee")
        if field not in INLINE_FIELDS:
            raise Http404("No such field.")
        return field

    def get(self, request, *args, **kwargs):
        task, field = self.get_task(), self.get_field()
        if not wants_fragment(request):
            return redirect(task.get_absolute_url())
        context = "row" if request.GET.get("context") == "row" else "detail"
        controls = InlineControls(
            org_slug=self.organization.slug,
            csrf_token=get_token(request),
            members=self.members(),
            context=context,
        )
        return HttpResponse(controls.field(task, field))

    def post(self, request, *args, **kwargs):
        task = self.get_task()
        field = self.get_field()
        data = request.POST.copy()
        if field == "assignee" and data.get("assignee") == "me":
            data["assignee"] = str(self.membership.pk)
        form = InlineTaskForm(
            data, field=field, organization=self.organization, members=self.members
        )
        error, status, changes = None, 200, {}
        if form.is_valid():
            try:
                changes = services.task_update(
                    task=task,
                    actor=self.membership,
                    data={field: form.cleaned_data[field]},
                    expected_updated_at=form.cleaned_data["version"],
                )
            except services.StaleTaskError as stale:
                error, status = stale.messages[0], 409
            except ValidationError as invalid:
                error, status = " ".join(invalid.messages), 422
        else:
            error, status = " ".join(e for errors in form.errors.values() for e in errors), 422
        if changes:
            messages.success(request, f"{task.reference}: {FIELD_LABELS[field]} updated.")
        return self.respond(task, field, error=error, status=status, value=data.get(field))

    def respond(self, task, field, *, error, status, value):
        if not wants_fragment(self.request):
            if error:
                messages.error(self.request, error)
            return HttpResponseRedirect(_safe_next(self.request, task.get_absolute_url()))
        # A refused value is shown back as typed; after a conflict the current value is shown.
        shown = value if status == 422 else None
        if self.request.POST.get("context") == "row":
            table = TaskTable(
                [task],
                members=self.members,
                csrf_token=get_token(self.request),
                org_slug=self.organization.slug,
                field_error=(field, error, shown) if error else None,
            )
            response = HttpResponse(table.row_html(task), status=status)
        else:
            context = self.get_context_data(
                fields=self.inline_fields(task, error_field=field, error=error, value=shown)
            )
            response = TemplateResponse(
                self.request, f"{TaskDetailView.template_name}#task-fields", context, status=status
            )
        if error is None:
            trigger_client_event(response, TASK_CHANGED, {"number": task.number})
        return response


FIELD_LABELS = {
    "title": "title",
    "status": "status",
    "priority": "priority",
    "due_date": "due date",
    "assignee": "assignee",
}


class TaskEditView(TaskObjectMixin, FormView):
    template_name = "web/task_form.html"

    def get_form(self, form_class=None):
        task = self.get_task()
        # Choosing another project in the form swaps in that project's custom fields.
        chosen = requested_project(
            self.request, Project.objects.filter(organization=self.organization).active()
        )
        return TaskForm(
            data=self.request.POST if self.request.method == "POST" else None,
            initial=TaskForm.initial_for(task),
            organization=self.organization,
            members=self.members(),
            project=chosen or task.project,
        )

    def get_context_data(self, **kwargs):
        kwargs.setdefault("task", self.get_task())
        return super().get_context_data(**kwargs)

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{self.template_name}#custom-fields"]
        return [self.template_name]

    def form_valid(self, form):
        task = self.get_task()
        try:
            services.task_update(
                task=task,
                actor=self.membership,
                data=form.service_data(),
                expected_updated_at=form.cleaned_data["version"],
            )
        except services.StaleTaskError as stale:
            fresh = TaskForm(
                initial=TaskForm.initial_for(stale.task),
                organization=self.organization,
                members=self.members(),
                project=stale.task.project,
            )
            context = self.get_context_data(form=fresh, conflict=stale.messages[0])
            return self.render_to_response(context, status=409)
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {task.reference}.")
        return redirect(task.get_absolute_url())

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
        undo = reverse(
            "web:task-restore", kwargs={"org_slug": self.organization.slug, "number": task.number}
        )
        messages.success(
            request, f"Deleted {task.reference} {task.title}.", extra_tags=f"{UNDO_PREFIX}{undo}"
        )
        return redirect(reverse("web:task-list", kwargs={"org_slug": self.organization.slug}))
