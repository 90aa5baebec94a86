from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from .models import Theme, User, time_zone_names
from .preferences import BUNDLE_CHOICES, Channel, Topic


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


def time_zone_choices() -> list[tuple[str, str]]:
    """Every zone, by name (``Europe/Berlin`` reads well as it is); UTC first."""
    names = sorted(n for n in time_zone_names() if n != "UTC")
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        help_text="Dates and times on pages and in e-mails are shown in it; reminders arrive at "
        "09:00 there.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(
        label="Theme",
        choices=Theme.choices,
        widget=forms.RadioSelect,
        help_text=User._meta.get_field("theme").help_text,
    )


TOPIC_PREFIX = "topic_"


class NotificationPreferencesForm(forms.Form):
    """One choice per topic (in-app only, in-app and e-mail, off) and the bundling window."""

    email_bundle_minutes = forms.TypedChoiceField(
        label="Bundle e-mails",
        choices=BUNDLE_CHOICES,
        coerce=int,
        help_text=User._meta.get_field("email_bundle_minutes").help_text,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for topic in Topic:
            self.fields[TOPIC_PREFIX + topic.value] = forms.ChoiceField(
                label=topic.label, choices=Channel.choices
            )

    @classmethod
    def initial_for(cls, user: User) -> dict:
        initial = {"email_bundle_minutes": user.email_bundle_minutes}
        for topic in Topic:
            initial[TOPIC_PREFIX + topic.value] = user.channel(topic)
        return initial

    @property
    def topic_fields(self):
        return [self[TOPIC_PREFIX + topic.value] for topic in Topic]

    def channels(self) -> dict[str, str]:
        return {topic.value: self.cleaned_data[TOPIC_PREFIX + topic.value] for topic in Topic}
