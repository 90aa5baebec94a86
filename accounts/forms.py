from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from .models import User


class SignupForm(AllauthSignupForm):
    """Allauth's sign-up form with the display name first."""

    name = forms.CharField(
        label="Your name",
        max_length=User._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name", "placeholder": "Ada Lovelace"}),
    )

    field_order = ["name", "email", "password1", "password2"]

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class ProfileForm(forms.Form):
    name = forms.CharField(
        label="Display name",
        max_length=User._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="Shown to your teammates on tasks, comments and member lists.",
    )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())
