"""Hostile JSON in custom fields, fed straight to the validator and to the task services.

The web form only sends strings, but ``task_create``/``task_update`` take any ``custom_fields``
(imports, the API, jobs). Whatever they get, they either store a clean value of the field's type
or raise ``ValidationError``: never another exception, never a value the database refuses.
"""

import json
import math
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from workspace.custom_fields import TEXT_MAX_LENGTH, clean_custom_values
from workspace.models import CustomField, FieldType, Task
from workspace.services.tasks import task_create, task_update
from workspace.tests.factories import CustomFieldFactory, ProjectFactory, TaskFactory

NOTES = CustomField(name="Notes", key="notes", field_type=FieldType.TEXT)
POINTS = CustomField(name="Points", key="points", field_type=FieldType.NUMBER)
LAUNCH = CustomField(name="Launch", key="launch", field_type=FieldType.DATE)
SIZE = CustomField(name="Size", key="size", field_type=FieldType.CHOICE, options=["S", "M", "L"])
DEFINITIONS = [NOTES, POINTS, LAUNCH, SIZE]
KEYS = [d.key for d in DEFINITIONS]

HYPOTHESIS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SHARP_STRINGS = [
    "",
    " ",
    "NaN",
    "-Infinity",
    "sNaN",
    "1e309",
    "1e999999999",
    "-1e999999999",
    "1e-999999999",
    "-0",
    "1_000",
    "0x10",
    "²",
    "\uff11\uff12",  # full-width digits
    "9" * 4000,
    "2026-02-30",
    "99999-01-01",
    "0001-01-01",
    "20260101",
    "2026-01-01T10:00",
    "S",
    "s",
    " S ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * (TEXT_MAX_LENGTH + 1),
]
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**14, max_value=10**400),
    st.floats(),  # NaN and infinities included
    st.decimals(),  # sNaN, NaN and infinities included
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30),
    st.sampled_from(SHARP_STRINGS),
    st.dates().map(date.isoformat),
)
# Anything json.loads (or a careless caller) can produce: nested lists and objects included.
JSON = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
# A custom_fields argument: usually a mapping of (mostly known) keys, sometimes not a mapping.
CUSTOM_FIELDS = st.one_of(
    st.dictionaries(st.sampled_from([*KEYS, "unknown", "secret", ""]), JSON, max_size=5),
    st.dictionaries(st.sampled_from(KEYS), LEAVES, min_size=1, max_size=4),
    JSON,
)


def assert_clean(definitions, cleaned: dict) -> None:
    """What the validator returns is storable JSON of each field's type."""
    by_key = {d.key: d for d in definitions}
    json.dumps(cleaned, allow_nan=False)  # no NaN or infinity reaches the database
    for key, value in cleaned.items():
        field = by_key[key]
        if field.field_type == FieldType.TEXT:
            assert isinstance(value, str)
            assert 0 < len(value) <= TEXT_MAX_LENGTH
        elif field.field_type == FieldType.NUMBER:
            assert type(value) in (int, float)
            assert math.isfinite(value)
            assert abs(value) < 10**15
        elif field.field_type == FieldType.DATE:
            assert date.fromisoformat(value).isoformat() == value
        else:
            assert value in field.options


@HYPOTHESIS
@given(values=CUSTOM_FIELDS)
def test_the_validator_cleans_or_refuses_any_json(values):
    try:
        cleaned, refused = clean_custom_values(DEFINITIONS, values), None
    except ValidationError as error:
        cleaned, refused = None, error
    if refused is not None:
        assert list(refused.message_dict) == ["custom_fields"]
    else:
        assert_clean(DEFINITIONS, cleaned)


