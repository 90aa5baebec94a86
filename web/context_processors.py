from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property

from workspace import selectors

# The organization's sections: (URL name, label, for admins only).
ORGANIZATION_NAV = (
    ("org-home", "Dashboard", False),
    ("inbox", "Inbox", False),
    ("task-list", "All tasks", False),
    ("board", "Board", False),
    ("task-list-mine", "My tasks", False),
    ("task-list-overdue", "Overdue", False),
    ("project-list", "Projects", False),
    ("insights", "Insights", False),
    ("member-list", "Members", False),
    ("label-list", "Labels", True),
    ("activity", "Activity", True),
    ("task-import", "Import", True),
    ("trash", "Trash", True),
    ("org-settings", "Settings", True),
)


def _organization_nav(request):
    membership = request.membership
    match = request.resolver_match
    current = match.url_name if match else None
    kwargs = {"org_slug": request.organization.slug}
    return [
        {
            "name": name,
            "href": reverse(f"web:{name}", kwargs=kwargs),
            "label": label,
            "current": name == current,
        }
        for name, label, admins_only in ORGANIZATION_NAV
        if membership.is_admin or not admins_only
    ]


class InboxBadge:
    """The header's unread count, counted only when a template shows it (one query)."""

    def __init__(self, membership):
        self.membership = membership

    @cached_property
    def count(self) -> int:
        return selectors.inbox_unread_count(membership=self.membership)

    @property
    def label(self) -> str:
        cap = selectors.INBOX_COUNT_CAP
        return f"{cap}+" if self.count > cap else str(self.count)


def organizations(request):
    """The current organization and, lazily, the user's organizations for the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    in_organization = getattr(request, "membership", None) is not None
    switcher = SimpleLazyObject(lambda: selectors.organization_switcher(user=user))
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        # Lazy: fragments (htmx answers) rendered with this context never build the nav.
        "organization_nav": (
            SimpleLazyObject(lambda: _organization_nav(request)) if in_organization else []
        ),
        "inbox": InboxBadge(request.membership) if in_organization else None,
        "my_organizations": SimpleLazyObject(lambda: switcher["live"]),
        # Deleted organizations the user owns, still restorable (same query).
        "deleted_organizations": SimpleLazyObject(lambda: switcher["deleted"]),
    }
