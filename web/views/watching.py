"""``/o/<org>/tasks/<n>/watch/``: the task's watchers; watch or unwatch it."""

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.generic import View

from web.htmx import wants_fragment
from web.views.tasks import TaskObjectMixin, watchers_context
from workspace.services.watching import task_watch


class TaskWatchView(TaskObjectMixin, View):
    """GET: the watchers panel (htmx refreshes it after edits and comments); POST
    ``watching=1|0``: the member starts or stops watching."""

    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        task = self.get_task()
        if not wants_fragment(request):
            return redirect(task.get_absolute_url())
        return self.panel()

    def post(self, request, *args, **kwargs):
        task = self.get_task()
        task_watch(task=task, actor=self.membership, watching=request.POST.get("watching") == "1")
        if not wants_fragment(request):
            return redirect(task.get_absolute_url())
        return self.panel()

    def panel(self):
        context = {
            **watchers_context(self.get_task(), self.membership, self.members()),
            "task": self.get_task(),
            "organization": self.organization,
            "membership": self.membership,
        }
        return TemplateResponse(self.request, "web/task_detail.html#task-watchers", context)
