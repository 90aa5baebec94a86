"""Validation of the values a task stores for its project's custom fields."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

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
