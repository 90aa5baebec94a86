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
