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
