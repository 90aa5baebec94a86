"""The board: the tasks in columns (by status, assignee or priority), each column loading and
paging itself, and cards moved by drag and drop, a menu or keys (``TaskMoveView``)."""

import re
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.template.loader import get_template
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.vary import vary_on_headers
from django.views.generic import TemplateView, View
from django_htmx.http import trigger_client_event

from web.filters import ASSIGNEE_ME, FilterFormMixin, TaskFilter
from web.forms.tasks import parse_version
from web.fragments import render_each
from web.htmx import wants_fragment
from web.mixins import OrganizationMixin
from web.params import digits
from web.tables.tasks import CARD_TEMPLATE, row_shows
from web.views.errors import toast_response
from web.views.tasks import TASK_CHANGED, TaskObjectMixin
from workspace import ranks, selectors
from workspace.models import Priority, Project, Task, TaskLayout, TaskStatus
from workspace.models.tasks import chips_of, row_expressions
from workspace.services import board as board_services
from workspace.services.tasks import StaleTaskError

GROUPS = (("status", "Status"), ("assignee", "Assignee"), ("priority", "Priority"))
COLLAPSED = (TaskStatus.DONE, TaskStatus.CANCELLED)
CURSOR = re.compile(rf"[0-9A-Za-z]{{1,{ranks.RANK_MAX_LENGTH}}}")
# Query parameters that are the board's own, not filters.
BOARD_PARAMS = ("group", "column", "cursor", "view", "page", "per_page", "sort")


def board_cards(rows: list[dict], *, tasks_url: str):
    """The ``task-card`` partial of each row as the board shows it (with its "Move to..."
    button), from the cache where the same card was drawn before."""
    return render_each(
        CARD_TEMPLATE,
        rows,
        name="task",
        shows=row_shows,
        build=Task.from_row,
        context={"tasks_url": tasks_url, "board": True},
    )


def _group(request) -> str:
    group = request.GET.get("group") or request.POST.get("group") or "status"
    return group if group in dict(GROUPS) else "status"


class BoardMixin(OrganizationMixin):
    """The board's scope: the organization's tasks, or a project's (``project_slug``), narrowed
    by the same filters as the task list (the query string)."""

    def get_project(self) -> Project | None:
        if "project_slug" not in self.kwargs:
            return None
        if not hasattr(self, "_project"):
            self._project = get_object_or_404(
                Project.objects.filter(organization=self.organization),
                slug=self.kwargs["project_slug"],
            )
        return self._project

    def tasks_url(self) -> str:
        return reverse("web:task-list", kwargs={"org_slug": self.organization.slug})

    def member_names(self):
        if not hasattr(self, "_member_names"):
            self._member_names = selectors.member_names(organization=self.organization)
        return self._member_names

    def get_filter(self) -> TaskFilter:
        if not hasattr(self, "_filter"):
            tasks = selectors.task_rows(organization=self.organization)
            project = self.get_project()
            kwargs = {}
            if project is not None:
                tasks = tasks.filter(project=project)
                kwargs["projects"] = Project.objects.filter(pk=project.pk)
            self._filter = TaskFilter(
                self.request.GET or None,
                queryset=tasks,
                request=self.request,
                members=self.member_names(),
                project_names=selectors.project_names(organization=self.organization),
                **kwargs,
            )
        return self._filter

    def filter_query(self) -> str:
        """The filters of the query string, for the columns' and the list's addresses."""
        query = QueryDict(mutable=True)
        for name, values in self.request.GET.lists():
            if name not in BOARD_PARAMS:
                query.setlist(name, values)
        return query.urlencode()

    def board_url(self, name: str) -> str:
        kwargs = {"org_slug": self.organization.slug}
        project = self.get_project()
        if project is not None:
            kwargs["project_slug"] = project.slug
            name = f"project-{name}"
        return reverse(f"web:{name}", kwargs=kwargs)

    def columns(self, group: str) -> list[dict]:
        """Each column's value (as URLs spell it) and name, in board order."""
        if group == "status":
            return [
                {"value": value, "label": label, "collapsed": value in COLLAPSED}
                for value, label in TaskStatus.choices
            ]
        if group == "priority":
            return [
                {"value": key, "label": label, "collapsed": False}
                for key, label in reversed(Priority.key_choices())
            ]
        return [
            {"value": board_services.NONE, "label": "Unassigned", "collapsed": False},
            *(
                {"value": str(pk), "label": name, "collapsed": False}
                for pk, name in self.member_names()
            ),
        ]

    def filtered_columns(self, group: str, columns: list[dict]) -> list[dict]:
        """A filter on the board's own grouping keeps only its columns (the others would stay
        empty): ``status=todo`` on a status board shows the "To do" column alone. Values that
        name no column leave the board whole."""
        chosen = set(self.request.GET.getlist(group))
        if group == "assignee" and ASSIGNEE_ME in chosen:
            chosen.add(str(self.membership.pk))
        kept = [column for column in columns if column["value"] in chosen]
        return kept or columns


