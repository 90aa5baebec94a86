"""Each worker keeps a copy of the cached values whose keys name their content
(web.cache.LocalCopies): they are read from Redis once, never stale, and every other key is
read from Redis every time."""

import time

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from web.cache import LocalCopies


@pytest.fixture
def server():
    """Redis itself, behind the cache's back (another worker, or Redis losing keys)."""
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def stored(key: str) -> str:
    return cache.make_and_validate_key(key)


def test_a_fragment_is_read_from_redis_once_per_worker(server):
    cache.set("fragment:row", "<tr>…</tr>", 600)
    server.delete(stored("fragment:row"))  # Redis no longer has it (evicted, or flushed)

    assert cache.get("fragment:row") == "<tr>…</tr>"
    assert cache.get_many(["fragment:row"]) == {"fragment:row": "<tr>…</tr>"}


def test_what_another_worker_stored_is_read_from_redis_then_kept():
    other = LocalCopies(10)  # a second worker's copies, in front of the same Redis
    cache.set_many({"revision-value:directory:1:7:names": ["Ada"]}, 600)
    cache._local.clear()  # this worker has no copy yet

    assert cache.get("revision-value:directory:1:7:names") == ["Ada"]
    assert other.get("revision-value:directory:1:7:names", None) is None


def test_keys_that_do_not_name_their_content_are_always_read_from_redis(server):
    """A session, a revision, a rate-limit counter: another worker may change them."""
    cache.set("revision:tasks:1", 1)
    server.set(stored("revision:tasks:1"), cache._cache._serializer.dumps(2))

    assert cache.get("revision:tasks:1") == 2


def test_a_reader_gets_a_value_of_its_own():
    cache.set("revision-value:directory:1:7:names", [(1, "Ada")], 600)
    names = cache.get("revision-value:directory:1:7:names")
    names.append((2, "Grace"))

    assert cache.get("revision-value:directory:1:7:names") == [(1, "Ada")]


def test_deleting_or_clearing_drops_the_copies():
    cache.set_many({"fragment:a": "A", "fragment:b": "B"}, 600)
    cache.delete("fragment:a")
    assert cache.get("fragment:a") is None

    cache.clear()
    assert cache.get("fragment:b") is None


def test_copies_are_bounded_and_the_least_recently_used_go_first():
    copies = LocalCopies(2)
    copies.put("fragment:a", None, "A")
    copies.put("fragment:b", None, "B")
    copies.get("fragment:a", None)  # used: b is now the oldest
    copies.put("fragment:c", None, "C")

    assert [copies.get(key, None) for key in ("fragment:a", "fragment:b", "fragment:c")] == [
        "A",
        None,
        "C",
    ]


def test_a_copy_lasts_no_longer_than_redis_keeps_the_value(monkeypatch):
    copies = LocalCopies(10)
    copies.put("fragment:short", None, "S", timeout=5)
    copies.put("fragment:long", None, "L", timeout=None)  # kept by Redis as long as it likes
    now = time.monotonic()

    monkeypatch.setattr(time, "monotonic", lambda: now + 6)
    assert copies.get("fragment:short", None) is None
    assert copies.get("fragment:long", None) == "L"

    monkeypatch.setattr(time, "monotonic", lambda: now + LocalCopies.MAX_AGE + 1)
    assert copies.get("fragment:long", None) is None


def test_no_copies_are_kept_when_switched_off():
    copies = LocalCopies(0)
    copies.put("fragment:a", None, "A")

    assert copies.get("fragment:a", None) is None
