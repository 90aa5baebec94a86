from django.conf import settings
from django.urls import include, path

from web.views import (
    activity,
    bench,
    billing,
    board,
    bulk,
    checklists,
    comments,
    events,
    exports,
    filter_menus,
    health,
    inbox,
    insights,
    invitations,
    labels,
    members,
    mentions,
    organizations,
    palette,
    profile,
    projects,
    recurrence,
    saved_views,
    shortcuts,
    task_imports,
    tasks,
    time_zone,
    trash,
    unsubscribe,
    watching,
)

app_name = "web"

# Everything under /o/<org_slug>/ belongs to one organization (see OrganizationMiddleware).
task_patterns = [
    path("", tasks.TaskDetailView.as_view(), name="task-detail"),
    path("edit/", tasks.TaskEditView.as_view(), name="task-edit"),
    path("delete/", tasks.TaskDeleteView.as_view(), name="task-delete"),
    path("restore/", trash.TaskRestoreView.as_view(), name="task-restore"),
    path("assign/", tasks.TaskFieldView.as_view(), name="task-assign"),
    path("inline/labels/", labels.TaskLabelsView.as_view(), name="task-labels"),
    path("inline/<str:field>/", tasks.TaskFieldView.as_view(), name="task-inline"),
    path("move/", board.TaskMoveView.as_view(), name="task-move"),
    path("repeat/", recurrence.TaskRepeatView.as_view(), name="task-repeat"),
    path("checklist/", checklists.ChecklistAddView.as_view(), name="checklist-add"),
    path("checklist/<int:pk>/tick/", checklists.ChecklistTickView.as_view(), name="checklist-tick"),
    path("checklist/<int:pk>/move/", checklists.ChecklistMoveView.as_view(), name="checklist-move"),
    path(
        "checklist/<int:pk>/delete/",
        checklists.ChecklistDeleteView.as_view(),
        name="checklist-delete",
    ),
    path("watch/", watching.TaskWatchView.as_view(), name="task-watch"),
    path("viewers/", events.TaskViewersView.as_view(), name="task-viewers"),
    path("comments/", comments.CommentCreateView.as_view(), name="comment-create"),
    path("comments/<int:pk>/edit/", comments.CommentEditView.as_view(), name="comment-edit"),
    path("comments/<int:pk>/delete/", comments.CommentDeleteView.as_view(), name="comment-delete"),
]

project_patterns = [
    path("", tasks.ProjectTaskListView.as_view(), name="project-detail"),
    path("edit/", projects.ProjectEditView.as_view(), name="project-edit"),
    path("archive/", projects.ProjectArchiveView.as_view(), name="project-archive"),
    path("delete/", projects.ProjectDeleteView.as_view(), name="project-delete"),
    path("fields/", projects.ProjectFieldsView.as_view(), name="project-fields"),
    path("board/", board.BoardView.as_view(), name="project-board"),
    path("board/column/", board.BoardColumnView.as_view(), name="project-board-column"),
    path("insights/", insights.ProjectInsightsView.as_view(), name="project-insights"),
    path(
        "insights/<slug:chart>.csv",
        insights.ProjectInsightsCsvView.as_view(),
        name="project-insights-csv",
    ),
    path(
        "fields/<int:pk>/edit/",
        projects.ProjectFieldEditView.as_view(),
        name="project-field-edit",
    ),
    path(
        "fields/<int:pk>/delete/",
        projects.ProjectFieldDeleteView.as_view(),
        name="project-field-delete",
    ),
]

inbox_patterns = [
    path("", inbox.InboxView.as_view(), name="inbox"),
    path("count/", inbox.InboxCountView.as_view(), name="inbox-count"),
    path("read-all/", inbox.InboxReadAllView.as_view(), name="inbox-read-all"),
    path("<int:pk>/", inbox.InboxOpenView.as_view(), name="inbox-open"),
    *(
        path(
            f"<int:pk>/{action}/",
            inbox.InboxItemActionView.as_view(action=action),
            name=f"inbox-{action}",
        )
        for action in ("read", "unread", "archive", "unarchive")
    ),
]

