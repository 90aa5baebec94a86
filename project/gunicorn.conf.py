"""Gunicorn configuration for the container (see scripts/entrypoint.sh)."""

import gc
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# ASGI through uvicorn workers: pages run as before (one synchronous thread per worker), and live
# event streams (/o/<org>/events/) wait in the worker's event loop without holding that thread.
worker_class = "project.workers.TandemWorker"
graceful_timeout = 20
# Django is imported once, in the master: workers fork ready to serve, so the periodic recycling
# below (a guard against slow leaks) costs a fork, not a second of start-up per worker.
preload_app = True
max_requests = 10000
max_requests_jitter = 1000
# Django writes the access line (with request id, user and duration); gunicorn logs errors only.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "project.asgi:application"


def post_worker_init(worker):
    """Once Django is loaded in the worker, move its long-lived objects (models, URLconf,
    settings) out of the collector's view: full collections then scan only what requests
    create, which keeps them from adding tens of milliseconds to an unlucky request."""
    gc.freeze()
