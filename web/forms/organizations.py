from django import forms
from django.core.exceptions import ValidationError

from workspace import permissions
from workspace.models import Membership, Organization
from workspace.services.organizations import check_slug
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
        help_text="Used in links: /o/your-address/. Old links keep working for members.",
    )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        try:
            check_slug(slug)
        except ValidationError as error:
            raise ValidationError(error.message_dict["slug"]) from None
        return slug


class OrganizationDeleteForm(forms.Form):
    confirmation = forms.CharField(
        label="Type the organization's name to confirm",
        max_length=Organization._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class OrganizationImportForm(forms.Form):
    archive = forms.FileField(
        label="Export file",
        help_text="The .zip file an owner downloaded from an organization's export page.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


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
