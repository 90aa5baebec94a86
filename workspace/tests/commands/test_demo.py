import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from workspace.models import Membership
from workspace.tenancy import organization_scope


@pytest.mark.django_db
def test_demo_prints_credentials_that_sign_in_to_the_demo_organization(client):
    out = StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=StringIO())  # idempotent: a second run still works

    email = re.search(r"e-mail:\s+(\S+)", out.getvalue()).group(1)
    password = re.search(r"password:\s+(\S+)", out.getvalue()).group(1)
    response = client.post(
        reverse("account_login"), {"login": email, "password": password}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/o/demo/"
    with organization_scope(response.context["organization"]):
        assert Membership.objects.count() == 4
