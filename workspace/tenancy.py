"""Entering and (explicitly) leaving tenant scope.

Tenant-owned models use ``tenant_manager()``: their queries raise unless an organization scope is
active. Requests get one from ``web.middleware.OrganizationMiddleware``; jobs and commands enter
one with ``organization_scope``. Code that must read across tenants says so with ``all_tenants()``,
so every such place can be found with ``grep -rn all_tenants``.
"""

from contextlib import contextmanager

from django_scopes import scope, scopes_disabled


@contextmanager
def organization_scope(organization):
    if organization is None:
        # scope(organization=None) would mean "every tenant": never allow that by accident.
        raise ValueError("organization_scope() needs an organization")
    with scope(organization=organization):
        yield


all_tenants = scopes_disabled
