"""Fan-out of live events (``workspace.events``) to the streams open in this process.

Two brokers with one interface:

- ``RedisBroker`` when ``REDIS_URL`` is set: ``publish`` numbers the event (a counter per
  organization), keeps the organization's last ``BACKLOG`` events (for ``Last-Event-ID``
  replays) and publishes it on the organization's channel, all in one Lua call. Each process
  runs one listener per event loop, subscribed to every organization's channel, that hands each
  event to the process's streams of that organization. Every process and container on the same
  Redis sees every event.
- ``LocalBroker`` otherwise (the embedded default, one process): the same in memory.

Redis being down never fails a write: ``publish`` logs and drops the event (and leaves Redis
alone for ``CACHE_RETRY_AFTER`` seconds). Listeners reconnect; when they do, each of their
streams is sent ``reset``, so that pages re-fetch what they show and miss nothing a reload would
show.

Presence ("who has this task open") lives here too: streams opened from a task page touch an
entry (membership id, expiry) every heartbeat and remove it when they close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections import defaultdict, deque

from django.conf import settings

logger = logging.getLogger(__name__)

BACKLOG = 200  # events kept per organization for replays
QUEUE_SIZE = 500  # events waiting for one slow stream before it is told to reset
RESET = {"kind": "reset"}
PRESENCE_TTL = 45.0  # seconds an open task page counts as "viewing" without a heartbeat


class Subscription:
    """One open stream: the events of its organization, in its event loop's queue."""

    def __init__(self, organization_id: int, loop: asyncio.AbstractEventLoop):
        self.organization_id = organization_id
        self.loop = loop
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)

    def deliver(self, event: dict) -> None:
        """Runs in the subscription's loop."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A stream that cannot keep up gets one reset instead of what it missed.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(RESET)


class Broker:
    def __init__(self):
        self._lock = threading.Lock()
        self._subscriptions: dict[asyncio.AbstractEventLoop, dict[int, set[Subscription]]] = {}

    # --- streams of this process ------------------------------------------------------------
    async def subscribe(self, organization_id: int) -> Subscription:
        loop = asyncio.get_running_loop()
        subscription = Subscription(organization_id, loop)
        with self._lock:
            self._subscriptions.setdefault(loop, defaultdict(set))[organization_id].add(
                subscription
            )
        await self._started(loop)
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        loop = subscription.loop
        with self._lock:
            by_organization = self._subscriptions.get(loop, {})
            subscriptions = by_organization.get(subscription.organization_id, set())
            subscriptions.discard(subscription)
            if not subscriptions:
                by_organization.pop(subscription.organization_id, None)
            idle = not by_organization
            if idle:
                self._subscriptions.pop(loop, None)
        if idle:
            await self._stopped(loop)

    def connections(self) -> int:
        with self._lock:
            return sum(
                len(subscriptions)
                for by_organization in self._subscriptions.values()
                for subscriptions in by_organization.values()
            )

    def _fan_out(self, organization_id: int | None, event: dict, loop=None) -> None:
        """Hand ``event`` to the streams of ``organization_id`` (every stream when None), of
        ``loop`` only or of every loop; safe from any thread."""
        with self._lock:
            targets = [
                subscription
                for each_loop, by_organization in self._subscriptions.items()
                if loop is None or each_loop is loop
                for org_id, subscriptions in by_organization.items()
                if organization_id is None or org_id == organization_id
                for subscription in subscriptions
            ]
        for subscription in targets:
            with contextlib.suppress(RuntimeError):  # its loop is closed: the stream is gone
                subscription.loop.call_soon_threadsafe(subscription.deliver, event)

    async def _started(self, loop) -> None:
        """A stream subscribed in ``loop`` (Redis: make sure the loop listens)."""

    async def _stopped(self, loop) -> None:
        """The last stream of ``loop`` closed."""


class LocalBroker(Broker):
    """One process, no Redis: events numbered and kept in memory."""

    def __init__(self):
        super().__init__()
        self._last: dict[int, int] = defaultdict(int)
        self._backlog: dict[int, deque] = defaultdict(lambda: deque(maxlen=BACKLOG))
        self._presence: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)

    def publish(self, organization_id: int, event: dict) -> int:
        with self._lock:
            self._last[organization_id] += 1
            event = {"id": self._last[organization_id], **event}
            self._backlog[organization_id].append(event)
        self._fan_out(organization_id, event)
        return event["id"]

    async def replay(self, organization_id: int, after: int) -> list[dict] | None:
        with self._lock:
            return _since(list(self._backlog.get(organization_id, ())), after)

    def last_id(self, organization_id: int) -> int:
        with self._lock:
            return self._last.get(organization_id, 0)

    async def presence_touch(self, organization_id: int, task: int, member: int) -> None:
        with self._lock:
            self._presence[(organization_id, task)][member] = time.time() + PRESENCE_TTL

    async def presence_leave(self, organization_id: int, task: int, member: int) -> None:
        with self._lock:
            self._presence.get((organization_id, task), {}).pop(member, None)

    def viewers(self, organization_id: int, task: int) -> set[int]:
        now = time.time()
        with self._lock:
            entries = self._presence.get((organization_id, task), {})
            return {member for member, expiry in entries.items() if expiry > now}


# KEYS: counter, backlog, channel. ARGV: the event's JSON without its id, backlog size.
PUBLISH_SCRIPT = """
local id = redis.call('INCR', KEYS[1])
local event = '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2)
redis.call('LPUSH', KEYS[2], event)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], 604800)
redis.call('EXPIRE', KEYS[2], 86400)
redis.call('PUBLISH', KEYS[3], event)
return id
"""


class RedisBroker(Broker):
    """Events through Redis pub/sub: every process on the same Redis sees every event."""

    PREFIX = "tandem:live"
    TIMEOUT = 0.25

    def __init__(self, url: str, retry_after: float = 5.0):
        super().__init__()
        import redis

        self.url = url
        self.retry_after = retry_after
        self._down_until = 0.0
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=self.TIMEOUT, socket_timeout=self.TIMEOUT
        )
        self._script = self._redis.register_script(PUBLISH_SCRIPT)
        self._listeners: dict[asyncio.AbstractEventLoop, tuple[asyncio.Task, asyncio.Event]] = {}
        self._clients: dict[asyncio.AbstractEventLoop, object] = {}

    def _keys(self, organization_id: int) -> list[str]:
        return [
            f"{self.PREFIX}:seq:{organization_id}",
            f"{self.PREFIX}:log:{organization_id}",
            f"{self.PREFIX}:channel:{organization_id}",
        ]

    def _failed(self, what: str, error: Exception) -> None:
        self._down_until = time.monotonic() + self.retry_after
        logger.warning("live events: %s failed, Redis unreachable: %s", what, error)

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def publish(self, organization_id: int, event: dict) -> int | None:
        from redis.exceptions import RedisError

        if not self._available():
            return None
        try:
            return int(
                self._script(
                    keys=self._keys(organization_id),
                    args=[json.dumps(event, separators=(",", ":")), BACKLOG],
                )
            )
        except (RedisError, OSError) as error:
            self._failed("publish", error)
            return None

    def last_id(self, organization_id: int) -> int:
        from redis.exceptions import RedisError

        if not self._available():
            return 0
        try:
            return int(self._redis.get(self._keys(organization_id)[0]) or 0)
        except (RedisError, OSError) as error:
            self._failed("reading the last event", error)
            return 0

    def _client(self):
        import redis.asyncio

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = redis.asyncio.Redis.from_url(
                self.url, socket_connect_timeout=self.TIMEOUT * 2, socket_timeout=self.TIMEOUT * 2
            )
        return client

    async def replay(self, organization_id: int, after: int) -> list[dict] | None:
        from redis.exceptions import RedisError

        try:
            raw = await self._client().lrange(self._keys(organization_id)[1], 0, -1)
        except (RedisError, OSError) as error:
            logger.warning("live events: replay failed, Redis unreachable: %s", error)
            return None
        return _since([json.loads(item) for item in reversed(raw)], after)

    def _presence_key(self, organization_id: int, task: int) -> str:
        return f"{self.PREFIX}:presence:{organization_id}:{task}"

    async def presence_touch(self, organization_id: int, task: int, member: int) -> None:
        from redis.exceptions import RedisError

        key = self._presence_key(organization_id, task)
        try:
            async with self._client().pipeline(transaction=False) as pipe:
                pipe.zadd(key, {str(member): time.time() + PRESENCE_TTL})
                pipe.zremrangebyscore(key, "-inf", time.time())
                pipe.expire(key, int(PRESENCE_TTL) * 2)
                await pipe.execute()
        except (RedisError, OSError) as error:
            logger.warning("live events: presence failed, Redis unreachable: %s", error)

    async def presence_leave(self, organization_id: int, task: int, member: int) -> None:
        from redis.exceptions import RedisError

        try:
            await self._client().zrem(self._presence_key(organization_id, task), str(member))
        except (RedisError, OSError) as error:
            logger.warning("live events: presence failed, Redis unreachable: %s", error)

    def viewers(self, organization_id: int, task: int) -> set[int]:
        from redis.exceptions import RedisError

        if not self._available():
            return set()
        try:
            members = self._redis.zrangebyscore(
                self._presence_key(organization_id, task), time.time(), "+inf"
            )
        except (RedisError, OSError) as error:
            self._failed("reading presence", error)
            return set()
        return {int(member) for member in members}

    # --- the listener of each event loop ----------------------------------------------------
    async def _started(self, loop) -> None:
        listener = self._listeners.get(loop)
        if listener is None or listener[0].done():
            ready = asyncio.Event()
            task = loop.create_task(self._listen(loop, ready))
            listener = self._listeners[loop] = (task, ready)
        # Wait (briefly) until the channel is subscribed, so the stream misses nothing published
        # after it opened. With Redis down the stream opens anyway and is reset when it is back.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(listener[1].wait(), 2)

    async def _stopped(self, loop) -> None:
        listener = self._listeners.pop(loop, None)
        if listener is not None:
            listener[0].cancel()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()

    async def _listen(self, loop, ready: asyncio.Event) -> None:
        import redis.asyncio
        from redis.exceptions import RedisError

        lost = False
        delay = 0.5
        pattern = f"{self.PREFIX}:channel:*"
        while True:
            client = redis.asyncio.Redis.from_url(
                self.url, socket_connect_timeout=1, health_check_interval=5
            )
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.psubscribe(pattern)
                    ready.set()
                    delay = 0.5
                    if lost:
                        logger.info("live events: Redis is back, streams are told to refresh")
                        self._fan_out(None, RESET, loop)
                        lost = False
                    while True:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=5.0
                        )
                        if message is None:
                            await pubsub.ping()  # notices a dead connection
                            continue
                        self._dispatch(message, loop)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                if not lost:
                    logger.warning("live events: listener lost Redis: %s", error)
                lost = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                await client.aclose()

    def _dispatch(self, message: dict, loop) -> None:
        if message.get("type") not in ("pmessage", "message"):
            return  # pongs of health checks
        channel = message["channel"]
        if isinstance(channel, bytes):
            channel = channel.decode()
        try:
            organization_id = int(channel.rsplit(":", 1)[1])
            event = json.loads(message["data"])
        except (ValueError, TypeError, IndexError, AttributeError):
            logger.warning("live events: ignored a malformed message on %s", channel)
            return
        self._fan_out(organization_id, event, loop)


def _since(events: list[dict], after: int) -> list[dict] | None:
    """The events after id ``after`` (oldest first), or None when some of them are no longer
    kept (or the counter started again): the stream must reset."""
    if not events:
        return [] if after == 0 else None
    newest = events[-1]["id"]
    if after > newest or events[0]["id"] > after + 1:
        return None
    return [event for event in events if event["id"] > after]


_broker: Broker | None = None
_broker_lock = threading.Lock()


def get() -> Broker:
    """The process's broker (Redis when ``REDIS_URL`` is set)."""
    global _broker
    if _broker is None:
        with _broker_lock:
            if _broker is None:
                url = getattr(settings, "REDIS_URL", "")
                retry_after = float(getattr(settings, "CACHE_RETRY_AFTER", 5.0))
                _broker = RedisBroker(url, retry_after) if url else LocalBroker()
    return _broker


def reset_for_tests(broker: Broker | None = None) -> None:
    global _broker
    _broker = broker
