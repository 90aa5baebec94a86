from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from workspace import selectors

# The organization's sections: (URL name, label, for admins only).
ORGANIZATION_NAV = (
    ("org-home", "Dashboard", False),
    ("task-list", "All tasks", False),
    ("task-list-mine", "My tasks", False),
    ("task-list-overdue", "Overdue", False),
    ("project-list", "Projects", False),
    ("insights", "Insights", False),
    ("member-list", "Members", False),
    ("activity", "Activity", True),
    ("trash", "Trash", True),
    ("org-settings", "Settings", True),
)


def _organization_nav(request):
    membership = request.membership
    match = request.resolver_match
    current = match.url_name if match else None
    kwargs = {"org_slug": request.organization.slug}
    return [
        {"href": reverse(f"web:{name}", kwargs=kwargs), "label": label, "current": name == current}
        for name, label, admins_only in ORGANIZATION_NAV
        if membership.is_admin or not admins_only
    ]


def organizations(request):
    """The current organization and, lazily, the user's organizations for the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    in_organization = getattr(request, "membership", None) is not None
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "organization_nav": _organization_nav(request) if in_organization else [],
        "my_organizations": SimpleLazyObject(
            lambda: list(selectors.organization_list_for_user(user=user))
        ),
    }
