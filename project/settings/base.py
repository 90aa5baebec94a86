"""Settings shared by every environment.

Every setting is defined here and switched by environment variables (``DJANGO_*`` for Django's own
settings, ``DATABASE_URL``/``REDIS_URL``/``EMAIL_URL`` for services). With no environment at all the
project runs on its embedded default: an SQLite file, a local-memory cache, Huey in immediate mode
and e-mail printed to the console.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# --- Core ---------------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The fallback only serves the embedded default; production settings require the variable.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="django-insecure-embedded-default-not-for-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Where the Django admin is mounted ("" = not mounted). Development mounts it at "admin/".
ADMIN_URL = env.str("DJANGO_ADMIN_URL", default="")
SITE_URL = env.str("TANDEM_SITE_URL", default="http://127.0.0.1:8000")

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_tailwind",
    "django_filters",
    "django_htmx",
    "django_tables2",
    "huey.contrib.djhuey",
    "template_partials.apps.SimpleAppConfig",
    "accounts",
    "workspace",
    "web",
    "tasks",
]

MIDDLEWARE = [
    "web.middleware.RequestIdMiddleware",
    "web.middleware.SecurityHeadersMiddleware",
    "web.middleware.AuditOriginMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise and CommonMiddleware: static files and early 400s get the header too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "web.middleware.HtmxMessagesMiddleware",
    "web.middleware.AdminAllTenantsMiddleware",
    "web.middleware.OrganizationMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.organizations",
            ],
            "builtins": ["template_partials.templatetags.partials", "web.templatetags.tandem"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                # Django's own, minus the templates' indentation.
                                "web.template_loaders.FilesystemLoader",
                                "web.template_loaders.AppDirectoriesLoader",
                            ],
                        )
                    ],
                )
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DATABASE_POOL", default=True):
        # Django's native psycopg pool: connections are reused across requests and, with
        # CONN_HEALTH_CHECKS, checked before use, so the first request after a PostgreSQL
        # restart gets a fresh connection.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=4),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }

# --- Cache, sessions ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_RETRY_AFTER = env.float("CACHE_RETRY_AFTER", default=5.0)
# How many cached values whose keys name their content (rendered rows, filter forms, directory
# reads at a revision) each worker also keeps in memory (web.cache.LocalCopies); 0 for none.
CACHE_LOCAL_ENTRIES = env.int("CACHE_LOCAL_ENTRIES", default=2000)
# Live updates (workspace.events, web.views.events): seconds between a stream's heartbeats, and
# how long a stream stays open before the browser reconnects (through the tenancy checks again).
LIVE_HEARTBEAT = env.float("TANDEM_LIVE_HEARTBEAT", default=15.0)
LIVE_STREAM_SECONDS = env.float("TANDEM_LIVE_STREAM_SECONDS", default=300.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # Degrades when Redis is down: short timeouts, then a few seconds without it.
            "BACKEND": "web.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "tandem",
            "OPTIONS": {
                "socket_connect_timeout": 0.25,
                "socket_timeout": 0.5,
                "retry_after": CACHE_RETRY_AFTER,
                "local_entries": CACHE_LOCAL_ENTRIES,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database and are cached: losing the cache never signs anybody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Background jobs (Huey) ---------------------------------------------------------------------
# Immediate mode (jobs run inline, in memory) unless a Redis URL is configured. Always explicit:
# djhuey otherwise falls back to DEBUG.
HUEY = {
    "huey_class": "huey.RedisHuey",
    "name": env.str("HUEY_QUEUE_NAME", default="tandem"),
    "immediate": env.bool("HUEY_IMMEDIATE", default=not REDIS_URL),
    "utc": True,
    "connection": {"url": REDIS_URL} if REDIS_URL else {},
    "consumer": {
        "workers": env.int("HUEY_WORKERS", default=2),
        "worker_type": "thread",
        # Poll an idle queue at least every 2 s, so a queued e-mail leaves quickly.
        "max_delay": 2.0,
    },
}

# --- Billing (Stripe) ----------------------------------------------------------------------------
# Without an API key billing sync is off (and says so in the log).
STRIPE_API_KEY = env.str("STRIPE_API_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")

# --- Authentication -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address right after signing up (same browser session) signs the user in.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tandem] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("DJANGO_ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")

# --- E-mail -------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Tandem <noreply@tandem.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
# static/src holds the Tailwind input, built into static/build: it is neither collected nor served.
STATICFILES_DIRS = [(folder, BASE_DIR / "static" / folder) for folder in ("build", "vendor", "js")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}

# Uploaded and generated files. Organization exports (zip files an owner downloads through a
# signed link that expires after TANDEM_EXPORT_LINK_HOURS) are written under TANDEM_EXPORT_ROOT.
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
TANDEM_EXPORT_ROOT = Path(env.str("TANDEM_EXPORT_ROOT", default=str(MEDIA_ROOT / "exports")))
TANDEM_EXPORT_LINK_HOURS = env.int("TANDEM_EXPORT_LINK_HOURS", default=24)

# --- Front end ----------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "tailwind"
CRISPY_TEMPLATE_PACK = "tailwind"
DJANGO_TABLES2_TEMPLATE = "django_tables2/tailwind.html"

# --- Security -----------------------------------------------------------------------------------
# Production switches these on by default; they stay env-switchable everywhere.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# Load balancers probe /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=False)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_COOKIE_HTTPONLY = True  # htmx reads the token from the page, never from the cookie
CSRF_FAILURE_VIEW = "web.views.errors.csrf_failure"
CONTENT_SECURITY_POLICY = env.str(
    "DJANGO_CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; object-src 'none'"
    ),
)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Serve /bench/baseline/ (the benchmark's static floor). Only `make bench` turns it on.
TANDEM_BENCH_BASELINE = env.bool("TANDEM_BENCH_BASELINE", default=False)
# Task writes (create, edit, inline edit, assign, comment) per member and hour, by plan.
TANDEM_WRITE_LIMITS = {
    "free": env.int("TANDEM_WRITE_LIMIT_FREE", default=100),
    "pro": env.int("TANDEM_WRITE_LIMIT_PRO", default=1000),
}
# Sign-in abuse: failed sign-ins per 15 minutes, per client address and per account. allauth
# counts them in the shared cache; the 6th attempt is refused even with the right password.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/15m/ip,5/15m/key"}
# How many reverse proxies sit in front of the app. 0: trust REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# allauth's rate limits key on the same client address as our audit log and limits.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- Logging ------------------------------------------------------------------------------------
# "json": one object per line (production); "text": plain lines (development).
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="json")
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "project.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "project.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our access line replaces runserver's own request lines.
        "django.server": {"level": "WARNING"},
        "huey": {"level": LOG_LEVEL},
    },
}