@method_decorator(vary_on_headers("HX-Request"), name="dispatch")
class BoardView(FilterFormMixin, BoardMixin, TemplateView):
    """``/o/<org>/board/`` and ``/o/<org>/p/<project>/board/``: the frame of the board (the
    filters, the "Group by" choice and one empty column per value); each column loads its
    cards itself (``BoardColumnView``), so the page costs the same at any size."""

    template_name = "web/board.html"

    def get(self, request, *args, **kwargs):
        project = self.get_project()
        if project is not None and not wants_fragment(request):
            # The project opens as a board for this member from now on.
            board_services.project_layout_remember(
                project=project, actor=self.membership, layout=TaskLayout.BOARD
            )
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        if wants_fragment(self.request):
            return [f"{self.template_name}#board"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        group = _group(self.request)
        filters = self.filter_query()
        column_url = self.board_url("board-column")
        columns = self.filtered_columns(group, self.columns(group))
        for column in columns:
            query = urlencode({"group": group, "column": column["value"]})
            column["url"] = f"{column_url}?{query}" + (f"&{filters}" if filters else "")
            column["id"] = f"col-{column['value']}"
        project = self.get_project()
        list_url = (
            reverse(
                "web:project-detail",
                kwargs={"org_slug": self.organization.slug, "project_slug": project.slug},
            )
            if project
            else reverse("web:task-list", kwargs={"org_slug": self.organization.slug})
        )
        # A board with no task at all says what to do next (one query, on the full page only).
        board_empty = not self.request.GET and not (
            wants_fragment(self.request) or self.get_filter().queryset.exists()
        )
        new_task_url = reverse("web:task-create", kwargs={"org_slug": self.organization.slug})
        kwargs.update(
            board_empty=board_empty,
            new_task_url=new_task_url + (f"?project={project.slug}" if project else ""),
            project=project,
            title=project.name if project else "Board",
            filter=self.get_filter(),
            group=group,
            groups=GROUPS,
            columns=columns,
            board_url=self.request.path,
            list_url=self.board_url("board"),
            list_view_url=list_url + _query(filters, "view=list" if project else ""),
            csv_url=list_url + _query(filters, "export=csv"),
            xlsx_url=list_url + _query(filters, "export=xlsx"),
            move_group=group,
            tasks_url=self.tasks_url(),
            filters=filters,
        )
        return super().get_context_data(**kwargs)


class BoardColumnView(BoardMixin, TemplateView):
    """One page of one column (``?group=&column=``, plus the filters, and ``cursor``: the key
    after which the page starts): its cards, a "load more" item when there are more, and on the
    first page the column's count. The first page loads when the board shows the column, the
    next ones as it scrolls."""

    def get(self, request, *args, **kwargs):
        group = _group(request)
        try:
            value = board_services.column_value(
                group, request.GET.get("column", ""), organization=self.organization
            )
        except ValidationError:
            raise Http404("No such column.") from None
        cursor = request.GET.get("cursor") or None
        if cursor is not None and not CURSOR.fullmatch(cursor):
            return toast_response(request, 400, "That page of the column does not exist.")
        tasks = self.get_filter().qs.filter(**{group: value})
        rows, next_cursor = selectors.board_column(
            organization=self.organization, tasks=tasks, cursor=cursor
        )
        context = {
            "cards": board_cards(rows, tasks_url=self.tasks_url()),
            "column_id": f"col-{request.GET['column']}",
            "first_page": cursor is None,
            "empty": not rows and cursor is None,
        }
        if cursor is None:
            count = selectors.board_column_count(organization=self.organization, tasks=tasks)
            context["count"] = count
            context["count_label"] = (
                f"{selectors.BOARD_COUNT_CAP:,}+"
                if count > selectors.BOARD_COUNT_CAP
                else f"{count:,}"
            )
        if next_cursor is not None:
            query = request.GET.copy()
            query["cursor"] = next_cursor
            context["more_url"] = f"{request.path}?{query.urlencode()}"
        html = get_template("web/board.html#board-cards").render(context)
        return HttpResponse(html)


class TaskMoveView(TaskObjectMixin, View):
    """``POST /o/<org>/tasks/<n>/move/``: a card dropped somewhere on the board (``group``,
    ``column``, ``above`` or ``below``: the number of the card just above or below the drop
    spot, ``version``). Answers with the card as saved; a refusal is a toast (the board puts the
    card back): a conflict (409), a value the task cannot take (422), a task someone deleted
    (404: the board removes its card). Without JavaScript a move is made with the task's
    status editor."""

    http_method_names = ["post"]

    def get_task(self) -> Task:
        """The task with what its card shows (its project's name, its assignee's)."""
        if not hasattr(self, "_task"):
            self._task = get_object_or_404(
                selectors.task_list(organization=self.organization)
                .select_related("project", "assignee__user")
                .annotate(**row_expressions()),  # its labels, in the same query
                number=self.kwargs["number"],
            )
            self._task.organization = self.organization
            self._task.chips = chips_of(self._task.label_chips)
        return self._task

    def post(self, request, *args, **kwargs):
        try:
            task = self.get_task()
        except Http404:
            return toast_response(request, 404, "This task was deleted: its card is removed.")
        group = _group(request)
        raw = request.POST.get("column")
        try:
            version = parse_version(request.POST.get("version"))
            value = (
                board_services.KEEP
                if raw is None
                else board_services.column_value(group, raw, organization=self.organization)
            )
            move = board_services.Move(
                group=group,
                value=value,
                above=_neighbour(request.POST.get("above")),
                below=_neighbour(request.POST.get("below")),
            )
            changes = board_services.task_move(
                task=task, actor=self.membership, move=move, expected_updated_at=version
            )
        except StaleTaskError as stale:
            return toast_response(
                request,
                409,
                f"Someone changed the {group} of {task.reference} meanwhile: it is now "
                f"{_shown(stale.task, group)}. Reload the board to see it.",
            )
        except Task.DoesNotExist:
            return toast_response(request, 404, "This task was deleted: its card is removed.")
        except PermissionDenied as denied:
            return toast_response(request, 403, str(denied))
        except ValidationError as invalid:
            return toast_response(request, 422, " ".join(invalid.messages))
        if changes:
            self.count_write()
        context = {"task": task, "tasks_url": self.tasks_url(), "board": True}
        response = HttpResponse(get_template(CARD_TEMPLATE).render(context))
        response["X-Task-Version"] = task.version
        if changes:
            trigger_client_event(response, TASK_CHANGED, {"number": task.number})
            where = _shown(task, group)
            trigger_client_event(
                response, "announce", {"message": f"Moved {task.reference} to {where}."}
            )
        return response


def _query(*parts: str) -> str:
    joined = "&".join(part for part in parts if part)
    return f"?{joined}" if joined else ""


def _neighbour(raw: str | None) -> int | None:
    """The task number a card was dropped next to (None: at an end of the column)."""
    number = digits(raw, max_digits=9)
    if raw and number is None:
        raise ValidationError("That spot on the board is not valid: reload the board.")
    return number


def _shown(task: Task, group: str) -> str:
    if group == "status":
        return task.get_status_display()
    if group == "priority":
        return task.get_priority_display()
    return task.assignee.user.display_name if task.assignee else "Unassigned"
