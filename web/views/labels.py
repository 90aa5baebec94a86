"""The organization's labels (admins manage them) and the labels of one task (any member)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from web.forms.labels import LabelForm, TaskLabelsForm
from web.forms.tasks import parse_version
from web.htmx import wants_fragment
from web.mixins import OrganizationAdminMixin
from web.ratelimit import WriteLimitMixin
from web.views.tasks import TaskFieldView
from workspace import selectors
from workspace.models import Label
from workspace.services import labels as services


class LabelListView(OrganizationAdminMixin, WriteLimitMixin, TemplateView):
    """``/o/<org>/labels/``: every label with its task count; add one (POST)."""

    template_name = "web/labels.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("labels", selectors.label_list(organization=self.organization))
        kwargs.setdefault("form", LabelForm())
        kwargs.setdefault("editing", None)
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = LabelForm(request.POST)
        if form.is_valid():
            try:
                label = services.label_create(
                    organization=self.organization, actor=self.membership, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.count_write()
                messages.success(request, f"Label {label.name} created.")
                return redirect("web:label-list", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form), status=422)


class LabelObjectMixin(OrganizationAdminMixin, WriteLimitMixin):
    def get_label(self) -> Label:
        return get_object_or_404(
            Label.objects.filter(organization=self.organization), pk=self.kwargs["pk"]
        )


class LabelEditView(LabelObjectMixin, TemplateView):
    """Rename, recolour or describe a label (its tasks keep it)."""

    template_name = "web/labels.html"

    def get_context_data(self, **kwargs):
        label = self.get_label()
        kwargs.setdefault("labels", selectors.label_list(organization=self.organization))
        kwargs.setdefault("form", LabelForm())
        kwargs.setdefault("editing", label)
        kwargs.setdefault(
            "edit_form",
            LabelForm(
                initial={
                    "name": label.name,
                    "colour": label.colour,
                    "description": label.description,
                },
                prefix="edit",
            ),
        )
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        label = self.get_label()
        form = LabelForm(request.POST, prefix="edit")
        if form.is_valid():
            old_name = label.name
            try:
                services.label_update(label=label, actor=self.membership, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.count_write()
                messages.success(request, f"Label {old_name} saved.")
                return redirect("web:label-list", org_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(edit_form=form), status=422)


class LabelDeleteView(LabelObjectMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        label = self.get_label()
        count = services.label_delete(label=label, actor=self.membership)
        self.count_write()
        tasks = f"{count} task" if count == 1 else f"{count} tasks"
        messages.success(request, f"Label {label.name} deleted and removed from {tasks}.")
        return redirect("web:label-list", org_slug=self.organization.slug)


class TaskLabelsView(TaskFieldView):
    """``/o/<org>/tasks/<n>/inline/labels/``: the labels of a task, edited where they are shown
    (rows, cards, the task page) with the same editor machinery as the other fields. GET
    (htmx) returns a checklist of the organization's labels with a type-ahead filter; POST sets
    the ticked ones and answers with the labels as saved."""

    def get_field(self) -> str:
        return "labels"

    def choices(self):
        return selectors.label_choices(organization=self.organization)

    def labels_form(self, data=None) -> TaskLabelsForm:
        return TaskLabelsForm(data, choices=self.choices())

    def get(self, request, *args, **kwargs):
        task = self.get_task()
        if not wants_fragment(request):
            return redirect(task.get_absolute_url())
        have = {name for name, _ in task.chips}
        options = [
            {"value": pk, "name": name, "colour": colour, "checked": name in have}
            for pk, name, colour in self.choices()
        ]
        context = self.context_for(
            task,
            "labels",
            options=options,
            can_manage=self.membership.is_admin,
            labels_url=reverse("web:label-list", kwargs={"org_slug": self.organization.slug}),
        )
        return self.fragment("labels-editor", context)

    def post(self, request, *args, **kwargs):
        task = self.get_task()
        try:
            version = parse_version(request.POST.get("version"))
        except ValidationError as error:
            return self.answer(task, "labels", note=error.messages[0], status=400)
        form = self.labels_form(request.POST)
        if not form.is_valid():
            note = " ".join(e for errors in form.errors.values() for e in errors)
            return self.answer(task, "labels", note=note, status=422, version=version)
        labels = list(
            Label.objects.filter(organization=self.organization, pk__in=form.cleaned_data["labels"])
        )
        try:
            added, removed = services.task_labels_set(
                task=task, actor=self.membership, labels=labels
            )
        except ValidationError as error:
            return self.answer(task, "labels", note=error.messages[0], status=422)
        self.count_write()
        return self.answer(task, "labels", version=version, changed=bool(added or removed))

    def write_limited(self, request, *args, **kwargs):
        task = self.get_task()
        if not wants_fragment(request):
            messages.error(request, self.write_limit_message())
            return self.with_retry_after(redirect(task.get_absolute_url()))
        response = self.answer(task, "labels", note=self.write_limit_message(), status=429)
        return self.with_retry_after(response)
