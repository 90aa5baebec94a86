"""The live event stream (/o/<org>/events/), its polling fallback and what services publish."""

import asyncio
import contextlib
import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from django.urls import reverse

from workspace import broker as brokers
from workspace.services.comments import comment_create
from workspace.services.inbox import inbox_mark_all_read
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    InboxItemFactory,
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def async_client_for(client, membership) -> AsyncClient:
    client.force_login(membership.user)
    async_client = AsyncClient()
    async_client.cookies = client.cookies
    return async_client


def events_in(text: str) -> list[dict]:
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def listen(async_client, path, *, then=None, until=None, headers=None, seconds=3.0):
    """Open the stream, run ``then()`` once it is connected, read until ``until(text)`` (or
    ``seconds``), then drop the connection as a browser would; returns the text received."""

    async def run():
        parts = []
        connected = asyncio.Event()

        async def read():
            # All in one task, as Django's handler does: a disconnect cancels it where it waits.
            response = await async_client.get(path, headers=headers or {})
            assert response.status_code == 200, response
            assert response["Content-Type"] == "text/event-stream"
            async for chunk in response.streaming_content:
                parts.append(chunk.decode())
                connected.set()

        reader = asyncio.create_task(read())
        try:
            await asyncio.wait_for(connected.wait(), 5)
            if then is not None:
                await asyncio.to_thread(then)
            deadline = asyncio.get_running_loop().time() + seconds
            while asyncio.get_running_loop().time() < deadline:
                if until is not None and until("".join(parts)):
                    break
                if reader.done():
                    reader.result()  # raises what went wrong
                await asyncio.sleep(0.02)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        return "".join(parts)

    return async_to_sync(run)()


@pytest.fixture
def project(organization):
    with organization_scope(organization):
        return ProjectFactory(organization=organization, name="Website")


def events_path(organization) -> str:
    return reverse("web:events", kwargs={"org_slug": organization.slug})


def test_a_member_receives_the_organizations_events_without_content(
    client, organization, member, project
):
    stream = async_client_for(client, member)
    broker = brokers.get()

    text = listen(
        stream,
        events_path(organization),
        then=lambda: broker.publish(
            organization.pk, {"kind": "task", "project": project.pk, "task": 7}
        ),
        until=lambda text: "data: " in text,
    )

    assert text.startswith("retry: "), text
    assert events_in(text), text
    [event] = events_in(text)
    assert event["kind"] == "task"
    assert event["task"] == 7
    assert f"id: {event['id']}\n" in text


def test_another_organizations_member_receives_nothing(client, organization, project):
    other = MembershipFactory(organization=OrganizationFactory(slug="globex"))
    stream = async_client_for(client, other)
    broker = brokers.get()

    text = listen(
        stream,
        events_path(other.organization),
        then=lambda: broker.publish(organization.pk, {"kind": "task", "task": 1}),
        seconds=1.0,
    )

    assert events_in(text) == []


def test_inbox_events_reach_only_their_member(client, organization, member, admin):
    stream = async_client_for(client, member)
    broker = brokers.get()

    def publish():
        broker.publish(organization.pk, {"kind": "inbox", "user": admin.pk})
        broker.publish(organization.pk, {"kind": "inbox", "user": member.pk})

    text = listen(stream, events_path(organization), then=publish, until=lambda t: "data: " in t)

    assert [event["user"] for event in events_in(text)] == [member.pk]


def test_a_reconnecting_browser_gets_what_it_missed(client, organization, member):
    broker = brokers.get()
    first = broker.publish(organization.pk, {"kind": "member"})
    broker.publish(organization.pk, {"kind": "task", "task": 2})
    broker.publish(organization.pk, {"kind": "task", "task": 3})
    stream = async_client_for(client, member)

    text = listen(
        stream,
        events_path(organization),
        headers={"Last-Event-ID": str(first)},
        until=lambda t: t.count("data: ") >= 2,
    )

    assert [event.get("task") for event in events_in(text)] == [2, 3]


