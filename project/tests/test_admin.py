import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory
from project.tests.conftest import run_manage

pytestmark = pytest.mark.django_db


def test_admin_is_served_at_admin_url_to_staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(f"/{settings.ADMIN_URL}").status_code == 200
    assert client.get("/admin/").status_code == 404


def test_admin_refuses_non_staff(client):
    client.force_login(UserFactory())

    response = client.get(f"/{settings.ADMIN_URL}")

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_admin_is_not_mounted_without_admin_url(production_env):
    env = {**production_env, "DJANGO_ADMIN_URL": ""}
    probe = (
        "from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/admin/')\nexcept Resolver404:\n    print('not mounted')\n"
    )

    result = run_manage("shell", "--verbosity", "0", "-c", probe, env=env)

    assert result.stdout.strip() == "not mounted", result.stderr
