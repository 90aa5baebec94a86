from django import forms

from web.forms.tasks import MemberChoiceField
from workspace.models import FieldType, Membership, Project


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=Project._meta.get_field("name").max_length)
    description = forms.CharField(
        required=False,
        max_length=Project._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    lead = MemberChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="No lead"
    )

    def __init__(self, *args, organization, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = Membership.objects.filter(organization=organization)
        self.fields["lead"].choices = [
            ("", "No lead"),
            *((m.pk, m.user.display_name) for m in members),
        ]


class CustomFieldForm(forms.Form):
    name = forms.CharField(max_length=60, label="Field name")
    field_type = forms.ChoiceField(choices=FieldType.choices, label="Type")
    options = forms.CharField(
        required=False,
        max_length=2000,
        label="Options",
        help_text="For choice fields: one option per line.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    required = forms.BooleanField(required=False, label="Required on every task")

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class CustomFieldEditForm(forms.Form):
    """Rename a field, make it required or not and, for a choice field, edit each option's
    text in place (its tasks follow), remove options (their tasks lose the value) or add some.
    ``pairs`` / ``added`` hold the options as ``custom_field_update`` takes them."""

    name = forms.CharField(max_length=60, label="Field name")
    required = forms.BooleanField(required=False, label="Required on every task")

    def __init__(self, *args, field, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": field.name,
                "required": field.required,
                **{f"option_{n}": option for n, option in enumerate(field.options)},
            },
        )
        super().__init__(*args, **kwargs)
        self.definition = field
        self.option_rows = []
        if field.field_type == FieldType.CHOICE:
            for n, option in enumerate(field.options):
                self.fields[f"option_{n}"] = forms.CharField(
                    max_length=100, required=False, label=f"Option {n + 1}"
                )
                self.fields[f"remove_{n}"] = forms.BooleanField(
                    required=False, label=f"Remove “{option}”"
                )
                self.option_rows.append((option, f"option_{n}", f"remove_{n}"))
            self.fields["new_options"] = forms.CharField(
                required=False,
                max_length=2000,
                label="Add options",
                help_text="One option per line.",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def clean(self):
        data = super().clean()
        self.pairs, self.added = [], []
        for option, text_name, remove_name in self.option_rows:
            if data.get(remove_name):
                self.pairs.append((option, None))
                continue
            text = (data.get(text_name) or "").strip()
            if not text:
                self.add_error(text_name, "Give the option a text, or tick Remove.")
            self.pairs.append((option, text or option))
        self.added = [
            line.strip() for line in (data.get("new_options") or "").splitlines() if line.strip()
        ]
        # Said before the consequences are (the service refuses them too).
        seen = set()
        for option in [new for _, new in self.pairs if new] + self.added:
            if option.casefold() in seen:
                self.add_error(None, f"“{option}” is listed twice: options must differ.")
                break
            seen.add(option.casefold())
        return data

    def service_data(self) -> dict:
        data = {"name": self.cleaned_data["name"], "required": self.cleaned_data["required"]}
        if self.definition.field_type == FieldType.CHOICE:
            data.update(options=self.pairs, added=self.added)
        return data
