"""A Redis cache that degrades instead of failing the request, and keeps in each worker a copy
of the values whose keys name what they hold."""

import logging
import pickle
import threading
import time
from collections import OrderedDict

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Shared by every cache instance of a process. Django makes an instance per thread and, under
# ASGI, per request (its cache handler keeps them in a context-local): each would open its own
# connection pool, so every request paid for a fresh TCP connection to Redis (Django #35651).
_down_until: dict[str, float] = {}
_clients: dict[tuple, "ReusingRedisCacheClient"] = {}
_lock = threading.Lock()


class LocalCopies:
    """A worker's copies of values whose key names their content, so that they can never be
    stale: a digest of what a fragment shows (``fragment:``, ``template.cache.``) or the revision
    a value was read at (``revision-value:``, see workspace.revisions). A page reads the same ones
    on every request (its rows, its filter form, the organization's directory), and each read
    from Redis is a round trip. The copies are pickled (a caller gets a value of its own, as from
    Redis), the least recently used go once there are more than ``entries``, and none is kept
    longer than its timeout or ``MAX_AGE`` (what Redis would still hold). Other keys (sessions,
    revisions, rate limits) always go to Redis."""

    PREFIXES = ("fragment:", "template.cache.", "revision-value:")
    MAX_AGE = 60.0

    def __init__(self, entries: int):
        self.entries = entries
        self._copies: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def holds(self, key) -> bool:
        return self.entries > 0 and isinstance(key, str) and key.startswith(self.PREFIXES)

    def get(self, key, version):
        with self._lock:
            copy = self._copies.get((key, version))
            if copy is None:
                return None
            if copy[0] <= time.monotonic():
                del self._copies[(key, version)]
                return None
            self._copies.move_to_end((key, version))
        return pickle.loads(copy[1])  # noqa: S301 - pickled by put(), in this process

    def put(self, key, version, value, timeout=None) -> None:
        """``timeout``: seconds the value is stored for (None: as long as Redis keeps it)."""
        if value is None or not self.holds(key):
            return
        age = self.MAX_AGE if timeout is None else min(timeout, self.MAX_AGE)
        blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._copies[(key, version)] = (time.monotonic() + age, blob)
            self._copies.move_to_end((key, version))
            while len(self._copies) > self.entries:
                self._copies.popitem(last=False)

    def drop(self, key, version) -> None:
        with self._lock:
            self._copies.pop((key, version), None)

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()


_local: dict[str, LocalCopies] = {}


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every call (copying its table of
    response callbacks each time: about 0.1 ms); one per connection pool serves them all
    (redis-py clients are thread-safe, connections come from the pool)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with _lock:
                client = self._clients.get(index)
                if client is None:
                    client = self._clients[index] = self._client(
                        connection_pool=self._get_connection_pool(write)
                    )
        return client


class ResilientRedisCache(RedisCache):
    """When Redis cannot be reached: reads miss, writes are dropped, ``incr`` says so, an error
    is logged, and Redis is left alone for ``OPTIONS["retry_after"]`` seconds so that requests do
    not each wait for a timeout. Sessions (``cached_db``) then fall back to the database and rate
    limits stop counting until Redis is back.

    ``OPTIONS["local_entries"]``: how many values a worker keeps a copy of (``LocalCopies``; 0
    keeps none)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("retry_after", 5.0))
        entries = int(options.pop("local_entries", 0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        with _lock:
            self._local = _local.setdefault(f"{server}|{self.key_prefix}", LocalCopies(entries))

    @cached_property
    def _cache(self) -> ReusingRedisCacheClient:
        """The process's one client for these servers and options: its connection pool is
        reused by every request (redis-py pools are thread-safe, and start afresh after a
        fork)."""
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        client = _clients.get(key)
        if client is None:
            with _lock:
                client = _clients.setdefault(key, self._class(self._servers, **self._options))
        return client

    def _available(self) -> bool:
        return time.monotonic() >= _down_until.get(self._server_key, 0.0)

    @property
    def _server_key(self) -> str:
        return str(self._servers)

    def _guard(self, default, method, *args, **kwargs):
        if not self._available():
            return default
        try:
            return method(*args, **kwargs)
        except (RedisError, OSError) as error:
            with _lock:
                _down_until[self._server_key] = time.monotonic() + self.retry_after
            logger.error(
                "cache unavailable (%s: %s); serving without it for %ss",
                type(error).__name__,
                error,
                self.retry_after,
            )
            return default

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Reports success when Redis is down: callers that use add() as a lock (allauth's rate
        # limits) carry on instead of refusing every request.
        return self._guard(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        if not self._local.holds(key):
            return self._guard(default, super().get, key, default, version)
        value = self._local.get(key, version)
        if value is None:
            value = self._guard(None, super().get, key, None, version)
            self._local.put(key, version, value)
        return default if value is None else value

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._local.put(key, version, value, self.get_backend_timeout(timeout))
        return self._guard(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        self._local.drop(key, version)
        return self._guard(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        found, missing = {}, []
        for key in keys:
            value = self._local.get(key, version) if self._local.holds(key) else None
            if value is None:
                missing.append(key)
            else:
                found[key] = value
        if missing:
            fetched = self._guard({}, super().get_many, missing, version)
            for key, value in fetched.items():
                self._local.put(key, version, value)
            found.update(fetched)
        return found

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._guard(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError("cache unavailable")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        for key, value in data.items():
            self._local.put(key, version, value, self.get_backend_timeout(timeout))
        return self._guard(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        for key in keys:
            self._local.drop(key, version)
        return self._guard(None, super().delete_many, keys, version)

    def clear(self):
        self._local.clear()
        return self._guard(False, super().clear)
