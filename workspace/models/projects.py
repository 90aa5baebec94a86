from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse

from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ProjectStatus.ACTIVE)

    def with_task_counts(self):
        """``open_count`` and ``done_count`` per project, counted by the database."""
        from .tasks import TaskStatus

        alive = Q(tasks__deleted_at__isnull=True)
        return self.annotate(
            open_count=Count(
                "tasks",
                filter=alive & Q(tasks__status__in=[TaskStatus.TODO, TaskStatus.IN_PROGRESS]),
            ),
            done_count=Count("tasks", filter=alive & Q(tasks__status=TaskStatus.DONE)),
        )


class Project(TenantModel, TimeStampedModel, SoftDeleteModel):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60)
    description = models.TextField(
        blank=True, max_length=5000, validators=[MaxLengthValidator(5000)]
    )
    status = models.CharField(
        max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    lead = models.ForeignKey(
        "workspace.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_projects",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = tenant_manager(ProjectQuerySet, include_deleted=False)
    all_objects = tenant_manager(ProjectQuerySet)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="project_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == ProjectStatus.ACTIVE

    def get_absolute_url(self) -> str:
        return reverse(
            "web:project-detail",
            kwargs={"org_slug": self.organization.slug, "project_slug": self.slug},
        )


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"


class CustomField(TenantModel, TimeStampedModel):
    """A field a project adds to its tasks. Values live in ``Task.custom_fields[key]``."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="field_definitions")
    name = models.CharField(max_length=60)
    key = models.SlugField(max_length=60)
    field_type = models.CharField(max_length=10, choices=FieldType.choices, default=FieldType.TEXT)
    options = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    objects = tenant_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="customfield_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.field_type == FieldType.CHOICE:
            if not self.options or not all(isinstance(o, str) and o.strip() for o in self.options):
                raise ValidationError({"options": "A choice field needs at least one option."})
        elif self.options:
            raise ValidationError({"options": "Only choice fields have options."})
