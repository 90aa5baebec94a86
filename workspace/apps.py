from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "workspace"
    verbose_name = "Workspace"

    def ready(self):
        from workspace import events, revisions

        revisions.watch()
        events.watch()
