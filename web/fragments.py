"""Rendered fragments kept in the shared cache, keyed by everything they show.

A fragment is cached under a digest of the template's own source and of the values it displays
(``shows``), so a key is never stale: any change to what a fragment shows, or to its template,
is a different key, and nothing has to be invalidated. Only fragments that are the same for
every viewer may be cached this way (no CSRF token, no permission-dependent markup): task rows
qualify (editors load on demand, the token rides in the page's headers)."""

import hashlib
from functools import lru_cache
from pathlib import Path

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString

TIMEOUT = 24 * 3600  # unused keys age out; a used one is rewritten the next day


@lru_cache(maxsize=32)
def revision(template_name: str) -> str:
    """A digest of the file a (partial) template comes from, read once per process."""
    file_name = template_name.split("#", 1)[0]
    source = Path(get_template(file_name).origin.name).read_bytes()
    return hashlib.blake2b(source, digest_size=8).hexdigest()


def _key(prefix: str, shown: tuple) -> str:
    material = "\x1f".join(map(repr, shown)).encode()
    return prefix + hashlib.blake2b(material, digest_size=16).hexdigest()


def version(template_name: str, *shown) -> str:
    """For a fragment kept with the ``{% cache %}`` tag: a digest of its template's source and
    of ``shown``, everything the fragment displays (or what it is computed from), never stale
    for the same reason as ``render_each``'s keys."""
    return _key("", (template_name, revision(template_name), *shown))


def render_each(
    template_name: str, items, *, name: str, shows, context: dict, build=None
) -> SafeString:
    """``template_name`` rendered once per item (as ``name`` in ``context``, after
    ``build(item)`` when given), from the cache where it was rendered before. ``shows(item)``
    returns every value the fragment displays. Dates render in the current time zone and
    today's terms, so both are part of every key."""
    template = get_template(template_name)
    # What every fragment of this call shares: the template, its source, today, the zone.
    prefix = "fragment:" + _key(
        "",
        (
            template_name,
            revision(template_name),
            timezone.get_current_timezone_name(),
            timezone.localdate(),
            *sorted(context.items()),
        ),
    )
    keys = [_key(prefix, shows(item)) for item in items]
    found = cache.get_many(keys)
    rendered, missing = [], {}
    for key, item in zip(keys, items, strict=True):
        html = found.get(key)
        if not isinstance(html, SafeString):  # absent (or not what this module stored)
            html = template.render({**context, name: build(item) if build else item})
            missing[key] = html
        rendered.append(html)
    if missing:
        cache.set_many(missing, timeout=TIMEOUT)
    # Every part is the template engine's own escaped output (a SafeString, checked above).
    return SafeString("".join(rendered))