def test_a_reconnection_too_late_to_replay_is_told_to_reset(client, organization, member):
    broker = brokers.get()
    for number in range(brokers.BACKLOG + 5):
        broker.publish(organization.pk, {"kind": "task", "task": number})
    stream = async_client_for(client, member)

    text = listen(
        stream,
        events_path(organization),
        headers={"Last-Event-ID": "1"},
        until=lambda t: "data: " in t,
    )

    assert events_in(text)[0] == {"kind": "reset"}


def test_the_stream_sends_heartbeats(client, organization, member, settings):
    settings.LIVE_HEARTBEAT = 0.1
    stream = async_client_for(client, member)

    text = listen(stream, events_path(organization), until=lambda t: ": heartbeat" in t)

    assert ": heartbeat\n\n" in text


def test_polling_answers_304_until_something_happens(client, organization, member):
    client.force_login(member.user)
    broker = brokers.get()
    last = broker.publish(organization.pk, {"kind": "member"})
    path = events_path(organization)

    first = client.get(path, {"poll": last})
    unchanged = client.get(path, {"poll": last}, headers={"If-None-Match": first["ETag"]})
    broker.publish(organization.pk, {"kind": "task", "task": 9})
    changed = client.get(path, {"poll": last}, headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200
    assert first.json() == {"last": last, "events": []}
    assert unchanged.status_code == 304
    assert changed.status_code == 200
    assert [event["task"] for event in changed.json()["events"]] == [9]
    assert changed["ETag"] != first["ETag"]


def test_services_publish_ids_after_commit(
    organization, admin, member, project, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    broker = brokers.get()
    monkeypatch.setattr(broker, "publish", lambda org, event: published.append((org, event)))
    with organization_scope(organization):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            task = task_create(
                organization=organization, actor=admin, project=project, title="Secret plan"
            )
        assert published == []  # nothing before the commit
        for callback in callbacks:
            callback()
        published.clear()
        with django_capture_on_commit_callbacks(execute=True):
            task_update(task=task, actor=admin, data={"assignee": member})
            comment_create(task=task, actor=admin, body="Hello @nobody")

    kinds = {(event["kind"], event.get("task"), event.get("user")) for _, event in published}
    assert ("task", task.number, None) in kinds
    assert ("comment", task.number, None) in kinds
    assert ("inbox", None, member.pk) in kinds
    assert all(org == organization.pk for org, _ in published)
    assert "Secret" not in json.dumps([event for _, event in published])


def test_reading_the_inbox_publishes_to_its_member(
    organization, member, django_capture_on_commit_callbacks, monkeypatch
):
    published = []
    monkeypatch.setattr(brokers.get(), "publish", lambda org, event: published.append(event))
    with organization_scope(organization):
        InboxItemFactory(recipient=member, task=TaskFactory(project__organization=organization))
        with django_capture_on_commit_callbacks(execute=True):
            inbox_mark_all_read(actor=member)

    assert {"kind": "inbox", "user": member.pk} in published


def test_through_wsgi_the_stream_sends_the_browser_to_polling(client, organization, member):
    """A WSGI server would give each open stream a thread: it answers 204 (EventSource stops
    reconnecting) and the page polls."""
    client.force_login(member.user)

    response = client.get(events_path(organization))

    assert response.status_code == 204


def test_the_task_page_says_who_else_has_it_open(client, organization, member, admin, project):
    with organization_scope(organization):
        task = TaskFactory(project=project)
    broker = brokers.get()
    async_to_sync(broker.presence_touch)(organization.pk, task.number, admin.pk)
    async_to_sync(broker.presence_touch)(organization.pk, task.number, member.pk)
    client.force_login(member.user)
    viewers = reverse(
        "web:task-viewers", kwargs={"org_slug": organization.slug, "number": task.number}
    )

    page = client.get(
        reverse("web:task-detail", kwargs={"org_slug": organization.slug, "number": task.number})
    )
    fragment = client.get(viewers, headers={"HX-Request": "true"})

    assert "Adam Admin is viewing" in page.content.decode()
    assert "Mia Member" not in fragment.content.decode()  # not oneself
    assert "Adam Admin is viewing" in fragment.content.decode()
    assert client.get(viewers).status_code == 204  # only for the page's own requests
