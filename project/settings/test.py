"""Test settings: the real services from the environment (``make test`` starts them)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-secret-key-used-only-by-the-test-suite-0123456789abcdef"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HUEY["immediate"] = True  # noqa: F405
LOG_FORMAT = "text"
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
# Tests exercise whatever database DATABASE_URL names; make test points it at a throwaway
# PostgreSQL cluster. Fail loudly rather than silently testing SQLite.
if not env.str("DATABASE_URL", default=""):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Tests need DATABASE_URL and REDIS_URL: run `make test`, or wrap pytest in "
        "scripts/with-services.sh."
    )

# One plain connection per thread: the pool is exercised by the gunicorn-based tests
# (entrypoint, faults), which run the production settings.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405

ADMIN_URL = "test-admin/"
# Exports go to a throwaway directory (tests that read them set their own tmp_path).
TANDEM_EXPORT_ROOT = Path(tempfile.gettempdir()) / "tandem-test-exports"
