from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models

from workspace import markdown

from .base import SoftDeleteModel, TenantModel, TimeStampedModel, tenant_manager


class Comment(TenantModel, TimeStampedModel, SoftDeleteModel):
    task = models.ForeignKey("workspace.Task", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=10000, validators=[MaxLengthValidator(10000)])
    # ``body`` rendered from Markdown and sanitized when saved (workspace.markdown).
    body_html = models.TextField(blank=True, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = tenant_manager(include_deleted=False)
    all_objects = tenant_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["task", "created_at"], name="comment_task_created")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on task {self.task_id}"

    @property
    def body_rendered(self) -> str:
        """The stored rendering (rows written before Markdown are rendered on the fly)."""
        if self.body_html or not self.body:
            return self.body_html
        return markdown.render(self.body).html
