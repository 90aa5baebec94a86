"""The ASGI application the container serves (gunicorn with uvicorn workers, see
project/gunicorn.conf.py). Pages are synchronous Django views, run as under WSGI on the
process's one thread for synchronous code; live event streams (web.views.events) are
asynchronous and hold no thread while they are open."""

import os
from functools import partial

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

from project.stackroom import call_with_stack_room

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.production")


class RoomyASGIHandler(ASGIHandler):
    """Django's ASGI handler, whose synchronous middleware chain (every page's request) is
    called from a frame with room on the stack, as project.wsgi does (project/stackroom.py)."""

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async)
        chain = getattr(self._middleware_chain, "func", None)  # sync_to_async's wrapped callable
        if is_async and chain is not None:
            self._middleware_chain = sync_to_async(
                partial(call_with_stack_room, chain), thread_sensitive=True
            )


def get_asgi_application():
    import django

    django.setup(set_prefix=False)
    return RoomyASGIHandler()


application = get_asgi_application()
