from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from workspace.models import (
    CustomField,
    FieldType,
    Membership,
    Priority,
    Project,
    Task,
    TaskStatus,
    version_from_token,
    version_token,
)
from workspace.services.tasks import DUE_DATE_MAX, DUE_DATE_MIN, TITLE_MIN_LENGTH

CUSTOM_PREFIX = "cf_"


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, membership: Membership) -> str:
        return membership.user.display_name


OUT_OF_DATE = "This form is out of date: reload the page."


def parse_version(value) -> datetime:
    """The version an editor sent back (``Task.version``); a missing or garbled one is refused,
    never taken as "no check"."""
    try:
        return version_from_token(value if isinstance(value, str) else "")
    except ValueError:
        raise ValidationError(OUT_OF_DATE, code="version") from None


class VersionField(forms.CharField):
    """The ``updated_at`` the editor saw, round-tripped exactly (microseconds and offset)."""

    widget = forms.HiddenInput

    def prepare_value(self, value):
        return version_token(value) if isinstance(value, datetime) else value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        return parse_version(value)


def custom_form_field(definition: CustomField) -> forms.Field:
    # Members name these fields: the label is text (templates/tailwind/ escapes it).
    common = {"label": definition.name, "required": definition.required}
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
    due_date = forms.DateField(
        required=False,
        widget=forms.DateInput(
            attrs={
                "type": "date",
                "min": f"{DUE_DATE_MIN:%Y-%m-%d}",
                "max": f"{DUE_DATE_MAX:%Y-%m-%d}",
            }
        ),
    )
    assignee = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="Unassigned"
    )
    version = VersionField(required=False)

    def __init__(
        self,
        *args,
        organization,
        members,
        project: Project | None = None,
        remember_initial: bool = False,
        **kwargs,
    ):
        """``members``: the organization's members, or a callable returning them (loaded only
        when the assignee field is shown). ``remember_initial``: the form carries the values it
        was opened with (hidden ``initial-*`` inputs), so ``changed_data`` names the fields the
        user changed, whatever happened to the task meanwhile."""
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(organization=organization).active()
        # The field validates against the organization; its labels come from the members the
        # view loaded once.
        self.fields["assignee"].queryset = Membership.objects.filter(organization=organization)
        self.initials: dict[str, str] = {}
        if "assignee" in self.shown_fields():
            members = members() if callable(members) else members
            self.fields["assignee"].choices = [
                ("", "Unassigned"),
                *((m.pk, m.user.display_name) for m in members),
            ]
            self.initials = {str(m.pk): m.user.initials for m in members}
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
        if remember_initial:
            for name, field in self.fields.items():
                field.show_hidden_initial = name != "version"

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

    def changed_service_data(self) -> dict:
        """``service_data`` for the fields the user changed (see ``remember_initial``)."""
        changed = set(self.changed_data)
        data = {name: value for name, value in self.service_data().items() if name in changed}
        custom_changed = any(name.startswith(CUSTOM_PREFIX) for name in changed)
        if self.definitions and (custom_changed or "project" in changed):
            data["custom_fields"] = self.custom_values()
        return data

    def rebase(self, task: Task) -> None:
        """After a conflict: keep what the user changed, show everything else as ``task`` has it
        now, and carry ``task``'s version, so that saving again keeps the user's values."""
        changed = set(self.changed_data)
        current = self.initial_for(task)
        data = self.data.copy()
        for name, field in self.fields.items():
            if name == "version":
                continue
            value = field.prepare_value(current.get(name))
            value = "" if value is None else str(value)
            if name not in changed:
                data[self.add_prefix(name)] = value
                data[self.add_initial_prefix(name)] = value
        data[self.add_prefix("version")] = task.version
        self.initial = current
        self.data = data
        self._errors = None
        self.full_clean()

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


MENU_FIELDS = ("status", "priority", "assignee")
# Each choice of a menu looks like the value it sets (see static/src/tandem.css).
MENU_STYLES = {"status": "s-{}", "priority": "p-{}"}


class InlineTaskForm(TaskForm):
    """One field of a task, edited where it is shown (list rows, cards, the task page)."""

    def __init__(self, *args, field: str, **kwargs):
        self.field = field
        super().__init__(*args, **kwargs)
        self.fields = {name: self.fields[name] for name in (field, "version")}
        self.definitions = []

    def menu(self) -> list[dict]:
        """The field's choices as the editor's menu (the value the form holds checked), or []
        for fields typed in (title, due date)."""
        if self.field not in MENU_FIELDS:
            return []
        current = str(self[self.field].value() or "")
        style = MENU_STYLES.get(self.field, "")
        return [
            {
                "value": value,
                "label": label,
                "checked": str(value) == current,
                "css": style.format(value) if style else "",
                "initials": self.initials.get(str(value), ""),
            }
            for value, label in self.fields[self.field].choices
        ]

    def shown_fields(self):
        return (self.field, "version")

    def _definitions(self, project):
        return []
