"""A Redis cache that degrades instead of failing the request."""

import logging
import threading
import time

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
    limits stop counting until Redis is back."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("retry_after", 5.0))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient

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

    def add(self, key, value, timeout=None, version=None):
        # Reports success when Redis is down: callers that use add() as a lock (allauth's rate
        # limits) carry on instead of refusing every request.
        return self._guard(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guard(default, super().get, key, default, version)

    def set(self, key, value, timeout=None, version=None):
        return self._guard(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=None, version=None):
        return self._guard(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._guard({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._guard(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError("cache unavailable")
        return result

    def set_many(self, data, timeout=None, version=None):
        return self._guard(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guard(None, super().delete_many, keys, version)

    def clear(self):
        return self._guard(False, super().clear)
