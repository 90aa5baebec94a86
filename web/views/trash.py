from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from web.mixins import OrganizationAdminMixin, OrganizationMixin
from web.views.tasks import TaskObjectMixin
from workspace import selectors
from workspace.models import Comment, Project, Task
from workspace.services.comments import comment_restore
from workspace.services.projects import project_restore
from workspace.services.tasks import task_restore

RESTORABLE = {
    "project": (Project, lambda obj, actor: project_restore(project=obj, actor=actor)),
    "task": (Task, lambda obj, actor: task_restore(task=obj, actor=actor)),
    "comment": (Comment, lambda obj, actor: comment_restore(comment=obj, actor=actor)),
}


class TrashView(OrganizationAdminMixin, TemplateView):
    template_name = "web/trash.html"

    def get_context_data(self, **kwargs):
        kwargs.update(selectors.trash(organization=self.organization))
        return super().get_context_data(**kwargs)


class TrashRestoreView(OrganizationAdminMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if kwargs["kind"] not in RESTORABLE:
            raise Http404("Nothing to restore here.")
        model, restore = RESTORABLE[kwargs["kind"]]
        obj = get_object_or_404(
            model.all_objects.filter(organization=self.organization, deleted_at__isnull=False),
            pk=kwargs["pk"],
        )
        try:
            restore(obj, self.membership)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, f"Restored {_name(obj)}.")
        return redirect("web:trash", org_slug=self.organization.slug)


def _name(obj) -> str:
    if isinstance(obj, Task):
        return f"{obj.reference} {obj.title}"
    if isinstance(obj, Comment):
        return "the comment"
    return obj.name


class TaskRestoreView(TaskObjectMixin, OrganizationMixin, TemplateView):
    """The "Undo" of a task deletion: its deleter (for a few minutes) or an admin."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        task = get_object_or_404(
            Task.all_objects.filter(organization=self.organization).select_related("project"),
            number=kwargs["number"],
        )
        try:
            task_restore(task=task, actor=self.membership)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("web:task-list", org_slug=self.organization.slug)
        self.count_write()
        messages.success(request, f"Restored {task.reference} {task.title}.")
        return redirect("web:task-detail", org_slug=self.organization.slug, number=task.number)
