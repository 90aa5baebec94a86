"""``GET /o/<org>/tasks/filters/<menu>/``: every choice of one of the filter form's long menus
(``assignee``: every member; ``labels``: every label), fetched when the menu first opens. A list
or board page carries only the chosen ones, so its weight does not grow with the organization's
members and labels. The form's current values come with the request (``hx-include``) and are
the ones ticked. The choices are the organization's cached directory: no query per member or
label."""

from django.http import Http404
from django.views.generic import TemplateView

from web.filters import TaskFilter
from web.mixins import OrganizationMixin
from workspace import selectors
from workspace.models import Project, Task

FILTERS_TEMPLATE = "components/task_filters.html"
MENUS = {"assignee": "assignee-options", "labels": "label-options"}


class TaskFilterMenuView(OrganizationMixin, TemplateView):
    http_method_names = ["get"]

    def get_template_names(self):
        partial = MENUS.get(self.kwargs["menu"])
        if partial is None:
            raise Http404("No such menu.")
        return [f"{FILTERS_TEMPLATE}#{partial}"]

    def get_context_data(self, **kwargs):
        filters = TaskFilter(
            self.request.GET,
            queryset=Task.objects.none(),  # only its choices are read
            request=self.request,
            members=selectors.member_names(organization=self.organization),
            labels=selectors.label_choices(organization=self.organization),
            projects=Project.objects.none(),
            project_names=[],
        )
        kwargs["controls"] = filters.controls()
        return super().get_context_data(**kwargs)