SHARP_VALUES = [
    *SHARP_STRINGS,
    None,
    True,
    0,
    -(10**15),
    10**400,
    1e308,
    float("inf"),
    float("nan"),
    Decimal("sNaN"),
    Decimal("1e999999999"),
    Decimal("-1e-999999999"),
    [],
    {},
    ["S"],
    {"S": "S"},
    [[[]]],
]


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.field_type)
def test_each_field_type_cleans_or_refuses_each_sharp_value(definition):
    """Every value of ``SHARP_VALUES`` for every field type: all failures reported together."""
    failures = []
    for value in SHARP_VALUES:
        try:
            assert_clean([definition], clean_custom_values([definition], {definition.key: value}))
        except ValidationError:
            pass
        except Exception as error:  # noqa: BLE001 - collect them all, then fail
            failures.append(f"{str(value)[:40]!r}: {type(error).__name__}: {error}"[:200])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "value",
    [
        10**5000,  # more digits than int -> str allows (4300 by default)
        -(10**5000),
        float("nan"),
        Decimal("sNaN"),
        Decimal("-Infinity"),
        Decimal("1e999999999"),
        [1, 2],
        {"value": 1},
        [[[[]]]],
        True,
        b"42",
        object(),
    ],
    ids=lambda value: (
        "huge int"
        if isinstance(value, int) and abs(value) > 10**100
        else type(value).__name__
        if type(value) is object
        else repr(value)
    ),
)
def test_a_number_field_refuses_values_that_are_not_numbers(value):
    with pytest.raises(ValidationError):
        clean_custom_values([POINTS], {"points": value})


@pytest.mark.parametrize(
    "values", [[], ["notes"], "notes", 42, True, 1.5, ("notes", "x")], ids=repr
)
def test_custom_fields_must_be_a_mapping(values):
    with pytest.raises(ValidationError) as error:
        clean_custom_values(DEFINITIONS, values)
    assert list(error.value.message_dict) == ["custom_fields"]


# --- Through the services, into PostgreSQL ----------------------------------------------------


@pytest.fixture
def project(in_org, member):
    project = ProjectFactory(organization=in_org, name="Apollo", slug="apollo")
    CustomFieldFactory(project=project, name="Notes", key="notes")
    CustomFieldFactory(project=project, name="Points", key="points", field_type=FieldType.NUMBER)
    CustomFieldFactory(project=project, name="Launch", key="launch", field_type=FieldType.DATE)
    CustomFieldFactory(
        project=project,
        name="Size",
        key="size",
        field_type=FieldType.CHOICE,
        options=["S", "M", "L"],
    )
    return project


@pytest.fixture
def task(project, member):
    return TaskFactory(project=project, created_by=member.user, custom_fields={"notes": "Hi"})


def stored(task: Task) -> dict:
    return Task.objects.values_list("custom_fields", flat=True).get(pk=task.pk)


def create(project, member, values) -> None:
    """``task_create`` with ``values``, in a savepoint that is rolled back."""
    with transaction.atomic():
        try:
            task = task_create(
                organization=project.organization,
                actor=member,
                project=project,
                title="Hostile custom fields",
                custom_fields=values,
            )
            refused = None
        except ValidationError as error:
            refused = error
        if refused is not None:
            assert "custom_fields" in refused.message_dict
        else:
            assert_clean(project.field_definitions.all(), task.custom_fields)
            assert stored(task) == task.custom_fields
        transaction.set_rollback(True)


def update(task, member, values) -> None:
    """``task_update`` with ``values``, in a savepoint that is rolled back."""
    before = stored(task)
    with transaction.atomic():
        try:
            task_update(task=task, actor=member, data={"custom_fields": values})
            refused = None
        except ValidationError as error:
            refused = error
        if refused is not None:
            assert "custom_fields" in refused.message_dict
            assert stored(task) == before
            assert task.custom_fields == before  # the instance keeps its previous values
        else:
            assert_clean(task.project.field_definitions.all(), task.custom_fields)
            assert stored(task) == task.custom_fields
        transaction.set_rollback(True)
    task.refresh_from_db()


@pytest.mark.django_db
@HYPOTHESIS
@given(values=CUSTOM_FIELDS)
def test_task_create_stores_or_refuses_any_custom_fields(project, member, values):
    create(project, member, values)


@pytest.mark.django_db
@HYPOTHESIS
@given(values=CUSTOM_FIELDS)
def test_task_update_stores_or_refuses_any_custom_fields(task, member, values):
    update(task, member, values)


# Strings PostgreSQL cannot store in JSON: NUL (``\u0000`` is refused by jsonb) and unpaired
# surrogates (json.loads makes them from "\ud800"; they are not valid Unicode).
UNSTORABLE = ["\x00", "a\x00b", "\x00<script>alert(1)</script>", "\ud800", "x\udfffy"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", UNSTORABLE, ids=repr)
def test_task_create_refuses_text_the_database_cannot_store(project, member, text):
    create(project, member, {"notes": text})


@pytest.mark.django_db
@pytest.mark.parametrize("text", UNSTORABLE, ids=repr)
def test_task_update_refuses_text_the_database_cannot_store(task, member, text):
    update(task, member, {"notes": text})
