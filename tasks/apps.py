from django.apps import AppConfig


class TasksConfig(AppConfig):
    """Registers every job module, so the web app, the consumer and the tests see the same jobs.

    djhuey's consumer only autodiscovers ``<app>.tasks`` modules; this package *is* ``tasks``, so
    it imports its job modules itself, and subscribes to the domain's signals.
    """

    name = "tasks"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from tasks import (  # noqa: F401
            billing,
            board,
            bulk,
            cleanup,
            digests,
            exports,
            imports,
            insights,
            notifications,
            receivers,
            recurrence,
            reminders,
        )
