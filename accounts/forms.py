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


class EmailPreferencesForm(forms.Form):
    notify_by_email = forms.BooleanField(
        required=False,
        label=User._meta.get_field("notify_by_email").verbose_name.capitalize(),
        help_text=User._meta.get_field("notify_by_email").help_text,
    )
    receive_digest = forms.BooleanField(
        required=False,
        label=User._meta.get_field("receive_digest").verbose_name.capitalize(),
        help_text=User._meta.get_field("receive_digest").help_text,
    )


class ProfileForm(forms.Form):
    name = forms.CharField(
        label="Display name",
        max_length=User._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text="Shown to your teammates on tasks, comments and member lists.",
    )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To make sure it is you.",
    )
