"""``/o/<org>/tasks/<n>/repeat/``: make a task repeat, change how, or stop it (POST)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View

from web.forms.labels import RecurrenceForm
from web.views.tasks import TaskDetailView, TaskObjectMixin
from workspace.services import recurrence as services


class TaskRepeatView(TaskObjectMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        task = self.get_task()
        if request.POST.get("stop"):
            services.recurrence_stop(task=task, actor=self.membership)
            self.count_write()
            messages.success(request, f"{task.reference} no longer repeats.")
            return redirect(task.get_absolute_url())
        form = RecurrenceForm(request.POST)
        if form.is_valid():
            try:
                series = services.recurrence_set(
                    task=task, actor=self.membership, **form.service_data()
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.count_write()
                messages.success(request, f"{task.reference} repeats: {series.words}.")
                return redirect(task.get_absolute_url())
        # The task page again, with the form as typed and why it was refused.
        page = TaskDetailView(request=request, args=args, kwargs=kwargs)
        page.setup(request, *args, **kwargs)
        page.organization, page.membership = self.organization, self.membership
        context = page.get_context_data(repeat_form=form, repeat_open=True)
        return page.render_to_response(context, status=422)
