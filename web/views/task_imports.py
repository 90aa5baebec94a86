"""``/o/<org>/import/``: admins import tasks from a file (upload, map, check, import)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django.views.generic import FormView, TemplateView

from web.forms.task_imports import NEW_PROJECT, TaskImportMappingForm, TaskImportUploadForm
from web.htmx import wants_fragment
from web.mixins import OrganizationAdminMixin
from workspace.models import CustomField, ImportStatus, Project, ProjectStatus, TaskImport
from workspace.services import task_imports as services
from workspace.task_import import presets
from workspace.task_import.rows import CUSTOM, Plan, distinct_values

RECENT = 10
PREVIEW_ROWS = 5
ERRORS_SHOWN = 50


class TaskImportView(OrganizationAdminMixin, FormView):
    """The upload form and the organization's recent imports."""

    template_name = "web/task_import.html"
    form_class = TaskImportUploadForm

    def get_context_data(self, **kwargs):
        kwargs.setdefault(
            "imports",
            TaskImport.objects.filter(organization=self.organization)
            .select_related("project", "requested_by")
            .defer("data")[:RECENT],
        )
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            task_import = services.task_import_upload(
                organization=self.organization,
                actor=self.membership,
                file_name=upload.name,
                data=upload.read(),
            )
        except ValidationError as refused:
            form.add_error(None, refused)
            return self.form_invalid(form)
        return redirect(
            "web:task-import-detail", org_slug=self.organization.slug, pk=task_import.pk
        )

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class TaskImportDetailView(OrganizationAdminMixin, TemplateView):
    """One import: its mapping and dry run while it waits, its progress while it runs, and what
    it did once done."""

    template_name = "web/task_import_detail.html"

    def get_import(self) -> TaskImport:
        if not hasattr(self, "_import"):
            self._import = get_object_or_404(
                TaskImport.objects.filter(organization=self.organization).select_related("project"),
                pk=self.kwargs["pk"],
            )
        return self._import

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{self.template_name}#import-status"]
        return [self.template_name]

    def projects(self) -> list[tuple[int, str]]:
        return list(
            Project.objects.filter(organization=self.organization, status=ProjectStatus.ACTIVE)
            .order_by("name")
            .values_list("pk", "name")
        )

    def custom_field_options(self) -> list[tuple[str, str]]:
        """Every active project's custom fields (a column maps to one of the target's)."""
        return [
            (f"{CUSTOM}{pk}", f"Field “{name}” of {project}")
            for pk, name, project in CustomField.objects.filter(
                organization=self.organization, project__status=ProjectStatus.ACTIVE
            )
            .order_by("project__name", "position", "pk")
            .values_list("pk", "name", "project__name")
        ]

    def mapping_form(self, table, plan: Plan, data=None) -> TaskImportMappingForm:
        task_import = self.get_import()
        choices = services.choices_of(task_import)
        projects = self.projects()
        initial = {
            "project": str(choices.project_id) if choices.project_id else (
                NEW_PROJECT if choices.new_project or not projects else str(projects[0][0])
            ),
            "new_project": choices.new_project or task_import.file_name.rsplit(".", 1)[0][:80],
            "skip_existing": choices.skip_existing,
            "valid_only": "1" if choices.valid_only else "",
            "day_first": plan.day_first,
            **{f"column_{i}": field for i, field in enumerate(plan.mapping)},
        }  # fmt: skip
        # Columns named as one of the chosen project's fields go to that field.
        by_name = {
            name.casefold(): f"{CUSTOM}{pk}"
            for pk, name in CustomField.objects.filter(
                organization=self.organization, project_id=choices.project_id
            ).values_list("pk", "name")
        } if choices.project_id else {}  # fmt: skip
        for i, header in enumerate(table.headers):
            if not initial.get(f"column_{i}") and header.casefold() in by_name:
                initial[f"column_{i}"] = by_name[header.casefold()]
        statuses = distinct_values(table, plan, "status")
        priorities = distinct_values(table, plan, "priority")
        form = TaskImportMappingForm(
            data,
            initial=initial,
            headers=table.headers,
            samples=[
                [row[i] for row in table.rows if row[i].strip()][:3]
                for i in range(len(table.headers))
            ],
            projects=projects,
            status_values=statuses,
            priority_values=priorities,
            custom_fields=self.custom_field_options(),
        )
        for bound, value in zip(form.statuses, statuses, strict=True):
            if value in plan.statuses:
                form.fields[bound.name].initial = plan.statuses[value]
        for bound, value in zip(form.priorities, priorities, strict=True):
            if value in plan.priorities:
                form.fields[bound.name].initial = str(plan.priorities[value])
        form.status_values, form.priority_values = statuses, priorities
        return form

    def get_context_data(self, **kwargs):
        task_import = self.get_import()
        kwargs.setdefault("task_import", task_import)
        kwargs.setdefault("percent", services.progress_of(task_import))
        if task_import.status == ImportStatus.MAPPING and "form" not in kwargs:
            table = services.table_of(task_import)
            kwargs["table"] = table
            kwargs["form"] = self.mapping_form(table, services.plan_of(task_import))
        if "table" in kwargs:
            kwargs.setdefault("preview", kwargs["table"].rows[:PREVIEW_ROWS])
        kwargs.setdefault("preset", presets.PRESETS.get(task_import.preset))
        kwargs.setdefault("errors_shown", ERRORS_SHOWN)
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        task_import = self.get_import()
        if task_import.status != ImportStatus.MAPPING:
            messages.info(request, "This import has started already.")
            return redirect(request.path)
        table = services.table_of(task_import)
        form = self.mapping_form(table, services.plan_of(task_import), request.POST)
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(form=form, table=table), status=422
            )
        data = form.cleaned_data
        plan = Plan(
            mapping=form.mapping(),
            statuses=form.chosen("status", form.status_values),
            priorities={
                k: int(v) for k, v in form.chosen("priority", form.priority_values).items()
            },
            day_first=data["day_first"],
        )
        choices = services.Choices(
            project_id=None if data["project"] == NEW_PROJECT else int(data["project"]),
            new_project=data["new_project"].strip() if data["project"] == NEW_PROJECT else "",
            skip_existing=data["skip_existing"],
            valid_only=data["valid_only"],
        )
        check = services.task_import_check(
            task_import=task_import, actor=self.membership, plan=plan, choices=choices
        )
        if request.POST.get("action") == "import" and not check.problems:
            if services.task_import_start(task_import=task_import, actor=self.membership):
                task_import.refresh_from_db()
                messages.success(
                    request,
                    f"Imported {task_import.created} tasks into {task_import.project.name}.",
                )
            return redirect(request.path)
        # Checked (or refused): the form again, built from what was chosen, with the dry run.
        context = self.get_context_data(
            table=table, form=self.mapping_form(table, plan), check=check
        )
        return self.render_to_response(context, status=422 if check.problems else 200)
