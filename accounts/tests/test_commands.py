import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse


@pytest.mark.django_db
def test_demo_user_command_prints_credentials_that_sign_in(client):
    out = StringIO()
    call_command("create_demo_user", stdout=out)
    call_command("create_demo_user", stdout=StringIO())  # idempotent: a second run still works

    email = re.search(r"e-mail:\s+(\S+)", out.getvalue()).group(1)
    password = re.search(r"password:\s+(\S+)", out.getvalue()).group(1)
    response = client.post(reverse("account_login"), {"login": email, "password": password})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
