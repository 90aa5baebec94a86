import pytest
from django.db import connection
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_reports_ok_when_database_and_cache_answer(client):
    response = client.get(reverse("web:healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_healthz_names_the_database_when_it_is_unreachable(client, free_port):
    """A real failure: point the connection at a port where no PostgreSQL listens."""
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(PORT=free_port, HOST="127.0.0.1")
    try:
        response = client.get(reverse("web:healthz"))
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"].startswith("error")
    assert body["cache"] == "ok"


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post(reverse("web:healthz")).status_code == 405


@pytest.mark.django_db
def test_healthz_fails_when_the_cache_drops_what_it_stores(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

    response = client.get(reverse("web:healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error: RuntimeError"}
