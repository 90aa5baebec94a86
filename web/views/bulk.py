"""Bulk edits from the task lists: the checked rows (by number) or every task matching the
list's filter (its query string), re-read inside the organization. Plain form posts: the list
comes back with a toast saying what changed and offering Undo (static/js/bulk.js only keeps the
selection and the bar)."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from web.bulk_jobs import SESSION_JOBS, remember_job
from web.filters import TaskFilter
from web.htmx import wants_fragment
from web.mixins import OrganizationMixin
from web.params import digits, safe_next
from web.ratelimit import WriteLimitMixin
from web.templatetags.tandem import UNDO_PREFIX
from workspace import selectors
from workspace.models import (
    BulkEdit,
    BulkField,
    Label,
    Membership,
    Priority,
    Project,
    Task,
    TaskStatus,
)
from workspace.services import bulk as services

NUMBERS_MAX = services.BULK_MAX
QUERY_MAX = 2000


def _counted(result: services.BulkResult, done: str) -> str:
    """ "Set the priority of 3 tasks to High. 1 skipped: already High." """
    text = done[:1].upper() + done[1:] + "."
    if result.skipped:
        reasons = "; ".join(f"{count} {why}" for why, count in sorted(result.skipped.items()))
        text += f" Skipped {result.skipped_count}: {reasons}."
    return text


class BulkEditView(OrganizationMixin, WriteLimitMixin, View):
    """``POST /o/<org>/tasks/bulk/``: ``op`` says what to do (``status:done``,
    ``priority:high``, ``assignee:<id>|me|none``, ``due_date`` (with ``due_date``),
    ``project:<id>``, ``labels_add:<id>``, ``labels_remove:<id>``, ``trash``); ``task`` the
    checked numbers, or ``all=1`` with ``query`` (the list's query string), ``preset`` (mine,
    overdue) and ``in_project`` (a project page's slug) for every task matching. One accepted
    bulk edit counts as one write."""

    http_method_names = ["post"]

    def list_url(self) -> str:
        return reverse("web:task-list", kwargs={"org_slug": self.organization.slug})

    def parse(self) -> tuple[str, object]:
        op = self.request.POST.get("op", "")
        name, _, raw = op.partition(":")
        pk = digits(raw)  # the member, project or label an op names
        if name == BulkField.STATUS and raw in TaskStatus.values:
            return name, raw
        if name == BulkField.PRIORITY and raw in dict(Priority.key_choices()):
            return name, Priority.by_key(raw).value
        if name == BulkField.ASSIGNEE:
            if raw == "none":
                return name, None
            if raw == "me":
                return name, self.membership
            member = (
                Membership.objects.filter(organization=self.organization, pk=pk)
                .select_related("user")
                .first()
                if pk is not None
                else None
            )
            if member is not None:
                return name, member
        if name == BulkField.DUE_DATE:
            typed = self.request.POST.get("due_date", "").strip()
            if raw == "none" or not typed:
                return name, None
            try:
                return name, date.fromisoformat(typed)
            except ValueError:
                raise ValidationError("Enter the due date as YYYY-MM-DD.") from None
        if name == BulkField.PROJECT and pk is not None:
            project = Project.objects.filter(organization=self.organization, pk=pk).first()
            if project is not None:
                return name, project
        if name in services.LABEL_FIELDS and pk is not None:
            label = Label.objects.filter(organization=self.organization, pk=pk).first()
            if label is not None:
                return name, label
        if name == BulkField.TRASH:
            return name, None
        raise ValidationError("Choose what to change.")

    def selection(self):
        """The tasks the request names, as a queryset of the organization's tasks."""
        post = self.request.POST
        tasks = Task.objects.filter(organization=self.organization)
        if post.get("all") == "1":
            preset = post.get("preset")
            if preset == "mine":
                tasks = tasks.open().filter(assignee=self.membership)
            elif preset == "overdue":
                tasks = tasks.overdue()
            slug = post.get("in_project")
            if slug:
                tasks = tasks.filter(project__slug=slug)
            query = QueryDict(post.get("query", "")[:QUERY_MAX])
            filterset = TaskFilter(
                query,
                queryset=tasks,
                request=self.request,
                members=selectors.member_names(organization=self.organization),
                project_names=[],
            )
            if not filterset.is_valid():
                raise ValidationError("The filter is not valid: check it and try again.")
            return filterset.qs
        numbers = [
            n for n in (digits(raw, max_digits=9) for raw in post.getlist("task")) if n is not None
        ]
        if not numbers:
            raise ValidationError("Select the tasks to change first.")
        return tasks.filter(number__in=numbers[:NUMBERS_MAX])

    def post(self, request, *args, **kwargs):
        back = safe_next(request, self.list_url())
        try:
            field, value = self.parse()
            result = services.task_bulk_edit(
                organization=self.organization,
                actor=self.membership,
                tasks=self.selection(),
                field_name=field,
                value=value,
            )
        except services.TooManyTasks:
            return self.queue(field, value, back)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        if result.bulk is None:
            messages.info(request, _counted(result, "nothing to change"))
            return redirect(back)
        self.count_write()
        undo = reverse(
            "web:task-bulk-undo", kwargs={"org_slug": self.organization.slug, "pk": result.bulk.pk}
        )
        undo += "?" + urlencode({"next": back})
        messages.success(
            request,
            _counted(result, services.summary(result.bulk)),
            extra_tags=f"{UNDO_PREFIX}{undo}",
        )
        return redirect(back)

    def queue(self, field, value, back):
        """More tasks than one transaction changes: a background job, whose progress the
        lists show (the member's running jobs are kept in the session)."""
        try:
            bulk = services.task_bulk_queue(
                organization=self.organization,
                actor=self.membership,
                tasks=self.selection(),
                field_name=field,
                value=value,
            )
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect(back)
        self.count_write()
        remember_job(self.request, bulk)
        messages.info(
            self.request,
            f"{bulk.total:,} tasks match: they are changed in the background "
            "(the list shows the progress).",
        )
        return redirect(back)


class BulkChoicesView(OrganizationMixin, TemplateView):
    """``GET /o/<org>/tasks/bulk/choices/``: the bulk bar's menus (statuses, priorities,
    members, projects, labels), fetched by static/js/bulk.js when the bar first shows, so that
    list pages do not carry them. ``in_project=1``: on a project's page (no "Move to project").
    The lists are the organization's cached choices: no query per member, project or label."""

    http_method_names = ["get"]
    template_name = "components/bulk_bar.html#bulk-choices"

    def get_context_data(self, **kwargs):
        kwargs.update(
            statuses=TaskStatus.choices,
            priorities=Priority.key_choices(),
            bulk_members=selectors.member_names(organization=self.organization),
            bulk_projects=selectors.project_names(organization=self.organization),
            bulk_labels=selectors.label_choices(organization=self.organization),
            in_project=self.request.GET.get("in_project") == "1",
        )
        return super().get_context_data(**kwargs)


class BulkProgressView(OrganizationMixin, TemplateView):
    """``GET /o/<org>/tasks/bulk/<pk>/``: a background bulk edit's progress, polled by the
    list while it runs; once it is done, what it changed (with Undo), shown once."""

    template_name = "web/bulk_progress.html"

    def get_context_data(self, **kwargs):
        bulk = get_object_or_404(
            BulkEdit.objects.filter(organization=self.organization, actor=self.membership),
            pk=self.kwargs["pk"],
        )
        if not bulk.is_running:
            jobs = self.request.session.get(SESSION_JOBS, [])
            remaining = [job for job in jobs if job[1] != bulk.pk]
            if remaining != jobs:
                self.request.session[SESSION_JOBS] = remaining
        kwargs.update(
            bulk=bulk,
            summary=services.summary(bulk),
            undo=reverse(
                "web:task-bulk-undo", kwargs={"org_slug": self.organization.slug, "pk": bulk.pk}
            ),
        )
        return super().get_context_data(**kwargs)

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{self.template_name}#bulk-progress"]
        return [self.template_name]


class BulkUndoView(OrganizationMixin, WriteLimitMixin, View):
    """``POST /o/<org>/tasks/bulk/<pk>/undo/``: the Undo of a bulk edit's toast."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        bulk = get_object_or_404(
            BulkEdit.objects.filter(organization=self.organization), pk=kwargs["pk"]
        )
        back = safe_next(
            request, reverse("web:task-list", kwargs={"org_slug": self.organization.slug})
        )
        try:
            result = services.task_bulk_undo(bulk=bulk, actor=self.membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        self.count_write()
        messages.success(request, _counted(result, f"undone: {services.summary(bulk)}"))
        return redirect(back)
