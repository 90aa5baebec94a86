from django import forms
from django.utils.http import urlencode

from web.filters import ASSIGNEE_ME, ASSIGNEE_NONE
from workspace.insights.report import DEFAULT_PERIOD, PERIODS
from workspace.insights.rollup import Scope
from workspace.models import Membership, Priority, Project

PERIOD_CHOICES = [(str(weeks), f"{weeks} weeks") for weeks in PERIODS]


class InsightsFilterForm(forms.Form):
    """The insights page's query string: the period and the task list's filters. A value that
    is not valid is reported and left out (the rest still applies), never an error page."""

    period = forms.ChoiceField(choices=PERIOD_CHOICES, required=False, label="Period")
    assignee = forms.ChoiceField(required=False, label="Assignee")
    priority = forms.MultipleChoiceField(
        choices=Priority.key_choices(), required=False, label="Priority"
    )

    def __init__(self, data, *, names: dict[int, str], membership: Membership):
        super().__init__(data)
        self.membership = membership
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            (ASSIGNEE_ME, "Me"),
            (ASSIGNEE_NONE, "Unassigned"),
            *((str(pk), name) for pk, name in names.items()),
        ]
        self.is_valid()  # fills cleaned_data with the valid fields, errors with the others

    @property
    def weeks(self) -> int:
        return int(self.cleaned_data.get("period") or DEFAULT_PERIOD)

    def scope(self, project: Project | None) -> Scope:
        assignee = self.cleaned_data.get("assignee") or ""
        priorities = self.cleaned_data.get("priority") or []
        by_assignee = bool(assignee)
        if assignee == ASSIGNEE_ME:
            assignee_id = self.membership.pk
        elif assignee in ("", ASSIGNEE_NONE):
            assignee_id = None
        else:
            assignee_id = int(assignee)
        return Scope(
            project=project.pk if project is not None else None,
            by_assignee=by_assignee,
            assignee=assignee_id,
            priorities=frozenset(Priority.by_key(key) for key in priorities) or None,
        )

    def controls(self) -> dict:
        """Current values and choices, for the template to print."""
        data = self.data
        chosen = set(data.getlist("priority")) if hasattr(data, "getlist") else set()
        assignee = self.cleaned_data.get("assignee", "")
        return {
            "weeks": self.weeks,
            "periods": [(int(value), label) for value, label in PERIOD_CHOICES],
            "assignee": [
                (value, label, value == assignee)
                for value, label in self.fields["assignee"].choices
            ],
            "priority": [
                (value, label, value in chosen and value in self.cleaned_data.get("priority", []))
                for value, label in Priority.key_choices()
            ],
            "priority_count": len(self.cleaned_data.get("priority") or []),
            "errors": [message for messages in self.errors.values() for message in messages],
        }

    def query(self, **changes) -> str:
        """The query string of the current choices (valid ones), with ``changes``."""
        values = {
            "period": str(self.weeks) if self.weeks != DEFAULT_PERIOD else "",
            "assignee": self.cleaned_data.get("assignee") or "",
            "priority": list(self.cleaned_data.get("priority") or []),
        }
        values.update(changes)
        pairs = []
        for name, value in values.items():
            for item in value if isinstance(value, list) else [value]:
                if item != "":
                    pairs.append((name, item))
        return urlencode(pairs)
