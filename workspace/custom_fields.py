"""Validation of the values a task stores for its project's custom fields."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    DecimalField,
    F,
    Func,
    IntegerField,
    JSONField,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Collate, Upper
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual

from workspace.models import CustomField, FieldType

TEXT_MAX_LENGTH = 500
NUMBER_LIMIT = 10**15


def _storable(text: str) -> bool:
    """PostgreSQL's JSON refuses NUL characters and unpaired surrogates."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _coerce(field: CustomField, value):
    """Return the JSON value to store, or raise ValueError with a message for the user."""
    if field.field_type == FieldType.TEXT:
        if not isinstance(value, str) or not _storable(value):
            raise ValueError("Enter text.")
        value = value.strip()
        if len(value) > TEXT_MAX_LENGTH:
            raise ValueError(f"Keep it under {TEXT_MAX_LENGTH} characters.")
        return value
    if field.field_type == FieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("Enter a number.")
        if isinstance(value, int) and abs(value) >= NUMBER_LIMIT:
            raise ValueError("Enter a number.")
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValueError("Enter a number.") from None
        # adjusted(): the exponent of the leading digit, safe even for 1e999999999.
        if not number.is_finite() or (number != 0 and number.adjusted() >= 15):
            raise ValueError("Enter a number.")
        return int(number) if number == number.to_integral_value() else float(number)
    if field.field_type == FieldType.DATE:
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValueError("Enter a valid date.") from None
    if not isinstance(value, str) or value not in field.options:
        raise ValueError("Select one of the options.")
    return value


def clean_custom_values(definitions: list[CustomField], values) -> dict:
    """Validate ``values`` (``{key: value}``) against the project's field definitions.

    Raises a ``ValidationError`` on ``custom_fields`` naming each field that is wrong. Empty
    values are dropped; unknown keys are refused.
    """
    if not isinstance(values, dict):
        raise ValidationError(
            {"custom_fields": "Custom fields must be a mapping of field to value."}
        )
    by_key = {field.key: field for field in definitions}
    problems = [f"Unknown field “{key}”." for key in values if key not in by_key]
    cleaned = {}
    for key, field in by_key.items():
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                problems.append(f"{field.name}: this field is required.")
            continue
        try:
            cleaned[key] = _coerce(field, value)
        except ValueError as error:
            problems.append(f"{field.name}: {error}")
    if problems:
        raise ValidationError({"custom_fields": problems})
    return cleaned


def clean_custom_value(field: CustomField, value):
    """One field's value as it is stored (an import's cell, say); ``ValueError`` with a message
    for the user when it does not fit the field."""
    return _coerce(field, value)


# Reading, filtering and sorting by a field's values (the project list's custom-field columns,
# filters and sort keys). ``custom_fields -> 'key'`` is spelled out rather than written as a
# Django key lookup: a key made of digits would be read as an array index there.


class FieldValue(Func):
    """``custom_fields -> 'key'``: the stored JSON value (decoded by the JSON field)."""

    arg_joiner = " -> "
    template = "(%(expressions)s)"
    output_field = JSONField()

    def __init__(self, key: str):
        super().__init__(F("custom_fields"), Value(key))


class FieldText(Func):
    """``custom_fields ->> 'key'``: the stored value as text."""

    arg_joiner = " ->> "
    template = "(%(expressions)s)"
    output_field = TextField()

    def __init__(self, key: str):
        super().__init__(F("custom_fields"), Value(key))


class Numeric(Func):
    """``(expression)::numeric`` (any precision: ``Cast`` would ask for digits)."""

    template = "(%(expressions)s)::numeric"
    output_field = DecimalField()


class JsonType(Func):
    function = "jsonb_typeof"
    output_field = TextField()


def _typed(field: CustomField, json_type: str, then, output_field):
    """The value as ``then`` reads it, only where it is stored as ``json_type`` (CASE keeps the
    order: a value of another type, left by an older field of the same key, is never cast)."""
    return Case(
        When(Exact(JsonType(FieldValue(field.key)), json_type), then=then),
        default=None,
        output_field=output_field,
    )


def number_of(field: CustomField):
    return _typed(field, "number", Numeric(FieldText(field.key)), DecimalField())


def date_of(field: CustomField):
    """An ISO date as text in byte order (the order of the dates)."""
    return _typed(field, "string", Collate(FieldText(field.key), "C"), TextField())


def sort_key(field: CustomField):
    """What the list sorts by for ``field``: numbers by value, dates in date order, text
    case-insensitively, choices in the order of the field's options."""
    if field.field_type == FieldType.NUMBER:
        return number_of(field)
    if field.field_type == FieldType.DATE:
        return date_of(field)
    if field.field_type == FieldType.CHOICE:
        return Case(
            *(
                When(Exact(FieldText(field.key), option), then=Value(position))
                for position, option in enumerate(field.options)
            ),
            default=None,
            output_field=IntegerField(),
        )
    return Upper(FieldText(field.key))


def filter_equal(queryset, field: CustomField, value: str):
    """Tasks whose value is ``value``: a choice exactly, text whatever its case."""
    if field.field_type == FieldType.TEXT:
        return queryset.filter(Exact(Upper(FieldText(field.key)), value.upper()))
    return queryset.filter(Exact(FieldText(field.key), value))


def filter_range(queryset, field: CustomField, low=None, high=None):
    """Tasks whose number or date is within ``low``..``high`` (either may be None), both ends
    included. ``low`` / ``high`` as ``clean_custom_value`` returns them."""
    if field.field_type == FieldType.NUMBER:
        value, cast = number_of(field), lambda bound: Decimal(str(bound))
    else:
        value, cast = date_of(field), str
    if low is not None:
        queryset = queryset.filter(GreaterThanOrEqual(value, cast(low)))
    if high is not None:
        queryset = queryset.filter(LessThanOrEqual(value, cast(high)))
    return queryset
