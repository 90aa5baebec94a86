"""Abstract building blocks every domain model reuses: timestamps, tenant ownership, soft delete."""

import inspect
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager
from django_scopes.manager import DisabledQuerySet


class VersionField(models.DateTimeField):
    """An ``auto_now`` time that also serves as the row's version: each save moves it forward,
    at least one microsecond past the value it had, so versions of a row always increase even
    when two app servers' clocks disagree."""

    def __init__(self, *args, **kwargs):
        kwargs["auto_now"] = True
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("auto_now", None)
        kwargs.pop("editable", None)
        kwargs.pop("blank", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        previous = getattr(model_instance, self.attname)
        value = timezone.now()
        if previous is not None and value <= previous:
            value = previous + timedelta(microseconds=1)
        setattr(model_instance, self.attname, value)
        return value


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AliveManagerMixin:
    """Hides soft-deleted rows."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


# What a queryset made outside any scope still allows: nothing that reads rows. An empty
# queryset (form fields' defaults) and inserts, which name their organization themselves (sign-in
# audit entries belong to none).
ALLOWED_OUTSIDE_SCOPE = frozenset(
    {"none", "using", "create", "acreate", "bulk_create", "abulk_create", "as_manager"}
)
# Evaluating or combining a queryset goes through these, not through a public method.
_REFUSED_DUNDERS = (
    "__iter__",
    "__aiter__",
    "__len__",
    "__bool__",
    "__getitem__",
    "__and__",
    "__or__",
    "__xor__",
)


@cache
def scope_required_queryset(queryset_class: type[models.QuerySet]) -> type[models.QuerySet]:
    """The queryset a tenant manager hands out while no organization scope is active.

    django-scopes' own ``DisabledQuerySet`` refuses a fixed list of methods and is a plain
    ``QuerySet``: ``exists()``, ``exclude()``, ``select_related()`` and others still ran across
    every tenant, and custom methods (``Task.objects.open()``) raised AttributeError. This one is
    built per queryset class and replaces *every* public method, the model's custom ones and the
    async variants included, with one that raises ``ScopeError``, except ``ALLOWED_OUTSIDE_SCOPE``.
    """

    def refuse(self, *args, **kwargs):
        self.error()

    async def arefuse(self, *args, **kwargs):
        self.error()

    def none(self):
        # A usable empty queryset of the model's own class (with its custom methods).
        return queryset_class(model=self.model, using=self._db, hints=self._hints).none()

    def describe(self):
        return f"<{type(self).__name__}: needs an organization scope>"

    attrs = {"none": none, "__repr__": describe}
    for name in dir(queryset_class):
        if name.startswith("_") or name in ALLOWED_OUTSIDE_SCOPE:
            continue
        attribute = inspect.getattr_static(queryset_class, name)
        if isinstance(attribute, staticmethod | classmethod | property):
            continue
        if inspect.iscoroutinefunction(attribute):
            attrs[name] = arefuse
        elif callable(attribute):
            attrs[name] = refuse
    attrs.update(dict.fromkeys(_REFUSED_DUNDERS, refuse))
    return type(
        f"ScopeRequired{queryset_class.__name__}", (DisabledQuerySet, queryset_class), attrs
    )


def tenant_manager(queryset_class=models.QuerySet, *, include_deleted: bool = True):
    """A manager that fails closed: unless an organization scope is active
    (``django_scopes.scope(organization=...)``) every query raises ``ScopeError`` (see
    ``scope_required_queryset``); inside one it returns only that organization's rows.

    ``include_deleted=False`` also hides soft-deleted rows (the default manager of soft-deletable
    models); their ``all_objects`` manager reaches them.
    """
    manager_class = models.Manager.from_queryset(queryset_class)
    if not include_deleted:
        manager_class = type(
            f"Alive{manager_class.__name__}", (AliveManagerMixin, manager_class), {}
        )
    scoped_class = type(ScopedManager(organization="organization", _manager_class=manager_class))
    refusing_class = scope_required_queryset(queryset_class)

    class TenantManager(scoped_class):
        def get_queryset(self):
            queryset = super().get_queryset()
            if isinstance(queryset, DisabledQuerySet):
                return refusing_class(
                    self.model, using=self._db, missing_scopes=queryset.missing_scopes
                )
            return queryset

    TenantManager.__name__ = f"Tenant{manager_class.__name__}"
    return TenantManager()


class TenantModel(models.Model):
    """A row owned by one organization. Queries need an organization scope."""

    organization = models.ForeignKey(
        "workspace.Organization", on_delete=models.CASCADE, related_name="%(class)ss"
    )

    objects = tenant_manager()

    class Meta:
        abstract = True


class SoftDeleteModel(models.Model):
    """Deleting marks the row; the cleanup job purges it after the retention period.

    ``deletion_batch`` names the deletion that took the row: a project's deletion gives its
    tasks its own batch, so that restoring the project brings back exactly those tasks."""

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deletion_batch = models.UUIDField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