organization_patterns = [
    path("", organizations.OrganizationHomeView.as_view(), name="org-home"),
    path("inbox/", include(inbox_patterns)),
    path("events/", events.EventStreamView.as_view(), name="events"),
    path("settings/", organizations.OrganizationSettingsView.as_view(), name="org-settings"),
    path("settings/delete/", organizations.OrganizationDeleteView.as_view(), name="org-delete"),
    path("settings/export/", exports.OrganizationExportView.as_view(), name="org-export"),
    path(
        "settings/export/<str:token>/",
        exports.OrganizationExportDownloadView.as_view(),
        name="org-export-download",
    ),
    path("restore/", organizations.OrganizationRestoreView.as_view(), name="org-restore"),
    path("import/", task_imports.TaskImportView.as_view(), name="task-import"),
    path(
        "import/<int:pk>/", task_imports.TaskImportDetailView.as_view(), name="task-import-detail"
    ),
    path("tasks/", tasks.TaskListView.as_view(), name="task-list"),
    path(
        "tasks/mine/",
        tasks.TaskListView.as_view(preset="mine", title="My tasks"),
        name="task-list-mine",
    ),
    path(
        "tasks/overdue/",
        tasks.TaskListView.as_view(preset="overdue", title="Overdue tasks"),
        name="task-list-overdue",
    ),
    path("tasks/new/", tasks.TaskCreateView.as_view(), name="task-create"),
    path("board/", board.BoardView.as_view(), name="board"),
    path("board/column/", board.BoardColumnView.as_view(), name="board-column"),
    path("tasks/bulk/", bulk.BulkEditView.as_view(), name="task-bulk"),
    path("palette/", palette.PaletteView.as_view(), name="palette"),
    path("shortcuts/", shortcuts.ShortcutsView.as_view(), name="shortcuts"),
    path("tasks/bulk/choices/", bulk.BulkChoicesView.as_view(), name="task-bulk-choices"),
    path(
        "tasks/filters/<slug:menu>/",
        filter_menus.TaskFilterMenuView.as_view(),
        name="task-filter-menu",
    ),
    path("tasks/bulk/<int:pk>/", bulk.BulkProgressView.as_view(), name="task-bulk-progress"),
    path("tasks/bulk/<int:pk>/undo/", bulk.BulkUndoView.as_view(), name="task-bulk-undo"),
    path("tasks/<int:number>/", include(task_patterns)),
    path("projects/", projects.ProjectListView.as_view(), name="project-list"),
    path("views/", saved_views.SavedViewListView.as_view(), name="saved-view-list"),
    path(
        "views/<int:pk>/rename/",
        saved_views.SavedViewRenameView.as_view(),
        name="saved-view-rename",
    ),
    path("views/<int:pk>/move/", saved_views.SavedViewMoveView.as_view(), name="saved-view-move"),
    path(
        "views/<int:pk>/delete/",
        saved_views.SavedViewDeleteView.as_view(),
        name="saved-view-delete",
    ),
    path("labels/", labels.LabelListView.as_view(), name="label-list"),
    path("labels/<int:pk>/", labels.LabelEditView.as_view(), name="label-edit"),
    path("labels/<int:pk>/delete/", labels.LabelDeleteView.as_view(), name="label-delete"),
    path("projects/new/", projects.ProjectCreateView.as_view(), name="project-create"),
    path("p/<slug:project_slug>/", include(project_patterns)),
    path("insights/", insights.InsightsView.as_view(), name="insights"),
    path("insights/<slug:chart>.csv", insights.InsightsCsvView.as_view(), name="insights-csv"),
    path("activity/", activity.ActivityView.as_view(), name="activity"),
    path("trash/", trash.TrashView.as_view(), name="trash"),
    path(
        "trash/<str:kind>/<int:pk>/restore/",
        trash.TrashRestoreView.as_view(),
        name="trash-restore",
    ),
    path("members/", members.MemberListView.as_view(), name="member-list"),
    path("members/leave/", members.MemberLeaveView.as_view(), name="member-leave"),
    path("members/suggest/", mentions.MemberSuggestView.as_view(), name="member-suggest"),
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

if settings.TANDEM_BENCH_BASELINE:
    # make bench only: no such route exists otherwise (see web/views/bench.py).
    organization_patterns.append(
        path("bench/floor/", bench.FloorView.as_view(), name="bench-floor")
    )

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", organizations.HomeView.as_view(), name="home"),
    path("accounts/profile/", profile.ProfileView.as_view(), name="profile"),
    path("accounts/theme/", profile.ThemeView.as_view(), name="theme"),
    path("accounts/delete/", profile.AccountDeleteView.as_view(), name="account-delete"),
    path("accounts/time-zone/", time_zone.TimeZoneView.as_view(), name="time-zone"),
    path("orgs/new/", organizations.OrganizationCreateView.as_view(), name="org-create"),
    path("palette/", palette.PaletteHomeView.as_view(), name="palette-home"),
    path("orgs/import/", exports.OrganizationImportView.as_view(), name="org-import"),
    # Tokens are token_urlsafe(): exactly the slug alphabet.
    path(
        "invitations/<slug:token>/", invitations.InvitationAcceptView.as_view(), name="invitation"
    ),
    path("unsubscribe/<str:token>/", unsubscribe.UnsubscribeView.as_view(), name="unsubscribe"),
    path("billing/webhook/", billing.stripe_webhook, name="billing-webhook"),
    path("o/<slug:org_slug>/", include(organization_patterns)),
]

if settings.TANDEM_BENCH_BASELINE:
    urlpatterns.append(path("bench/baseline/", bench.baseline, name="bench-baseline"))
