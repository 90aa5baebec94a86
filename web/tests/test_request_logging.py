import io
import json
import logging
import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from project.logging import JsonFormatter, RequestIdFilter
from web.middleware import RequestIdMiddleware


@pytest.fixture
def json_log():
    """Capture what the production handler would write for the whole logging tree."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_access_line_carries_request_id_method_path_status_duration_and_user(
    user_client, user, json_log
):
    response = user_client.get(reverse("web:profile"), HTTP_X_REQUEST_ID="req-123")

    assert response["X-Request-ID"] == "req-123"
    access = [line for line in json_log() if line["logger"] == "tandem.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-123"
    assert line["method"] == "GET"
    assert line["path"] == "/accounts/profile/"
    assert line["status"] == 200
    assert line["user_id"] == user.pk
    assert line["duration_ms"] >= 0


@pytest.mark.django_db
def test_request_id_is_generated_when_missing_or_unsafe(client, json_log):
    response = client.get(reverse("web:healthz"), HTTP_X_REQUEST_ID="bad id\nwith newline")

    generated = response["X-Request-ID"]
    assert len(generated) == 32
    assert "\n" not in generated
    assert json_log()[-1]["request_id"] == generated
    assert json_log()[-1]["user_id"] is None


def test_every_line_of_a_request_carries_its_id(json_log):
    logger = logging.getLogger("web.tests")

    def view_logging(request):
        logger.warning("inside the view")
        return HttpResponse("ok")

    middleware = RequestIdMiddleware(view_logging)
    middleware(RequestFactory().get("/x", HTTP_X_REQUEST_ID="abc"))

    lines = json_log()
    assert [line["request_id"] for line in lines] == ["abc", "abc"]
    assert lines[0]["message"] == "inside the view"
    assert lines[0]["level"] == "WARNING"


def test_json_formatter_includes_exceptions():
    formatter = JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    payload = json.loads(formatter.format(record))

    assert payload["message"] == "failed"
    assert "ValueError: boom" in payload["exception"]
    assert payload["request_id"] == "-"
