"""Local development: the embedded default plus debugging aids."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="admin/")
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
