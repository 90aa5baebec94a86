from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from workspace.custom_fields import clean_custom_values
from workspace.models import CustomField, FieldType

NOTES = CustomField(name="Notes", key="notes", field_type=FieldType.TEXT)
POINTS = CustomField(name="Points", key="points", field_type=FieldType.NUMBER)
DUE = CustomField(name="Launch", key="launch", field_type=FieldType.DATE)
SIZE = CustomField(name="Size", key="size", field_type=FieldType.CHOICE, options=["S", "M", "L"])
TEAM = CustomField(name="Team", key="team", field_type=FieldType.TEXT, required=True)
ALL = [NOTES, POINTS, DUE, SIZE]


def _problems(definitions, values) -> list[str]:
    with pytest.raises(ValidationError) as error:
        clean_custom_values(definitions, values)
    assert list(error.value.message_dict) == ["custom_fields"]
    return error.value.message_dict["custom_fields"]


def test_text_is_trimmed():
    assert clean_custom_values([NOTES], {"notes": "  Ask Bob \n"}) == {"notes": "Ask Bob"}


def test_text_up_to_500_characters():
    assert clean_custom_values([NOTES], {"notes": "x" * 500}) == {"notes": "x" * 500}
    assert _problems([NOTES], {"notes": "x" * 501}) == ["Notes: Keep it under 500 characters."]


@pytest.mark.parametrize("value", [5, ["a"], {"a": 1}, True])
def test_text_must_be_a_string(value):
    assert _problems([NOTES], {"notes": value}) == ["Notes: Enter text."]


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (3, 3),
        (0, 0),
        (-4, -4),
        (2.5, 2.5),
        ("42", 42),
        (" 7.25 ", 7.25),
        ("2.0", 2),
        (Decimal("1.50"), 1.5),
        (Decimal("12"), 12),
        (999_999_999_999_999, 999_999_999_999_999),
    ],
)
def test_numbers(value, stored):
    cleaned = clean_custom_values([POINTS], {"points": value})

    assert cleaned == {"points": stored}
    assert type(cleaned["points"]) is type(stored)


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        "abc",
        "1,5",
        float("nan"),
        float("inf"),
        "NaN",
        "Infinity",
        "-inf",
        Decimal("NaN"),
        1e20,
        "1e20",
        10**15,
        [1],
        {"value": 1},
        date(2026, 1, 1),
    ],
)
def test_not_numbers(value):
    assert _problems([POINTS], {"points": value}) == ["Points: Enter a number."]


@pytest.mark.parametrize("value", [date(2026, 3, 1), "2026-03-01", "20260301"])
def test_dates_are_stored_as_iso_strings(value):
    assert clean_custom_values([DUE], {"launch": value}) == {"launch": "2026-03-01"}


@pytest.mark.parametrize("value", ["2026-13-01", "2026-02-30", "01/03/2026", "soon", 123, [1]])
def test_invalid_dates(value):
    assert _problems([DUE], {"launch": value}) == ["Launch: Enter a valid date."]


def test_choice_must_be_one_of_the_options():
    assert clean_custom_values([SIZE], {"size": "M"}) == {"size": "M"}


@pytest.mark.parametrize("value", ["XL", "m", " M", 1, ["M"]])
def test_other_choices_are_refused(value):
    assert _problems([SIZE], {"size": value}) == ["Size: Select one of the options."]


@pytest.mark.parametrize("values", [{}, {"team": None}, {"team": "   "}])
def test_required_field_needs_a_value(values):
    assert _problems([TEAM], values) == ["Team: this field is required."]


def test_empty_values_are_dropped():
    values = {"notes": "  ", "points": None, "launch": "", "size": None}

    assert clean_custom_values(ALL, values) == {}


def test_unknown_keys_are_refused():
    assert _problems(ALL, {"colour": "red", "size": "S"}) == ["Unknown field “colour”."]


def test_every_problem_is_reported():
    values = {"colour": "red", "points": "many", "size": "XL"}

    assert _problems([*ALL, TEAM], values) == [
        "Unknown field “colour”.",
        "Points: Enter a number.",
        "Size: Select one of the options.",
        "Team: this field is required.",
    ]


@pytest.mark.parametrize("values", [None, [], ["points"], "points=3"])
def test_values_must_be_a_mapping(values):
    assert _problems(ALL, values) == ["Custom fields must be a mapping of field to value."]


def test_valid_values_of_every_type():
    values = {"notes": " hi ", "points": "3", "launch": date(2026, 3, 1), "size": "L"}

    assert clean_custom_values(ALL, values) == {
        "notes": "hi",
        "points": 3,
        "launch": "2026-03-01",
        "size": "L",
    }
