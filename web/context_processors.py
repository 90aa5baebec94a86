from django.utils.functional import SimpleLazyObject

from workspace import selectors


def organizations(request):
    """The current organization and, lazily, the user's organizations for the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "organization": getattr(request, "organization", None),
        "membership": getattr(request, "membership", None),
        "my_organizations": SimpleLazyObject(
            lambda: list(selectors.organization_list_for_user(user=user))
        ),
    }
