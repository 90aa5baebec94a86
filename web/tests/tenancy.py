"""The tenant-route registry used by the isolation and role-matrix tests.

Every route under ``/o/<org_slug>/`` must appear in ``TENANT_ROUTES``: the name maps to a function
that, given the objects of an organization (``TenantObjects``), returns the URL's other kwargs, and
to the lowest role allowed to use it. A new route without an entry fails
``test_every_tenant_route_is_registered``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from workspace.models import Role
from workspace.services.exports import download_token


@dataclass
class TenantObjects:
    """One of each kind of object an organization can own, for building URLs."""

    organization: object
    owner: object
    member: object
    invitation: object
    project: object
    task: object
    comment: object
    custom_field: object
    deleted_task: object
    export: object

    @property
    def export_token(self) -> str:
        return download_token(self.export)

    inbox_item: object
    task_import: object
    label: object = None
    checklist_item: object = None
    saved_view: object = None
    bulk_edit: object = None


@dataclass(frozen=True)
class Route:
    kwargs: Callable[[TenantObjects], dict]
    role: Role = Role.MEMBER
    # Form data to POST when probing the route: plausible enough to write if allowed to.
    post_data: Callable[[TenantObjects], dict] = lambda _objects: {}
    # False when the URL's other kwargs name no object (a chart's name): no id to swap in.
    names_objects: bool = True

    @property
    def takes_object_ids(self) -> bool:
        return self.names_objects and self.kwargs is not no_kwargs


def no_kwargs(_objects):
    return {}


TENANT_ROUTES: dict[str, Route] = {
    "web:org-home": Route(no_kwargs),
    "web:org-settings": Route(
        no_kwargs, Role.ADMIN, lambda o: {"form": "name", "name": "Hijacked"}
    ),
    "web:org-delete": Route(no_kwargs, Role.OWNER, lambda o: {"confirmation": o.organization.name}),
    "web:org-restore": Route(no_kwargs, Role.OWNER),
    "web:org-export": Route(no_kwargs, Role.OWNER),
    "web:task-import": Route(no_kwargs, Role.ADMIN),
    "web:task-import-detail": Route(
        lambda o: {"pk": o.task_import.pk},
        Role.ADMIN,
        post_data=lambda o: {"action": "import", "project": str(o.project.pk), "column_0": "title"},
    ),
    "web:org-export-download": Route(lambda o: {"token": o.export_token}, Role.OWNER),
    "web:member-list": Route(no_kwargs),
    "web:member-leave": Route(no_kwargs),
    "web:member-role": Route(
        lambda o: {"pk": o.member.pk},
        Role.ADMIN,
        lambda o: {f"m{o.member.pk}-role": "owner"},
    ),
    "web:member-remove": Route(lambda o: {"pk": o.member.pk}, Role.ADMIN),
    "web:invitation-create": Route(
        no_kwargs, Role.ADMIN, lambda o: {"email": "intruder@example.com", "role": "member"}
    ),
    "web:invitation-resend": Route(lambda o: {"pk": o.invitation.pk}, Role.ADMIN),
    "web:invitation-revoke": Route(lambda o: {"pk": o.invitation.pk}, Role.ADMIN),
    # Projects
    "web:project-list": Route(no_kwargs),
    "web:project-create": Route(no_kwargs, post_data=lambda o: {"name": "Intruder project"}),
    "web:project-detail": Route(lambda o: {"project_slug": o.project.slug}),
    "web:project-edit": Route(
        lambda o: {"project_slug": o.project.slug}, post_data=lambda o: {"name": "Hijacked"}
    ),
    "web:project-archive": Route(
        lambda o: {"project_slug": o.project.slug}, Role.ADMIN, lambda o: {"archived": "1"}
    ),
    "web:project-delete": Route(lambda o: {"project_slug": o.project.slug}, Role.ADMIN),
    "web:project-fields": Route(
        lambda o: {"project_slug": o.project.slug},
        post_data=lambda o: {"name": "Intruder field", "field_type": "text"},
    ),
    "web:project-field-edit": Route(
        lambda o: {"project_slug": o.project.slug, "pk": o.custom_field.pk},
        Role.ADMIN,
        post_data=lambda o: {"name": "Intruder field"},
    ),
    "web:project-field-delete": Route(
        lambda o: {"project_slug": o.project.slug, "pk": o.custom_field.pk}, Role.ADMIN
    ),
    # Tasks
    "web:task-list": Route(no_kwargs),
    "web:task-list-mine": Route(no_kwargs),
    "web:task-list-overdue": Route(no_kwargs),
    "web:task-create": Route(
        no_kwargs, post_data=lambda o: {"title": "Intruder task", "project": o.project.pk}
    ),
    "web:task-detail": Route(lambda o: {"number": o.task.number}),
    "web:task-edit": Route(
        lambda o: {"number": o.task.number},
        post_data=lambda o: {
            "title": "Hijacked",
            "project": o.project.pk,
            "status": "done",
            "priority": "low",
        },
    ),
    "web:task-delete": Route(lambda o: {"number": o.task.number}),
    "web:task-bulk": Route(
        no_kwargs, post_data=lambda o: {"op": "status:done", "task": [o.task.number]}
    ),
    "web:task-bulk-undo": Route(lambda o: {"pk": o.bulk_edit.pk}),
    "web:task-bulk-progress": Route(lambda o: {"pk": o.bulk_edit.pk}),
    "web:palette": Route(no_kwargs),
    "web:shortcuts": Route(no_kwargs),
    "web:task-bulk-choices": Route(no_kwargs),
    "web:task-filter-menu": Route(lambda o: {"menu": "assignee"}, names_objects=False),
    "web:task-assign": Route(
        lambda o: {"number": o.task.number}, post_data=lambda o: {"assignee": "me"}
    ),
    "web:task-inline": Route(
        lambda o: {"number": o.task.number, "field": "status"},
        post_data=lambda o: {"status": "done"},
    ),
    "web:task-move": Route(
        lambda o: {"number": o.task.number},
        post_data=lambda o: {"group": "status", "column": "done", "version": o.task.version},
    ),
    # The board
    "web:board": Route(no_kwargs),
    "web:board-column": Route(no_kwargs),
    "web:project-board": Route(lambda o: {"project_slug": o.project.slug}),
    "web:project-board-column": Route(lambda o: {"project_slug": o.project.slug}),
    "web:comment-create": Route(
        lambda o: {"number": o.task.number}, post_data=lambda o: {"body": "Intruder comment"}
    ),
    "web:comment-edit": Route(
        lambda o: {"number": o.task.number, "pk": o.comment.pk},
        post_data=lambda o: {"body": "Hijacked"},
    ),
    "web:comment-delete": Route(lambda o: {"number": o.task.number, "pk": o.comment.pk}),
    # Labels and checklists
    "web:label-list": Route(no_kwargs, Role.ADMIN, lambda o: {"name": "Intruder", "colour": "red"}),
    "web:label-edit": Route(
        lambda o: {"pk": o.label.pk},
        Role.ADMIN,
        lambda o: {"edit-name": "Hijacked", "edit-colour": "red"},
    ),
    "web:label-delete": Route(lambda o: {"pk": o.label.pk}, Role.ADMIN),
    "web:task-labels": Route(
        lambda o: {"number": o.task.number},
        post_data=lambda o: {"labels": [o.label.pk], "version": o.task.version},
    ),
    "web:saved-view-list": Route(
        no_kwargs, post_data=lambda o: {"name": "Intruder view", "query": "status=todo"}
    ),
    "web:saved-view-rename": Route(
        lambda o: {"pk": o.saved_view.pk}, Role.ADMIN, lambda o: {"name": "Hijacked"}
    ),
    "web:saved-view-move": Route(
        lambda o: {"pk": o.saved_view.pk}, Role.ADMIN, lambda o: {"direction": "down"}
    ),
    "web:saved-view-delete": Route(lambda o: {"pk": o.saved_view.pk}, Role.ADMIN),
    "web:task-repeat": Route(
        lambda o: {"number": o.task.number},
        post_data=lambda o: {
            "frequency": "daily",
            "interval": "1",
            "monthly": "day",
            "ends": "never",
            "trigger": "completed",
        },
    ),
    "web:checklist-add": Route(
        lambda o: {"number": o.task.number}, post_data=lambda o: {"text": "Intruder item"}
    ),
    "web:checklist-tick": Route(
        lambda o: {"number": o.task.number, "pk": o.checklist_item.pk},
        post_data=lambda o: {"done": "1"},
    ),
    "web:checklist-move": Route(
        lambda o: {"number": o.task.number, "pk": o.checklist_item.pk},
        post_data=lambda o: {"direction": "up"},
    ),
    "web:checklist-delete": Route(lambda o: {"number": o.task.number, "pk": o.checklist_item.pk}),
    # Insights
    "web:insights": Route(no_kwargs),
    "web:insights-csv": Route(lambda o: {"chart": "workload"}, names_objects=False),
    "web:project-insights": Route(lambda o: {"project_slug": o.project.slug}),
    "web:project-insights-csv": Route(
        lambda o: {"project_slug": o.project.slug, "chart": "throughput"}
    ),
    # Audit log and trash
    "web:activity": Route(no_kwargs, Role.ADMIN),
    "web:trash": Route(no_kwargs, Role.ADMIN),
    "web:trash-restore": Route(lambda o: {"kind": "task", "pk": o.deleted_task.pk}, Role.ADMIN),
    "web:task-restore": Route(lambda o: {"number": o.deleted_task.number}),
    # Watching, mentions and the inbox
    "web:task-watch": Route(
        lambda o: {"number": o.task.number}, post_data=lambda o: {"watching": "1"}
    ),
    "web:member-suggest": Route(no_kwargs),
    # Live updates
    "web:events": Route(no_kwargs),
    "web:task-viewers": Route(lambda o: {"number": o.task.number}),
    "web:inbox": Route(no_kwargs),
    "web:inbox-count": Route(no_kwargs),
    "web:inbox-read-all": Route(no_kwargs),
    "web:inbox-open": Route(lambda o: {"pk": o.inbox_item.pk}),
    "web:inbox-read": Route(lambda o: {"pk": o.inbox_item.pk}),
    "web:inbox-unread": Route(lambda o: {"pk": o.inbox_item.pk}),
    "web:inbox-archive": Route(lambda o: {"pk": o.inbox_item.pk}),
    "web:inbox-unarchive": Route(lambda o: {"pk": o.inbox_item.pk}),
}


def tenant_route_names() -> set[str]:
    """Names of every URL pattern whose route contains ``<org_slug>``, with namespaces."""
    found: set[str] = set()

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, ns)
            elif isinstance(pattern, URLPattern) and "<slug:org_slug>" in route:
                found.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "", "")
    return found


def accepted_methods(view_func) -> list[str]:
    view_class = view_func.view_class
    return [
        method
        for method in ("get", "post")
        if method in view_class.http_method_names and hasattr(view_class, method)
    ]
