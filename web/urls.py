from django.urls import include, path

from web.views import health, invitations, members, organizations, profile

app_name = "web"

# Everything under /o/<org_slug>/ belongs to one organization (see OrganizationMiddleware).
organization_patterns = [
    path("", organizations.OrganizationHomeView.as_view(), name="org-home"),
    path("settings/", organizations.OrganizationSettingsView.as_view(), name="org-settings"),
    path("members/", members.MemberListView.as_view(), name="member-list"),
    path("members/leave/", members.MemberLeaveView.as_view(), name="member-leave"),
    path("members/<int:pk>/role/", members.MemberRoleView.as_view(), name="member-role"),
    path("members/<int:pk>/remove/", members.MemberRemoveView.as_view(), name="member-remove"),
    path("invitations/", invitations.InvitationCreateView.as_view(), name="invitation-create"),
    path(
        "invitations/<int:pk>/resend/",
        invitations.InvitationActionView.as_view(action="resend"),
        name="invitation-resend",
    ),
    path(
        "invitations/<int:pk>/revoke/",
        invitations.InvitationActionView.as_view(action="revoke"),
        name="invitation-revoke",
    ),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", organizations.HomeView.as_view(), name="home"),
    path("accounts/profile/", profile.ProfileView.as_view(), name="profile"),
    path("orgs/new/", organizations.OrganizationCreateView.as_view(), name="org-create"),
    path("invitations/<str:token>/", invitations.InvitationAcceptView.as_view(), name="invitation"),
    path("o/<slug:org_slug>/", include(organization_patterns)),
]
