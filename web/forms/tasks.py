from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from workspace.models import CustomField, FieldType, Membership, Priority, Project, Task, TaskStatus
from workspace.services.tasks import TITLE_MIN_LENGTH

CUSTOM_PREFIX = "cf_"


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, membership: Membership) -> str:
        return membership.user.display_name


class VersionField(forms.CharField):
    """The ``updated_at`` the editor saw, round-tripped exactly (microseconds and offset)."""

    widget = forms.HiddenInput

    def prepare_value(self, value):
        return value.isoformat() if isinstance(value, datetime) else value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError("This form is out of date: reload the page.") from None


def custom_form_field(definition: CustomField) -> forms.Field:
    # crispy-tailwind prints labels unescaped, and members name these fields.
    common = {"label": escape(definition.name), "required": definition.required}
    if definition.field_type == FieldType.NUMBER:
        return forms.DecimalField(max_digits=20, decimal_places=6, **common)
    if definition.field_type == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if definition.field_type == FieldType.CHOICE:
        choices = [("", "—"), *((option, option) for option in definition.options)]
        return forms.ChoiceField(choices=choices, **common)
    return forms.CharField(max_length=500, **common)


class TaskForm(forms.Form):
    """Create and edit a task. Parses input for the task services, which own the rules."""

    title = forms.CharField(
        max_length=Task._meta.get_field("title").max_length,
        min_length=TITLE_MIN_LENGTH,
        widget=forms.TextInput(attrs={"autofocus": True, "placeholder": "What needs doing?"}),
    )
    project = forms.ModelChoiceField(queryset=Project.objects.none(), empty_label=None)
    description = forms.CharField(
        required=False,
        max_length=Task._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown: **bold**, *italic*, `code`, lists, quotes and links. Type @ to "
        "mention a member.",
    )
    status = forms.ChoiceField(choices=TaskStatus.choices, initial=TaskStatus.TODO)
    priority = forms.ChoiceField(choices=Priority.key_choices(), initial=Priority.MEDIUM.key)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assignee = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="Unassigned"
    )
    version = VersionField(required=False)

    def __init__(self, *args, organization, members, project: Project | None = None, **kwargs):
        """``members``: the organization's members, or a callable returning them (loaded only
        when the assignee field is shown)."""
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(organization=organization).active()
        # The field validates against the organization; its labels come from the members the
        # view loaded once.
        self.fields["assignee"].queryset = Membership.objects.filter(organization=organization)
        if "assignee" in self.shown_fields():
            members = members() if callable(members) else members
            self.fields["assignee"].choices = [
                ("", "Unassigned"),
                *((m.pk, m.user.display_name) for m in members),
            ]
        if "description" in self.fields:  # Markdown, with @mentions offered while typing
            self.fields["description"].widget.attrs.update(
                {
                    "data-mentions-url": reverse(
                        "web:member-suggest", kwargs={"org_slug": organization.slug}
                    ),
                    "aria-autocomplete": "list",
                    "aria-controls": "mentions-id_description",
                    "autocomplete": "off",
                }
            )
        self.definitions = self._definitions(project)
        for definition in self.definitions:
            self.fields[CUSTOM_PREFIX + definition.key] = custom_form_field(definition)

    def shown_fields(self):
        return self.fields

    def _definitions(self, project: Project | None) -> list[CustomField]:
        """Custom fields of the chosen project: the submitted one when the form is bound."""
        if self.is_bound:
            try:
                project = self.fields["project"].clean(self.data.get("project"))
            except ValidationError:
                project = None
        return list(CustomField.objects.filter(project=project)) if project else []

    @property
    def custom_bound_fields(self):
        return [self[CUSTOM_PREFIX + d.key] for d in self.definitions]

    def clean_priority(self) -> int:
        return Priority.by_key(self.cleaned_data["priority"]).value

    def custom_values(self) -> dict:
        values = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(CUSTOM_PREFIX + definition.key)
            if value not in (None, ""):
                values[definition.key] = (
                    str(value) if definition.field_type == FieldType.NUMBER else value
                )
        return values

    def service_data(self) -> dict:
        """Cleaned values keyed like the task's fields."""
        data = {
            name: self.cleaned_data[name]
            for name in (
                "title",
                "project",
                "description",
                "status",
                "priority",
                "due_date",
                "assignee",
            )
            if name in self.fields
        }
        if self.definitions:
            data["custom_fields"] = self.custom_values()
        return data

    def add_service_error(self, error: ValidationError) -> None:
        """Show the service's errors next to the matching field (custom-field errors on top)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error)

    @classmethod
    def initial_for(cls, task: Task) -> dict:
        initial = {
            "title": task.title,
            "project": task.project_id,
            "description": task.description,
            "status": task.status,
            "priority": task.priority_key,
            "due_date": task.due_date,
            "assignee": task.assignee_id,
            "version": task.updated_at,
        }
        for key, value in (task.custom_fields or {}).items():
            initial[CUSTOM_PREFIX + key] = value
        return initial


INLINE_FIELDS = ("title", "status", "priority", "due_date", "assignee")


class InlineTaskForm(TaskForm):
    """One field of a task, edited in place (list rows and the detail page)."""

    def __init__(self, *args, field: str, **kwargs):
        self.field = field
        super().__init__(*args, **kwargs)
        self.fields = {name: self.fields[name] for name in (field, "version")}
        self.definitions = []

    def shown_fields(self):
        return (self.field, "version")

    def _definitions(self, project):
        return []
