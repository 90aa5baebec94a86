import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from web.templatetags.tandem import change_lines
from workspace.models import AuditLog


class AuditLogTable(tables.Table):
    created_at = tables.Column(verbose_name="When", orderable=False)
    actor = tables.Column(verbose_name="Who", orderable=False, empty_values=())
    action = tables.Column(verbose_name="Did", orderable=False)
    object_repr = tables.Column(verbose_name="What", orderable=False, empty_values=())
    changed_fields = tables.Column(verbose_name="Changes", orderable=False, empty_values=())
    ip_address = tables.Column(verbose_name="From", orderable=False)

    class Meta:
        model = AuditLog
        fields = ("created_at", "actor", "action", "object_repr", "changed_fields", "ip_address")
        empty_text = "Nothing recorded for these filters."

    def __init__(self, *args, field_names=None, **kwargs):
        """``field_names``: custom field key -> name, to name custom fields in changes."""
        self.field_names = field_names or {}
        super().__init__(*args, **kwargs)

    def render_created_at(self, value):
        return format_html(
            '<time datetime="{}" class="whitespace-nowrap">{}</time>',
            value.isoformat(),
            value.strftime("%Y-%m-%d %H:%M"),
        )

    def render_actor(self, record):
        return record.actor.display_name if record.actor else "System"

    def render_action(self, record):
        return record.get_action_display()

    def render_object_repr(self, record):
        if not record.object_type:
            return record.object_repr or "—"
        return format_html(
            '<span class="text-text-muted">{}</span> {}', record.object_type, record.object_repr
        )

    def render_changed_fields(self, value):
        lines = change_lines(value, self.field_names)
        if not lines:
            return ""
        return format_html_join(
            "",
            '<span class="change">{}: {} → {}</span>',
            (
                (
                    line["field"],
                    "…" if line["long"] else line["old"],
                    "…" if line["long"] else line["new"],
                )
                for line in lines
            ),
        )
