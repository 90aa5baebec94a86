from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager


class Comment(TenantModel, TimeStampedModel, SoftDeleteModel):
    task = models.ForeignKey("workspace.Task", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=10000, validators=[MaxLengthValidator(10000)])
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(include_deleted=False)
    all_objects = tenant_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["task", "created_at"], name="comment_task_created")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on task {self.task_id}"
