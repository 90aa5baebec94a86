import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from workspace.integrity import ATTEMPTS, Taken, unless_taken, with_fresh_value
from workspace.models import Organization
from workspace.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_a_violation_of_a_value_that_is_not_taken_is_not_hidden():
    OrganizationFactory(slug="acme")

    with pytest.raises(IntegrityError), unless_taken(lambda: False):
        Organization.objects.create(name="Acme", slug="acme")


def test_a_taken_value_raises_the_form_error_and_the_transaction_goes_on():
    OrganizationFactory(slug="acme")
    error = ValidationError({"slug": "This address is already taken."})

    with pytest.raises(ValidationError) as raised, unless_taken(lambda: True, error):
        Organization.objects.create(name="Acme", slug="acme")

    assert raised.value is error
    assert Organization.objects.count() == 1  # the savepoint rolled back, nothing else


def test_giving_up_after_the_attempts_with_the_error():
    calls = []

    def always_taken():
        calls.append(1)
        raise Taken

    with pytest.raises(ValidationError, match="retry"):
        with_fresh_value(always_taken, ValidationError("Busy: retry."))

    assert len(calls) == ATTEMPTS
