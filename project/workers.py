"""The gunicorn worker class of the container: uvicorn serving project.asgi."""

from uvicorn_worker import UvicornWorker


class TandemWorker(UvicornWorker):
    # uvloop and httptools (installed with the app); Django has no lifespan protocol; Django
    # writes the access line (with request id, user and duration), so uvicorn does not.
    CONFIG_KWARGS = {"loop": "uvloop", "http": "httptools", "lifespan": "off", "access_log": False}
