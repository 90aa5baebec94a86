"""Live updates: the organization's event stream (Server-Sent Events) and its polling fallback.

``GET /o/<org_slug>/events/`` streams ``workspace.events`` to a signed-in member (non-members get
the tenancy 404 before this runs) as Server-Sent Events: ``id:`` is the organization's event
number, ``data:`` the event's JSON (kind and ids, never content). The stream is served
asynchronously (ASGI): an open one holds no worker thread and no database connection, only its
queue. It sends a comment every ``LIVE_HEARTBEAT`` seconds, tells the browser to reconnect after
``RETRY_MS``, ends after ``LIVE_STREAM_SECONDS`` (the browser reconnects at once, through the
tenancy checks again: a removed member stops receiving), and replays what a reconnecting browser
missed (``Last-Event-ID``), or sends ``reset`` when it cannot.

``?task=<number>`` (the task page) counts the member as viewing that task while the stream is
open (presence).

``?poll=<last id>`` answers once, as JSON, for browsers that cannot keep a stream: the events
after that id, with an ``ETag`` of the organization's last event, so that an unchanged poll is a
304 without a body.
"""

import asyncio
import json

from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse, StreamingHttpResponse
from django.views import View
from django.views.generic import TemplateView

from web.mixins import OrganizationMixin
from web.views.tasks import TaskObjectMixin, viewer_names
from workspace import broker as brokers

RETRY_MS = 2000


async def release_request_thread() -> None:
    """Give back what the request's synchronous part (the middleware) held, once it is done:
    its database connection (to the pool) and its thread. Django runs each ASGI request's
    synchronous code on a thread of its own (asgiref's ThreadSensitiveContext), kept until the
    request ends: for a stream, that would be one idle thread and one pooled connection per open
    stream. A synchronous call made later in the request (closing the response) gets a new
    thread."""
    await sync_to_async(connections.close_all)()
    context = SyncToAsync.thread_sensitive_context.get(None)
    executors = getattr(SyncToAsync, "context_to_thread_executor", None)
    if context is not None and executors is not None:
        executor = executors.pop(context, None)
        if executor is not None:
            executor.shutdown(wait=False)


def _number(value, default=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 0 <= number < 2**53 else default


def visible(event: dict, membership_id: int) -> bool:
    """Events for one member (their inbox) reach only that member's streams."""
    return event.get("user") in (None, membership_id)


def message(event: dict) -> str:
    head = f"id: {event['id']}\n" if "id" in event else ""
    return f"{head}data: {json.dumps(event, separators=(',', ':'))}\n\n"


class EventStreamView(OrganizationMixin, View):
    http_method_names = ["get"]

    async def get(self, request, *args, **kwargs):
        organization_id = self.organization.pk
        membership_id = self.membership.pk
        if "poll" in request.GET:
            return await self.poll(request, organization_id, membership_id)
        if not isinstance(request, ASGIRequest):
            # Served through WSGI (a WSGI server, Django's test servers): a stream would hold a
            # worker thread for as long as it is open. 204 tells EventSource not to reconnect;
            # the page polls instead.
            return HttpResponse(status=204)
        last_id = _number(
            request.headers.get("Last-Event-ID") or request.GET.get("last"), default=None
        )
        task = _number(request.GET.get("task"))
        response = StreamingHttpResponse(
            self.stream(organization_id, membership_id, last_id, task),
            content_type="text/event-stream",
        )
        response["Cache-Control"] = "no-cache, no-transform"
        response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
        return response

    async def poll(self, request, organization_id: int, membership_id: int):
        broker = brokers.get()
        last = await asyncio.to_thread(broker.last_id, organization_id)
        etag = f'"{organization_id}-{last}"'
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        after = _number(request.GET.get("poll"), default=0)
        missed = await broker.replay(organization_id, after) if after else []
        if missed is None:
            events = [brokers.RESET]
        else:
            events = [event for event in missed if visible(event, membership_id)]
        response = JsonResponse({"last": last, "events": events})
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
        return response

    async def stream(self, organization_id, membership_id, last_id, task):
        broker = brokers.get()
        subscription = await broker.subscribe(organization_id)
        heartbeat = settings.LIVE_HEARTBEAT
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + settings.LIVE_STREAM_SECONDS
        sent = last_id or 0
        try:
            await release_request_thread()
            yield f"retry: {RETRY_MS}\n: connected\n\n"
            if last_id is not None:
                missed = await broker.replay(organization_id, last_id)
                if missed is None:
                    yield message(brokers.RESET)
                else:
                    for event in missed:
                        sent = max(sent, event["id"])
                        if visible(event, membership_id):
                            yield message(event)
            if task is not None:
                await broker.presence_touch(organization_id, task, membership_id)
                await asyncio.to_thread(
                    broker.publish, organization_id, {"kind": "presence", "task": task}
                )
            while (left := ends_at - loop.time()) > 0:
                try:
                    event = await asyncio.wait_for(
                        subscription.queue.get(), timeout=min(heartbeat, left)
                    )
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    if task is not None:
                        await broker.presence_touch(organization_id, task, membership_id)
                    continue
                if "id" in event:
                    if event["id"] <= sent:
                        continue  # already sent by the replay
                    sent = event["id"]
                if visible(event, membership_id):
                    yield message(event)
        finally:
            await broker.unsubscribe(subscription)
            if task is not None:
                await broker.presence_leave(organization_id, task, membership_id)
                await asyncio.to_thread(
                    broker.publish, organization_id, {"kind": "presence", "task": task}
                )


class TaskViewersView(TaskObjectMixin, TemplateView):
    """Who else has the task open (presence), as the task page shows it."""

    template_name = "web/task_detail.html#task-viewers"
    http_method_names = ["get"]

    def get(self, request, *args, **kwargs):
        self.get_task()  # another organization's task, or none: 404
        if not request.htmx:
            return HttpResponse(status=204)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        task = self.get_task()
        kwargs["task"] = task
        kwargs["viewers"] = viewer_names(self.organization, task.number, self.membership.pk)
        return super().get_context_data(**kwargs)
