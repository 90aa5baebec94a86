from django import forms

from workspace.models import CHECKLIST_TEXT_MAX, LABEL_NAME_MAX, LabelColour


class LabelForm(forms.Form):
    name = forms.CharField(max_length=LABEL_NAME_MAX)
    colour = forms.ChoiceField(choices=LabelColour.choices, initial=LabelColour.GREY)
    description = forms.CharField(max_length=200, required=False)


class TaskLabelsForm(forms.Form):
    """The labels a task should carry (ids among the organization's ``choices``)."""

    labels = forms.TypedMultipleChoiceField(coerce=int, required=False)
    version = forms.CharField(required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["labels"].choices = [(pk, name) for pk, name, _ in choices]


class ChecklistItemForm(forms.Form):
    text = forms.CharField(max_length=CHECKLIST_TEXT_MAX, label="New item")
    assignee = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", "Nobody"),
            *((m.pk, m.user.display_name) for m in members),
        ]


class RecurrenceForm(forms.Form):
    """How a task repeats (workspace.recurrence): the task page's "Repeat" form."""

    frequency = forms.ChoiceField(
        label="Repeat every",
        choices=[
            ("daily", "days"),
            ("weekly", "weeks"),
            ("monthly", "months"),
            ("yearly", "years"),
        ],
    )
    interval = forms.IntegerField(label="Every", min_value=1, max_value=365, initial=1)
    weekdays = forms.TypedMultipleChoiceField(
        label="On",
        coerce=int,
        required=False,
        choices=list(enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))),
        widget=forms.CheckboxSelectMultiple,
    )
    monthly = forms.ChoiceField(
        label="Monthly on",
        choices=[("day", "the same day of the month"), ("weekday", "the same weekday")],
        initial="day",
        widget=forms.RadioSelect,
    )
    ends = forms.ChoiceField(
        label="Ends",
        choices=[("never", "Never"), ("until", "On a date"), ("count", "After a number of times")],
        initial="never",
        widget=forms.RadioSelect,
    )
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    count = forms.IntegerField(required=False, min_value=1, max_value=1000, label="Times")
    trigger = forms.ChoiceField(
        label="Create the next one",
        choices=[
            ("completed", "when this one is completed"),
            ("schedule", "when its date arrives"),
        ],
        initial="completed",
        widget=forms.RadioSelect,
    )

    @classmethod
    def initial_for(cls, series) -> dict:
        if series is None or not series.active:
            return {}
        return {
            "frequency": series.frequency,
            "interval": series.interval,
            "weekdays": series.weekdays,
            "monthly": series.monthly,
            "ends": "until" if series.until else "count" if series.count else "never",
            "until": series.until,
            "count": series.count,
            "trigger": series.trigger,
        }

    def clean(self):
        data = super().clean()
        ends = data.get("ends")
        if ends == "until" and not data.get("until"):
            self.add_error("until", "Choose the last date.")
        if ends == "count" and not data.get("count"):
            self.add_error("count", "Say how many times.")
        return data

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "frequency": data["frequency"],
            "interval": data["interval"],
            "weekdays": data["weekdays"] if data["frequency"] == "weekly" else [],
            "monthly": data["monthly"] if data["frequency"] == "monthly" else "day",
            "until": data["until"] if data["ends"] == "until" else None,
            "count": data["count"] if data["ends"] == "count" else None,
            "trigger": data["trigger"],
        }
