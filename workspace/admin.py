from django.contrib import admin

from workspace.models import AuditLog, Invitation, Membership, Organization, OrganizationSlugAlias


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "role", "created_at", "last_visited_at"]
    readonly_fields = ["created_at", "last_visited_at"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "created_at", "deleted_at"]
    list_filter = ["plan"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return Organization.all_objects.all()  # deleted ones too, until they are purged


@admin.register(OrganizationSlugAlias)
class OrganizationSlugAliasAdmin(admin.ModelAdmin):
    list_display = ["slug", "organization", "created_at"]
    search_fields = ["slug", "organization__name"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organization"]
    search_fields = ["user__email", "user__name", "organization__name"]
    raw_id_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["organization"]
    search_fields = ["email", "organization__name"]
    readonly_fields = ["token", "accepted_at", "accepted_by", "sent_at"]
    raw_id_fields = ["organization", "invited_by", "accepted_by"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, for staff as for everybody."""

    list_display = ["created_at", "organization", "actor", "action", "object_repr", "ip_address"]
    list_filter = ["action"]
    list_select_related = ["organization", "actor"]
    search_fields = ["object_repr", "actor__email"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
