"""Abstract building blocks every domain model reuses: timestamps, tenant ownership, soft delete."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


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


def tenant_manager(queryset_class=models.QuerySet, *, include_deleted: bool = True):
    """A manager that fails closed: it raises unless an organization scope is active
    (``django_scopes.scope(organization=...)``), and then returns only that organization's rows.

    ``include_deleted=False`` also hides soft-deleted rows (the default manager of soft-deletable
    models); their ``all_objects`` manager reaches them.
    """
    manager_class = models.Manager.from_queryset(queryset_class)
    if not include_deleted:
        manager_class = type(
            f"Alive{manager_class.__name__}", (AliveManagerMixin, manager_class), {}
        )
    return ScopedManager(organization="organization", _manager_class=manager_class)


class TenantModel(models.Model):
    """A row owned by one organization. Queries need an organization scope."""

    organization = models.ForeignKey(
        "workspace.Organization", on_delete=models.CASCADE, related_name="%(class)ss"
    )

    objects = tenant_manager()

    class Meta:
        abstract = True


class SoftDeleteModel(models.Model):
    """Deleting marks the row; the cleanup job purges it after the retention period."""

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
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
