"""django-filter FilterSets. Every choice list comes from the request's organization."""

from functools import partial

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from web import fragments
from workspace import custom_fields, revisions
from workspace.models import (
    SIGN_IN_ACTIONS,
    AuditAction,
    FieldType,
    Priority,
    Project,
    TaskLabel,
    TaskStatus,
)


class FieldBoundField(forms.CharField):
    """One end of a number or date range on a custom field, checked as the field checks its
    values; the error names the field."""

    def __init__(self, *args, definition, **kwargs):
        self.definition = definition
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return custom_fields.clean_custom_value(self.definition, value)
        except ValueError as error:
            raise forms.ValidationError(f"{self.definition.name}: {error}") from None


class FieldBoundFilter(django_filters.Filter):
    field_class = FieldBoundField


def custom_filter_name(field, end: str = "") -> str:
    """``cf_<id>`` (equality), ``cf_<id>_min`` / ``cf_<id>_max`` (ranges) in the query string."""
    return f"cf_{field.pk}{'_' + end if end else ''}"


ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"
LABEL_MODES = [("any", "Any of these"), ("all", "All of these")]
SEARCH_MAX_LENGTH = 200


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Search title and description"}
        ),
    )
    # distinct=False: no join is involved, and DISTINCT would defeat the sort indexes.
    status = django_filters.MultipleChoiceFilter(
        choices=TaskStatus.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.key_choices(),
        method="filter_priority",
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    assignee = django_filters.ChoiceFilter(
        method="filter_assignee",
        empty_label="Anyone",
        widget=forms.Select(attrs={"class": "input"}),
    )
    project = django_filters.ModelChoiceFilter(
        queryset=Project.objects.none(),
        field_name="project",
        empty_label="All projects",
        widget=forms.Select(attrs={"class": "input"}),
    )
    due = django_filters.DateFromToRangeFilter(
        field_name="due_date",
        label="Due between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    # ``label=<name>``, repeatable: tasks with any of them, or all of them (label_mode=all).
    label = django_filters.MultipleChoiceFilter(
        method="filter_labels", label="Labels", distinct=False
    )
    label_mode = django_filters.ChoiceFilter(
        choices=LABEL_MODES, method="filter_nothing", label="Match", empty_label=None
    )

    def __init__(
        self,
        data=None,
        *args,
        request,
        members,
        projects=None,
        project_names=None,
        labels=(),
        custom_fields=(),
        **kwargs,
    ):
        """``members``: ``(membership id, name)`` pairs (``selectors.member_names``);
        ``projects``: the projects the filter accepts; ``project_names``: ``(id, name)`` pairs
        the form offers (read from ``projects`` when not given); ``labels``: ``(id, name,
        colour)`` of the organization's labels (``selectors.label_choices``); ``custom_fields``:
        the project's field definitions, each a filter (``cf_<id>``, ``cf_<id>_min`` and
        ``cf_<id>_max``) on that project's list only."""
        super().__init__(data, *args, request=request, **kwargs)
        self.custom_fields = list(custom_fields)
        for field in self.custom_fields:
            self._add_custom_filters(field)
        self.labels = list(labels)
        self.label_ids = {name: pk for pk, name, _colour in self.labels}
        self.filters["label"].extra["choices"] = [(name, name) for _pk, name, _c in self.labels]
        self.project_names = project_names
        self.membership = request.membership
        self.filters["assignee"].extra["choices"] = [
            (ASSIGNEE_ME, "Me"),
            (ASSIGNEE_NONE, "Unassigned"),
            *((str(pk), name) for pk, name in members),
        ]
        if projects is None:
            projects = Project.objects.filter(organization=request.organization)
        self.filters["project"].queryset = projects

    def filtering(self) -> bool:
        """Whether the query names any filter (``due_after``, ``cf_<id>_min`` and the like name
        theirs with a suffix). A page, a sort or a column choice alone filters nothing: then the
        list is the whole queryset, with no form built to validate an empty query."""
        if not self.is_bound:
            return False
        names = tuple(self.filters)
        prefixes = tuple(f"{name}_" for name in names)
        return any(key in names or key.startswith(prefixes) for key in self.data)

    def is_valid(self) -> bool:
        return not self.filtering() or super().is_valid()

    @property
    def qs(self):
        if not hasattr(self, "_qs") and not self.filtering():
            self._qs = self.queryset.all()
        return super().qs

    def controls(self) -> dict:
        """The current filter values and every choice, ready for the template to print (faster
        than rendering the form's widgets: the assignee list alone can be long)."""
        data = self.data or {}

        def many(name):
            return set(data.getlist(name)) if hasattr(data, "getlist") else set()

        def marked(choices, chosen):
            return [(str(value), label, str(value) in chosen) for value, label in choices]

        assignee, project = data.get("assignee", ""), data.get("project", "")
        return {
            "q": data.get("q", ""),
            "status": marked(TaskStatus.choices, many("status")),
            "priority": marked(Priority.key_choices(), many("priority")),
            "assignee": marked(
                [("", "Anyone"), *self.filters["assignee"].extra["choices"]], {assignee}
            ),
            "assignee_name": dict(self.filters["assignee"].extra["choices"]).get(assignee, ""),
            "project": marked(
                [("", "All projects"), *self._project_names()],
                {project},
            ),
            "status_count": len(many("status")),
            "priority_count": len(many("priority")),
            "due_after": data.get("due_after", ""),
            "due_before": data.get("due_before", ""),
            "labels": [(name, colour, name in many("label")) for _pk, name, colour in self.labels],
            "label_count": len(many("label") & set(self.label_ids)),
            "label_all": data.get("label_mode") == "all",
            "custom": self.custom_controls(data),
        }

    def _add_custom_filters(self, field) -> None:
        if field.field_type in (FieldType.NUMBER, FieldType.DATE):
            for end in ("min", "max"):
                self.filters[custom_filter_name(field, end)] = FieldBoundFilter(
                    method=partial(self.filter_custom_range, field, end),
                    definition=field,
                    label=f"{field.name} {'from' if end == 'min' else 'to'}",
                    max_length=40,
                )
        elif field.field_type == FieldType.CHOICE:
            self.filters[custom_filter_name(field)] = django_filters.ChoiceFilter(
                method=partial(self.filter_custom_equal, field),
                choices=[(option, option) for option in field.options],
                label=field.name,
                error_messages={"invalid_choice": f"{field.name}: choose one of its options."},
            )
        else:
            self.filters[custom_filter_name(field)] = django_filters.CharFilter(
                method=partial(self.filter_custom_equal, field),
                label=field.name,
                max_length=custom_fields.TEXT_MAX_LENGTH,
                error_messages={
                    "max_length": f"{field.name}: keep it under "
                    f"{custom_fields.TEXT_MAX_LENGTH} characters."
                },
            )

    def custom_controls(self, data) -> list[dict]:
        """Each custom field's filter as the form prints it: its kind, name and values."""
        controls = []
        for field in self.custom_fields:
            control = {"field": field, "kind": field.field_type, "name": custom_filter_name(field)}
            if field.field_type in (FieldType.NUMBER, FieldType.DATE):
                control["low"] = data.get(custom_filter_name(field, "min"), "")
                control["high"] = data.get(custom_filter_name(field, "max"), "")
                control["active"] = bool(control["low"] or control["high"])
            else:
                control["value"] = data.get(custom_filter_name(field), "")
                control["active"] = bool(control["value"])
                if field.field_type == FieldType.CHOICE:
                    control["options"] = [
                        (option, option == control["value"]) for option in field.options
                    ]
            controls.append(control)
        return controls

    def filter_custom_equal(self, field, queryset, name, value):
        value = value.strip()
        return custom_fields.filter_equal(queryset, field, value) if value else queryset

    def filter_custom_range(self, field, end, queryset, name, value):
        if value is None:
            return queryset
        bounds = {"low": value} if end == "min" else {"high": value}
        return custom_fields.filter_range(queryset, field, **bounds)

    def _project_names(self):
        if self.project_names is not None:
            return self.project_names
        return [(p.pk, p.name) for p in self.filters["project"].queryset]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_priority(self, queryset, name, value):
        return queryset.filter(priority__in=[Priority.by_key(key) for key in value])

    def filter_nothing(self, queryset, name, value):
        return queryset  # read by filter_labels

    def filter_labels(self, queryset, name, value):
        """Each label is an EXISTS on (task, label), the unique index of task labels: a page
        sorted by number probes it row by row, and a rare label is read from (label, task)."""
        ids = [self.label_ids[label] for label in value if label in self.label_ids]
        if not ids:
            return queryset
        if self.form.cleaned_data.get("label_mode") == "all":
            for pk in ids:
                queryset = queryset.filter(
                    Exists(TaskLabel.objects.filter(task_id=OuterRef("pk"), label_id=pk))
                )
            return queryset
        return queryset.filter(
            Exists(TaskLabel.objects.filter(task_id=OuterRef("pk"), label_id__in=ids))
        )

    def filter_assignee(self, queryset, name, value):
        if value == ASSIGNEE_ME:
            return queryset.filter(assignee=self.membership)
        if value == ASSIGNEE_NONE:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=value)


AUDITED_TYPES = [
    ("task", "Task"),
    ("project", "Project"),
    ("comment", "Comment"),
    ("membership", "Member"),
    ("invitation", "Invitation"),
    ("organization", "Organization"),
    ("customfield", "Custom field"),
]


class AuditLogFilter(django_filters.FilterSet):
    actor = django_filters.ChoiceFilter(
        empty_label="Anyone", widget=forms.Select(attrs={"class": "input"})
    )
    action = django_filters.ChoiceFilter(
        choices=[c for c in AuditAction.choices if c[0] not in SIGN_IN_ACTIONS],
        empty_label="Any action",
        widget=forms.Select(attrs={"class": "input"}),
    )
    object_type = django_filters.ChoiceFilter(
        field_name="content_type__model",
        choices=AUDITED_TYPES,
        empty_label="Anything",
        label="Object",
        widget=forms.Select(attrs={"class": "input"}),
    )
    date = django_filters.DateFromToRangeFilter(
        field_name="created_at__date",
        label="Between",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date", "class": "input"}),
    )

    def __init__(self, data=None, *args, members, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["actor"].extra["choices"] = [
            (str(m.user_id), m.user.display_name) for m in members
        ]


FILTERS_TEMPLATE = "components/task_filters.html"


class FilterFormMixin:
    """For the pages that show the task filter form (the lists and boards): the drawn form is
    kept under ``filters_version``, a digest of what it shows. That is the form's template, the
    organization's directory (members, projects, labels and custom fields are its choices), the
    member, the page and its query (every value and error the form shows comes from it)."""

    def filters_version(self) -> str:
        # Read by the template (a callable: only pages that draw the form pay for it).
        return fragments.version(
            FILTERS_TEMPLATE,
            revisions.current(self.organization.pk, revisions.DIRECTORY),
            self.membership.pk,
            self.request.path,
            sorted(self.request.GET.lists()),
        )

    def get_context_data(self, **kwargs):
        kwargs.setdefault("filters_version", self.filters_version)
        return super().get_context_data(**kwargs)
