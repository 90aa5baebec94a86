"""Tenancy lock 2: every organization view starts with one of these mixins."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404

from workspace.models import Role


class OrganizationMixin(LoginRequiredMixin):
    """Needs ``request.organization`` (set by OrganizationMiddleware) and at least
    ``required_role``. ``get_queryset()`` only ever returns the organization's rows."""

    required_role = Role.MEMBER
    # Only the restore page serves a deleted organization (to its owners).
    serves_deleted_organization = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if getattr(request, "membership", None) is None:
            raise Http404("No organization found.")
        if request.organization.is_deleted and not self.serves_deleted_organization:
            raise Http404("No organization found.")
        if not request.membership.has_role(self.required_role):
            raise PermissionDenied(f"This page is for organization {self.required_role}s.")
        self.organization = request.organization
        self.membership = request.membership
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().filter(organization=self.organization)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("organization", self.organization)
        kwargs.setdefault("membership", self.membership)
        return super().get_context_data(**kwargs)


class OrganizationAdminMixin(OrganizationMixin):
    required_role = Role.ADMIN


class OrganizationOwnerMixin(OrganizationMixin):
    required_role = Role.OWNER
