"""The shared cache reuses its Redis connections across requests."""

import threading

import redis
from django.conf import settings
from django.core.cache import caches


def connections_received() -> int:
    stats = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).info("stats")
    return stats["total_connections_received"]


def test_cache_instances_of_many_requests_share_one_connection_pool():
    """Django makes a cache instance per thread and, under ASGI, per request: each of them
    used to open its own connection to Redis. Twenty such instances, each in its own thread
    as requests run, read and write through one pool's connections."""
    caches["default"].set("warm", 1)  # this process's pool has its connection open
    before = connections_received()
    errors = []

    def request(number):
        cache = caches.create_connection("default")  # what a new request context gets
        try:
            cache.set(f"request:{number}", number)
            assert cache.get(f"request:{number}") == number
        except Exception as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)

    for number in range(20):
        thread = threading.Thread(target=request, args=(number,))
        thread.start()
        thread.join()

    assert errors == []
    # The probe's own connection (connections_received) is the only new one.
    assert connections_received() - before <= 1
