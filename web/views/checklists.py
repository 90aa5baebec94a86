"""A task's checklist, changed in place on the task page: each write answers with the checklist
(htmx) or goes back to the task (plain form posts)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import get_template
from django.views import View
from django_htmx.http import trigger_client_event

from web.forms.labels import ChecklistItemForm
from web.htmx import wants_fragment
from web.views.tasks import TASK_CHANGED, TaskObjectMixin
from workspace import selectors
from workspace.models import ChecklistItem, Membership
from workspace.services import checklists as services

PARTIAL = "web/task_detail.html#task-checklist"


class ChecklistMixin(TaskObjectMixin, View):
    http_method_names = ["post"]

    def get_item(self) -> ChecklistItem:
        return get_object_or_404(
            ChecklistItem.objects.filter(task=self.get_task()).select_related("assignee__user"),
            pk=self.kwargs["pk"],
        )

    def answer(self, *, form=None, status=200, changed=False):
        task = self.get_task()
        if not wants_fragment(self.request):
            if form is not None and form.errors:
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(self.request, error)
            return redirect(task.get_absolute_url())
        task.refresh_from_db(fields=["checklist_done", "checklist_total", "updated_at"])
        context = {
            "task": task,
            "organization": self.organization,
            "checklist": selectors.checklist(task=task),
            "checklist_members": self.members(),
            "checklist_form": form,
        }
        html = get_template(PARTIAL).render(context, self.request)
        response = HttpResponse(html, status=status)
        if changed:
            trigger_client_event(response, TASK_CHANGED, {"number": task.number})
        return response

    def write_limited(self, request, *args, **kwargs):
        form = ChecklistItemForm(request.POST, members=self.members())
        form.is_valid()
        form.add_error(None, self.write_limit_message())
        return self.with_retry_after(self.answer(form=form, status=429))


def _member(view, pk) -> Membership | None:
    return next((m for m in view.members() if m.pk == pk), None) if pk else None


class ChecklistAddView(ChecklistMixin):
    def post(self, request, *args, **kwargs):
        form = ChecklistItemForm(request.POST, members=self.members())
        if not form.is_valid():
            return self.answer(form=form, status=422)
        try:
            services.checklist_item_add(
                task=self.get_task(),
                actor=self.membership,
                text=form.cleaned_data["text"],
                assignee=_member(self, form.cleaned_data["assignee"]),
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
            return self.answer(form=form, status=422)
        self.count_write()
        return self.answer(changed=True)


class ChecklistTickView(ChecklistMixin):
    def post(self, request, *args, **kwargs):
        changed = services.checklist_item_update(
            item=self.get_item(), actor=self.membership, done=request.POST.get("done") == "1"
        )
        self.count_write()
        return self.answer(changed=changed)


class ChecklistMoveView(ChecklistMixin):
    def post(self, request, *args, **kwargs):
        item = self.get_item()
        items = [other.pk for other in selectors.checklist(task=self.get_task())]
        here = items.index(item.pk)
        step = {"up": -1, "down": 1}.get(request.POST.get("direction"), 0)
        changed = services.checklist_item_move(item=item, actor=self.membership, to=here + step)
        self.count_write()
        return self.answer(changed=changed)


class ChecklistDeleteView(ChecklistMixin):
    def post(self, request, *args, **kwargs):
        services.checklist_item_delete(item=self.get_item(), actor=self.membership)
        self.count_write()
        return self.answer(changed=True)
