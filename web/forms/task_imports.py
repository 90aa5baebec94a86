from django import forms

from workspace.models import Priority, TaskStatus
from workspace.task_import import presets
from workspace.task_import.reading import MAX_BYTES, MAX_ROWS
from workspace.task_import.rows import NEW_FIELD
from workspace.task_import.values import priority_of, status_of

NEW_PROJECT = "new"
ACCEPT = ".csv,.txt,.tsv,.xlsx,.json,text/csv,application/json"


class TaskImportUploadForm(forms.Form):
    file = forms.FileField(
        label="File to import",
        help_text=(
            f"CSV (any encoding, commas, semicolons or tabs), Excel (.xlsx) or a Trello board's "
            f"JSON export; up to {MAX_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} rows. Exports of "
            "Jira, Asana and Linear are recognised."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        return upload


class TaskImportMappingForm(forms.Form):
    """One choice per column of the file, the project, what to do with errors and with rows
    imported before, and, for the values found in the status and priority columns, which of
    ours each one is."""

    project = forms.ChoiceField(label="Import into")
    new_project = forms.CharField(label="New project's name", max_length=80, required=False)
    skip_existing = forms.BooleanField(
        label="Skip tasks imported before (by their ID in the file)", required=False
    )
    valid_only = forms.TypedChoiceField(
        label="Rows with errors",
        choices=[("", "Import nothing until every row is valid"), ("1", "Import the valid rows")],
        coerce=bool,
        empty_value=False,
        required=False,
        widget=forms.RadioSelect,
    )
    day_first = forms.BooleanField(
        label="Numeric dates are written day first (31/12/2026)", required=False
    )

    def __init__(self, *args, headers, samples, projects, status_values, priority_values,
                 custom_fields=(), **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.fields["project"].choices = [
            *((str(pk), name) for pk, name in projects),
            (NEW_PROJECT, "A new project…"),
        ]
        options = [
            (presets.IGNORE, "Don't import"),
            *presets.FIELDS.items(),
            (NEW_FIELD, "A new custom field, named as the column"),
            *custom_fields,
        ]
        self.columns = []
        for index, header in enumerate(headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header,
                choices=options,
                required=False,
                widget=forms.Select(attrs={"class": "input"}),
            )
            self.columns.append((self[name], samples[index]))
        self.statuses = self._values("status", status_values, TaskStatus.choices, status_of)
        self.priorities = self._values(
            "priority", priority_values, [(str(v), label) for v, label in Priority.choices],
            lambda text: str(priority_of(text) or ""),
        )  # fmt: skip

    def _values(self, kind, found, choices, guess):
        bound = []
        for index, value in enumerate(found):
            name = f"{kind}_{index}"
            self.fields[name] = forms.ChoiceField(
                label=value,
                choices=choices,
                required=False,
                initial=guess(value) or choices[0][0],
                widget=forms.Select(attrs={"class": "input"}),
            )
            bound.append(self[name])
        return bound

    def clean(self):
        data = super().clean()
        if data.get("project") == NEW_PROJECT and not (data.get("new_project") or "").strip():
            self.add_error("new_project", "Name the new project.")
        return data

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{i}") or "" for i in range(len(self.headers))]

    def chosen(self, kind: str, found: list[str]) -> dict:
        return {
            value: self.cleaned_data.get(f"{kind}_{index}")
            for index, value in enumerate(found)
            if self.cleaned_data.get(f"{kind}_{index}")
        }
