import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView, View

from web.forms.projects import CustomFieldEditForm, CustomFieldForm, ProjectForm
from web.mixins import OrganizationAdminMixin, OrganizationMixin
from workspace import permissions, selectors
from workspace.models import CustomField, Project
from workspace.services import projects as services


class ProjectMixin(OrganizationMixin):
    def get_project(self) -> Project:
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(
                Project.objects.filter(organization=self.organization),
                slug=self.kwargs["project_slug"],
            )
        return self._project

    def get_context_data(self, **kwargs):
        if "project_slug" in self.kwargs:
            kwargs.setdefault("project", self.get_project())
        return super().get_context_data(**kwargs)


class ProjectListView(OrganizationMixin, TemplateView):
    template_name = "web/project_list.html"

    def get_context_data(self, **kwargs):
        projects = list(selectors.project_list(organization=self.organization))
        kwargs.setdefault("active_projects", [p for p in projects if p.is_active])
        kwargs.setdefault("archived_projects", [p for p in projects if not p.is_active])
        kwargs.setdefault("can_manage", permissions.can_manage_projects(self.membership))
        kwargs.setdefault("count_cap", selectors.SUMMARY_COUNT_CAP)
        return super().get_context_data(**kwargs)


class ProjectFormMixin(ProjectMixin):
    template_name = "web/project_form.html"

    def get_form(self, form_class=None):
        return ProjectForm(
            **self.get_form_kwargs(),
            organization=self.organization,
            members=selectors.assignable_members(organization=self.organization),
        )

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class ProjectCreateView(ProjectFormMixin, FormView):
    def form_valid(self, form):
        try:
            project = services.project_create(
                organization=self.organization, actor=self.membership, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Project {project.name} created.")
        return redirect(project.get_absolute_url())


class ProjectEditView(ProjectFormMixin, FormView):
    def get_initial(self):
        project = self.get_project()
        return {"name": project.name, "description": project.description, "lead": project.lead_id}

    def form_valid(self, form):
        project = self.get_project()
        try:
            services.project_update(project=project, actor=self.membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Project {project.name} saved.")
        return redirect(project.get_absolute_url())


class ProjectArchiveView(OrganizationAdminMixin, ProjectMixin, View):
    """POST ``archived=1`` to archive, ``archived=0`` to bring the project back."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        project = self.get_project()
        archived = request.POST.get("archived") == "1"
        services.project_set_archived(project=project, actor=self.membership, archived=archived)
        verb = "archived" if archived else "restored to active"
        messages.success(request, f"Project {project.name} {verb}.")
        return redirect("web:project-list", org_slug=self.organization.slug)


class ProjectDeleteView(OrganizationAdminMixin, ProjectMixin, TemplateView):
    template_name = "web/project_delete.html"

    def post(self, request, *args, **kwargs):
        project = self.get_project()
        services.project_delete(project=project, actor=self.membership)
        messages.success(request, f"Project {project.name} and its tasks were moved to the trash.")
        return redirect("web:project-list", org_slug=self.organization.slug)


class FieldFormMixin(ProjectMixin):
    """The custom-field forms: a write the service refuses goes back on the form (422, with
    what was typed); a saved one says so on the project's fields page."""

    def saved(self, form, write):
        """``write()`` saves and returns what to tell the member."""
        try:
            message = write()
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(
            "web:project-fields",
            org_slug=self.organization.slug,
            project_slug=self.get_project().slug,
        )

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class ProjectFieldsView(FieldFormMixin, FormView):
    """The project's custom fields: list and add (members), remove (separate view)."""

    template_name = "web/project_fields.html"
    form_class = CustomFieldForm

    def get_context_data(self, **kwargs):
        kwargs.setdefault(
            "definitions",
            CustomField.objects.filter(project=self.get_project()).order_by("position", "pk"),
        )
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        def create():
            field = services.custom_field_create(
                project=self.get_project(), actor=self.membership, **form.cleaned_data
            )
            return f"Field {field.name} added."

        return self.saved(form, create)


class ProjectFieldDeleteView(ProjectMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        project = self.get_project()
        field = get_object_or_404(CustomField.objects.filter(project=project), pk=kwargs["pk"])
        if not permissions.can_manage_projects(self.membership):
            raise PermissionDenied("Only admins can remove fields.")
        services.custom_field_delete(field=field, actor=self.membership)
        messages.success(request, f"Field {field.name} removed.")
        return redirect(
            "web:project-fields", org_slug=self.organization.slug, project_slug=project.slug
        )


class ProjectFieldEditView(OrganizationAdminMixin, FieldFormMixin, FormView):
    """Rename a custom field and edit its choices (admins). When the edit renames or removes
    options tasks hold, the first POST says what will happen to them (how many tasks, which
    values) and asks to confirm (``confirm``, a digest of what was said) before saving."""

    template_name = "web/project_field_edit.html"
    form_class = CustomFieldEditForm

    @property
    def field(self) -> CustomField:
        if not hasattr(self, "_field"):
            self._field = get_object_or_404(
                CustomField.objects.filter(project=self.get_project()), pk=self.kwargs["pk"]
            )
        return self._field

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "field": self.field}

    def get_context_data(self, **kwargs):
        kwargs.setdefault("field", self.field)
        return super().get_context_data(**kwargs)

    def consequences(self, form) -> list[dict]:
        """What the edit does to tasks' values: one line per renamed or removed option that
        tasks hold, with how many."""
        if not self.field.options:
            return []
        changes = services.option_changes(self.field, form.pairs)
        usage = selectors.custom_field_usage(field=self.field)
        lines = [
            {"old": old, "new": new, "count": usage[old]}
            for old, new in changes["renamed"].items()
            if usage.get(old)
        ]
        lines += [
            {"old": old, "new": None, "count": usage[old]}
            for old in changes["removed"]
            if usage.get(old)
        ]
        return lines

    def form_valid(self, form):
        consequences = self.consequences(form)
        # The confirmation stands for these consequences only: edit again, be told again.
        confirm = hashlib.blake2b(repr(consequences).encode(), digest_size=8).hexdigest()
        if consequences and self.request.POST.get("confirm") != confirm:
            return self.render_to_response(
                self.get_context_data(form=form, consequences=consequences, confirm=confirm)
            )

        def update():
            services.custom_field_update(
                field=self.field, actor=self.membership, **form.service_data()
            )
            return f"Field {self.field.name} saved."

        return self.saved(form, update)
