from django import forms

from workspace import permissions
from workspace.models import Membership, Organization
from workspace.timezones import time_zone_names


def _collapse_spaces(value: str) -> str:
    return " ".join(value.split())


class OrganizationNameForm(forms.Form):
    name = forms.CharField(
        label="Organization name",
        max_length=Organization._meta.get_field("name").max_length,
        help_text="Usually your company or team name.",
    )

    def clean_name(self) -> str:
        return _collapse_spaces(self.cleaned_data["name"])


class OrganizationSlugForm(forms.Form):
    slug = forms.SlugField(
        label="Address",
        max_length=Organization._meta.get_field("slug").max_length,
        help_text="Used in links: /o/<address>/. Old links keep working for members.",
    )

    def clean_slug(self) -> str:
        return self.cleaned_data["slug"].lower()


class OrganizationTimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Days and weeks (Monday to Sunday) begin at midnight here: insights, digests.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in time_zone_names()]


class RoleChoiceMixin:
    def _limit_roles(self, actor: Membership) -> None:
        allowed = permissions.assignable_roles(actor)
        self.fields["role"].choices = [(role.value, role.label) for role in allowed]


class InvitationForm(RoleChoiceMixin, forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"placeholder": "colleague@example.com"}),
    )
    role = forms.ChoiceField(label="Role")

    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_roles(actor)


class MemberRoleForm(RoleChoiceMixin, forms.Form):
    role = forms.ChoiceField(
        label="Role", widget=forms.Select(attrs={"class": "input w-auto py-1 pr-8"})
    )

    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_roles(actor)
