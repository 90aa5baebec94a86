"""Reads that cross relations. Views call these instead of composing queries themselves."""

import hashlib
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import JSONObject, Lower, RowNumber
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from workspace import revisions
from workspace.models import (
    OPEN_STATUSES,
    ORGANIZATION_RESTORE_WINDOW,
    ROW_VALUES,
    SIGN_IN_ACTIONS,
    AuditAction,
    AuditLog,
    ChecklistItem,
    Comment,
    CustomField,
    EventKind,
    InboxItem,
    Invitation,
    Label,
    Membership,
    Organization,
    Project,
    ProjectView,
    Role,
    SavedView,
    Task,
    TaskLabel,
    TaskStatus,
    Watch,
)
from workspace.models.tasks import row_label_ids, sorted_chips
from workspace.tenancy import all_tenants


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    """The user's organizations with their role there (``my_role``)."""
    return (
        Organization.objects.filter(memberships__user=user)
        .annotate(my_role=F("memberships__role"), last_visited_at=F("memberships__last_visited_at"))
        .order_by("name")
    )


def organization_switcher(*, user: User) -> dict[str, list[Organization]]:
    """What the switcher lists, in one query: the user's organizations (``live``) and those
    they own that were deleted and can still be restored (``deleted``)."""
    restorable = Q(
        deleted_at__gt=timezone.now() - ORGANIZATION_RESTORE_WINDOW, memberships__role=Role.OWNER
    )
    # One filter() call: the membership conditions apply to the same (the user's) membership.
    organizations = (
        Organization.all_objects.filter(
            Q(memberships__user=user) & (Q(deleted_at__isnull=True) | restorable)
        )
        .annotate(my_role=F("memberships__role"))
        .order_by("name", "pk")
    )
    found = {"live": [], "deleted": []}
    for organization in organizations:
        found["deleted" if organization.is_deleted else "live"].append(organization)
    return found


def last_used_organization(*, user: User) -> Organization | None:
    return (
        organization_list_for_user(user=user)
        .order_by(F("last_visited_at").desc(nulls_last=True), "name")
        .first()
    )


def membership_resolve(
    *, slug: str, user: User, include_deleted: bool = False
) -> Membership | None:
    """The user's membership in the organization with this slug (its ``organization`` loaded),
    or None: whether the organization does not exist or the user is not in it. A deleted
    organization is found only with ``include_deleted`` (its owners' restore page)."""
    with all_tenants():  # the organization is what this finds out
        memberships = Membership.objects.select_related("organization").filter(
            organization__slug=slug, user=user
        )
        if not include_deleted:
            memberships = memberships.filter(organization__deleted_at__isnull=True)
        membership = memberships.first()
    if membership is not None:
        membership.user = user  # the same row: no second query when read
    return membership


def organization_by_former_slug(*, slug: str, user: User) -> Organization | None:
    """The organization that used to have this slug, if the user is a member of it."""
    return Organization.objects.filter(slug_aliases__slug=slug, memberships__user=user).first()


def invitation_by_token(*, token: str) -> Invitation | None:
    """Invitation links are the one way in from outside any organization (not into a deleted
    one)."""
    with all_tenants():
        return (
            Invitation.objects.select_related("organization", "invited_by")
            .filter(token=token, organization__deleted_at__isnull=True)
            .first()
        )


def pending_invitations_for_user(*, user: User) -> list[Invitation]:
    with all_tenants():
        return list(
            Invitation.objects.pending()
            .filter(email__iexact=user.email, organization__deleted_at__isnull=True)
            .select_related("organization", "invited_by")
        )


def deleted_organizations_for_owner(*, user: User) -> list[Organization]:
    """Deleted organizations the user owns and can still restore, soonest purge first."""
    return list(
        Organization.all_objects.deleted()
        .filter(
            memberships__user=user,
            memberships__role=Role.OWNER,
            deleted_at__gt=timezone.now() - ORGANIZATION_RESTORE_WINDOW,
        )
        .order_by("deleted_at")
    )


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    """Owners first, then admins, then members; by name."""
    rank = Case(
        When(role=Role.OWNER, then=Value(0)), When(role=Role.ADMIN, then=Value(1)), default=Value(2)
    )
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by(rank, Lower("user__name"), "user__email")
    )


def assigned_task_count(*, membership: Membership) -> int:
    """Live tasks assigned to the member (what removing them would unassign)."""
    return Task.objects.filter(organization=membership.organization_id, assignee=membership).count()


def is_sole_owner(*, membership: Membership) -> bool:
    return (
        membership.is_owner
        and not Membership.objects.filter(organization=membership.organization_id)
        .owners()
        .exclude(pk=membership.pk)
        .exists()
    )


def pending_invitation_list(*, organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(organization=organization)
        .open()
        .select_related("invited_by")
        .order_by("-created_at")
    )


def assignable_members(*, organization: Organization) -> list[Membership]:
    """Members as choices (assignee, lead, actor): their names, not their whole accounts."""
    return list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .only("organization", "role", "user__name", "user__email")
        .order_by(Lower("user__name"), "user__email")
    )


def _read_directory(organization: Organization) -> dict[str, list[tuple]]:
    """The organization's members, projects (archived ones too) and labels as choices, each in
    name order, in one query: ``{"members": [(membership id, display name)], "projects": [(id,
    name)], "labels": [(id, name, colour)]}``."""

    def part(queryset, kind: str, name: str, extra, order: list):
        return queryset.filter(organization=organization).values_list(
            Value(kind, output_field=CharField()),
            "pk",
            name,
            extra,
            Window(RowNumber(), order_by=order),
        )

    members = part(
        Membership.objects,
        "members",
        "user__name",
        "user__email",
        [Lower("user__name").asc(), F("user__email").asc()],
    )
    projects = part(
        Project.objects,
        "projects",
        "name",
        Value("", output_field=CharField()),
        [Lower("name").asc(), F("pk").asc()],
    )
    labels = part(Label.objects, "labels", "name", "colour", [Lower("name").asc(), F("pk").asc()])
    directory = {"members": [], "projects": [], "labels": []}
    for kind, pk, name, extra, _rank in sorted(
        members.union(projects, labels, all=True), key=lambda row: (row[0], row[4])
    ):
        if kind == "members":
            directory[kind].append((pk, User(name=name, email=extra).display_name))
        elif kind == "projects":
            directory[kind].append((pk, name))
        else:
            directory[kind].append((pk, name, extra))
    return directory


def directory_choices(*, organization: Organization) -> dict[str, list[tuple]]:
    """``_read_directory``, kept under the organization's directory revision: every page that
    names members, projects or labels reads it once, from the cache."""
    return revisions.cached(
        organization.pk, revisions.DIRECTORY, "directory", lambda: _read_directory(organization)
    )


def member_names(*, organization: Organization) -> list[tuple[int, str]]:
    """``(membership id, display name)`` of every member, in the order of
    ``assignable_members``: for filters and sorting, where only the names are shown. Kept
    under the organization's directory revision."""
    return directory_choices(organization=organization)["members"]


def project_names(*, organization: Organization) -> list[tuple[int, str]]:
    """``(project id, name)`` of every project (archived ones too), by name: filter choices.
    Kept under the organization's directory revision."""
    return directory_choices(organization=organization)["projects"]


def label_choices(*, organization: Organization) -> list[tuple[int, str, str]]:
    """``(label id, name, colour)`` of every label, by name: filter choices and editors. Kept
    under the organization's directory revision."""
    return directory_choices(organization=organization)["labels"]


def name_rows(rows: list[dict], *, organization: Organization) -> list[dict]:
    """Gives each list row (``ROW_VALUES``, read from the task table alone) the names it shows
    (``ROW_NAMES``): its project's, its assignee's and its labels' (as chips), from the
    organization's directory. That is cached under the directory revision, so a page of rows
    joins no other table. A row naming what the cached directory does not hold (created after
    that revision was read, in this request) has the directory read afresh."""
    if not rows:
        return rows

    def names(directory):
        return (
            dict(directory["projects"]),
            dict(directory["members"]),
            {pk: (name, colour) for pk, name, colour in directory["labels"]},
        )

    projects, members, labels = names(directory_choices(organization=organization))

    def unknown(row) -> bool:
        return (
            row["project_id"] not in projects
            or (row["assignee_id"] is not None and row["assignee_id"] not in members)
            or any(pk not in labels for pk in row["label_ids"] or ())
        )

    if any(unknown(row) for row in rows):
        projects, members, labels = names(_read_directory(organization))
    for row in rows:
        row["project_name"] = projects.get(row["project_id"], "")
        row["assignee_name"] = members.get(row["assignee_id"], "")
        row["chips"] = sorted_chips(labels[pk] for pk in row["label_ids"] or () if pk in labels)
    return rows


def label_list(*, organization: Organization) -> QuerySet[Label]:
    """The labels page: each label with how many live tasks carry it."""
    live = TaskLabel.objects.filter(label=OuterRef("pk"), task__deleted_at__isnull=True)
    return (
        Label.objects.filter(organization=organization)
        .annotate(
            task_count=Subquery(
                live.order_by().values("label").annotate(n=Count("pk")).values("n")[:1]
            )
        )
        .order_by(Lower("name"), "pk")
    )


def saved_views(*, membership: Membership) -> list[dict]:
    """The views the member sees in the sidebar: the organization's shared ones, then their
    own, each in its order. Kept under the organization's directory revision."""

    def read():
        return list(
            SavedView.objects.filter(organization=membership.organization_id)
            .filter(Q(shared=True) | Q(owner=membership.pk))
            # A view of a project in the trash waits for it (restoring brings it back).
            .filter(Q(project__isnull=True) | Q(project__deleted_at__isnull=True))
            .order_by("-shared", "position", "pk")
            .values("pk", "name", "shared", "kind", "query", "project__slug")
        )

    return revisions.cached(
        membership.organization_id, revisions.DIRECTORY, f"saved_views:{membership.pk}", read
    )


def checklist(*, task: Task) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(task=task).select_related("assignee__user"))


def project_list(*, organization: Organization) -> QuerySet[Project]:
    return (
        Project.objects.filter(organization=organization)
        .with_task_counts(cap=SUMMARY_COUNT_CAP)
        .select_related("lead__user")
        .order_by("status", Lower("name"))
    )


def task_list(*, organization: Organization) -> QuerySet[Task]:
    return Task.objects.filter(organization=organization).for_list()


def task_rows(*, organization: Organization) -> QuerySet[Task]:
    """The organization's tasks as list rows (only the columns a row shows)."""
    return Task.objects.filter(organization=organization).for_rows()


def comment_list(*, task: Task) -> QuerySet[Comment]:
    """The task's comments as the thread shows them (the authors' names, not their accounts)."""
    return (
        Comment.objects.filter(task=task)
        .select_related("author")
        .only(
            "organization",
            "task",
            "body",
            "body_html",
            "created_at",
            "edited_at",
            "author__name",
            "author__email",
        )
        .order_by("created_at", "pk")
    )


# Summary counts (the home page's, the project list's) stop here ("1,000+"): past it the exact
# number changes nothing for the reader, and counting 30k overdue tasks of a large organization
# would cost more than the page.
SUMMARY_COUNT_CAP = 1000


def capped_count(queryset: QuerySet, cap: int) -> int:
    """The number of rows, counted no further than ``cap + 1`` (more than ``cap`` when so)."""
    return queryset.order_by()[: cap + 1].count()


def dashboard(*, membership: Membership, limit: int = 8) -> dict:
    """What the organization home shows the member: a fixed number of queries. The task lists
    hold the ``ROW_VALUES`` of each task; the counts are capped at ``SUMMARY_COUNT_CAP`` (see
    ``capped_count``) and kept under the organization's task revision."""
    today = timezone.localdate()
    organization = membership.organization
    tasks = Task.objects.filter(organization=organization)
    mine = tasks.open().filter(assignee=membership)

    def rows(queryset) -> list[dict]:
        return name_rows(list(queryset.row_values()[:limit]), organization=organization)

    def count(name, queryset) -> int:
        return revisions.cached(
            organization.pk,
            revisions.TASKS,
            f"dashboard:{name}:{membership.pk}:{today}",
            lambda: capped_count(queryset, SUMMARY_COUNT_CAP),
        )

    return {
        "my_open_tasks": rows(mine.order_by(F("due_date").asc(nulls_last=True), "-priority")),
        "my_open_count": count("mine", mine),
        "overdue_count": count("overdue", tasks.overdue(today)),
        "count_cap": SUMMARY_COUNT_CAP,
        "due_this_week": rows(
            tasks.open()
            .filter(due_date__gte=today, due_date__lte=today + timedelta(days=6))
            .order_by("due_date", "-priority")
        ),
        "recently_updated": rows(tasks.order_by("-updated_at")),
    }


def task_history(*, task: Task, limit: int = 50) -> list[AuditLog]:
    """The task's own entries and those of its comments (including deleted ones), newest first."""
    comment_ids = Comment.all_objects.filter(task=task).values("pk")
    task_type = ContentType.objects.get_for_model(Task)
    comment_type = ContentType.objects.get_for_model(Comment)
    return list(
        AuditLog.objects.filter(organization=task.organization_id)
        .filter(
            Q(content_type=task_type, object_id=task.pk)
            | Q(content_type=comment_type, object_id__in=comment_ids)
        )
        .select_related("actor", "content_type")
        .order_by("-created_at", "-pk")[:limit]
    )


def audit_log_list(*, organization: Organization) -> QuerySet[AuditLog]:
    return (
        AuditLog.objects.filter(organization=organization)
        .select_related("actor", "content_type")
        .order_by("-created_at", "-pk")
    )


def recent_sign_ins(*, user: User, limit: int = 10) -> list[AuditLog]:
    """Sign-in events belong to no organization: read them for this user only."""
    with all_tenants():
        return list(
            AuditLog.objects.filter(
                organization__isnull=True, actor=user, action__in=SIGN_IN_ACTIONS
            ).order_by("-created_at", "-pk")[:limit]
        )


def trash(*, organization: Organization, limit: int = 200) -> dict[str, list]:
    """What was deleted, newest first, with who deleted it."""
    deleted = {"deleted_at__isnull": False}
    return {
        "projects": list(
            Project.all_objects.filter(organization=organization, **deleted)
            .select_related("deleted_by")
            .order_by("-deleted_at")[:limit]
        ),
        "tasks": list(
            Task.all_objects.filter(organization=organization, **deleted)
            .select_related("deleted_by", "project")
            .order_by("-deleted_at")[:limit]
        ),
        "comments": list(
            Comment.all_objects.filter(organization=organization, **deleted)
            .select_related("deleted_by", "task", "author")
            .order_by("-deleted_at")[:limit]
        ),
    }


def digest_summary(
    *, organization: Organization, period_start: date, period_end: date, top: int = 10
) -> dict:
    """What happened in ``[period_start, period_end)`` (UTC dates): tasks created, completed, and
    overdue as of ``period_end``, in total, per project and per assignee, plus the most overdue
    tasks. Soft-deleted tasks are not counted."""
    start = datetime.combine(period_start, time.min, tzinfo=UTC)
    end = datetime.combine(period_end, time.min, tzinfo=UTC)
    created = Q(created_at__gte=start, created_at__lt=end)
    completed = Q(status=TaskStatus.DONE, completed_at__gte=start, completed_at__lt=end)
    overdue = Q(status__in=OPEN_STATUSES, due_date__lt=period_end)
    counts = {
        "created": Count("pk", filter=created),
        "completed": Count("pk", filter=completed),
        "overdue": Count("pk", filter=overdue),
    }
    relevant = Task.objects.filter(organization=organization).filter(created | completed | overdue)
    per_project = list(
        relevant.values("project_id", "project__name")
        .annotate(**counts)
        .order_by(Lower("project__name"), "project_id")
    )
    per_assignee = [
        {
            **row,
            "name": row["assignee__user__name"]
            or (row["assignee__user__email"] or "").split("@")[0]
            or "Unassigned",
        }
        for row in relevant.values("assignee__user__name", "assignee__user__email")
        .annotate(**counts)
        .order_by(Lower("assignee__user__name"))
    ]
    return {
        "period_start": period_start,
        "period_end": period_end,
        "totals": relevant.aggregate(**counts),
        "per_project": per_project,
        "per_assignee": per_assignee,
        "top_overdue": list(
            Task.objects.filter(organization=organization)
            .filter(overdue)
            .select_related("project", "assignee__user")
            .order_by("due_date", "number")[:top]
        ),
    }


def task_field_change(*, task: Task, field: str) -> AuditLog | None:
    """The latest recorded change of one field of ``task`` (who made it, when), or None."""
    task_type = ContentType.objects.get_for_model(Task)
    return (
        AuditLog.objects.filter(
            organization=task.organization_id,
            content_type=task_type,
            object_id=task.pk,
            action=AuditAction.UPDATED,
            changed_fields__has_key=field,
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


def project_ids_by_name(*, organization: Organization) -> list[int]:
    """The organization's project ids in the order their names sort (the list's project sort)."""
    return [pk for pk, _ in project_names(organization=organization)]


# --- Inbox ---------------------------------------------------------------------------------------

# The header shows "99+" past this.
INBOX_COUNT_CAP = 99
INBOX_PAGE_SIZE = 50
INBOX_VIEWS = ("all", "unread", "mentions", "archived")


def inbox_unread_count(*, membership: Membership) -> int:
    """Unread items of the member (of tasks not in the trash), counted no further than
    ``INBOX_COUNT_CAP + 1``: one query on the ``inbox_unread`` index."""
    # The task's trash state is looked up per counted row (a scalar subquery PostgreSQL runs as
    # an index lookup for at most 100 rows), not joined: a join lets the planner hash the whole
    # task table.
    in_trash = Subquery(Task.all_objects.filter(pk=OuterRef("task_id")).values("deleted_at")[:1])
    items = (
        InboxItem.objects.filter(organization=membership.organization_id, recipient=membership)
        .unread()
        .alias(task_deleted_at=in_trash)
        .filter(task_deleted_at__isnull=True)
    )
    return capped_count(items, INBOX_COUNT_CAP)


def inbox_items(*, membership: Membership, view: str = "all") -> QuerySet[InboxItem]:
    """The member's items, newest first: ``all`` (not archived), ``unread``, ``mentions`` or
    ``archived`` (or ``any`` of them). Each row brings the few task columns it shows and its
    latest actor."""
    items = InboxItem.objects.filter(
        organization=membership.organization_id, recipient=membership
    ).visible()
    if view == "archived":
        items = items.filter(archived_at__isnull=False)
    elif view != "any":
        items = items.filter(archived_at__isnull=True)
    if view == "unread":
        items = items.filter(read_at__isnull=True)
    elif view == "mentions":
        items = items.filter(has_mention=True)
    return (
        items.select_related("task", "actor")
        .only(
            "organization",
            "recipient",
            "kind",
            "last_event_at",
            "recent",
            "unread_events",
            "has_mention",
            "read_at",
            "archived_at",
            "task__organization",
            "task__number",
            "task__title",
            "task__status",
            "task__due_date",
            "actor__name",
            "actor__email",
        )
        .order_by("-last_event_at", "-id")
    )


def users_by_id(*, ids) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.pk: u for u in User.objects.filter(pk__in=ids).only("name", "email")}


def actor_name(actor_id: int | None, actors: dict[int, User]) -> str:
    if actor_id is None:
        return "Tandem"
    actor = actors.get(actor_id)
    return actor.display_name if actor is not None else "A former member"


def _day(value: str | None) -> str:
    return date_format(date.fromisoformat(value), "M j, Y") if value else ""


def inbox_event_text(event: dict, actors: dict[int, User]) -> str:
    """What happened, in a sentence (plain text: templates escape it)."""
    who = actor_name(event.get("actor"), actors)
    kind = event.get("kind")
    if kind == EventKind.ASSIGNED:
        return f"{who} assigned it to you"
    if kind == EventKind.MENTIONED:
        where = "a comment" if event.get("comment") else "the description"
        return f"{who} mentioned you in {where}"
    if kind == EventKind.COMMENTED:
        return f"{who} commented"
    if kind == EventKind.STATUS_CHANGED:
        status = dict(TaskStatus.choices).get(event.get("status"), "another status")
        return f"{who} changed the status to {status}"
    if kind == EventKind.DUE_DATE_CHANGED:
        if event.get("due"):
            return f"{who} set the due date to {_day(event['due'])}"
        return f"{who} removed the due date"
    if kind == EventKind.COMPLETED:
        return f"{who} completed it"
    if kind == EventKind.DUE_TOMORROW:
        return "Due tomorrow"
    if kind == EventKind.OVERDUE:
        return f"Overdue: it was due on {_day(event.get('due'))}"
    if kind == EventKind.BULK_CHANGED:
        return f"{who} {event.get('summary') or 'changed several of your tasks'}"
    return "Updated"


def _with_headlines(items: list[InboxItem]) -> list[InboxItem]:
    """Give each item its ``headline`` (the latest event) and ``earlier`` (the other unread
    events it remembers), as sentences: one query for the actors of all of them."""
    actors = users_by_id(ids={e.get("actor") for i in items for e in i.recent or []})
    for item in items:
        if item.actor is not None:
            actors.setdefault(item.actor_id, item.actor)
        events = item.recent or [{"kind": item.kind, "actor": item.actor_id}]
        item.headline = inbox_event_text(events[0], actors)
        # A bulk edit's item (no task): the tasks it changed, by number.
        item.bulk_numbers = events[0].get("numbers", []) if item.task_id is None else []
        item.bulk_more = max(0, events[0].get("count", 0) - len(item.bulk_numbers))
        item.earlier = [inbox_event_text(e, actors) for e in events[1 : item.unread_events]]
    return items


def inbox_page(*, membership: Membership, view: str = "all", page: int = 1) -> dict:
    """One page of the inbox as the template shows it, in a fixed number of queries (the items
    with their tasks and latest actors, then the actors of their recent events)."""
    page = max(page, 1)
    start = (page - 1) * INBOX_PAGE_SIZE
    items = list(inbox_items(membership=membership, view=view)[start : start + INBOX_PAGE_SIZE + 1])
    has_next = len(items) > INBOX_PAGE_SIZE
    return {
        "items": _with_headlines(items[:INBOX_PAGE_SIZE]),
        "page": page,
        "has_next": has_next,
        "view": view,
    }


def inbox_item_row(*, membership: Membership, item_id: int) -> InboxItem | None:
    """One of the member's items as a row of the inbox page (archived or not)."""
    items = list(inbox_items(membership=membership, view="any").filter(pk=item_id))
    return _with_headlines(items)[0] if items else None


def mention_names(*, organization: Organization, ids=None) -> dict[int, str]:
    """Membership id -> display name of the organization's members (only ``ids`` if given):
    how mentions render."""
    members = Membership.objects.filter(organization=organization).select_related("user")
    if ids is not None:
        if not ids:
            return {}
        members = members.filter(pk__in=ids)
    return {m.pk: m.user.display_name for m in members.only("user__name", "user__email")}


MENTION_SUGGESTIONS = 8


def member_suggestions(*, organization: Organization, query: str) -> list[Membership]:
    """Members whose name contains, or whose e-mail starts with, ``query`` (all members when it
    is empty), by name: what typing ``@`` offers."""
    members = Membership.objects.filter(organization=organization).select_related("user")
    query = " ".join((query or "").split())[:100]
    if query:
        members = members.filter(Q(user__name__icontains=query) | Q(user__email__istartswith=query))
    return list(
        members.only("organization", "user__name", "user__email").order_by(
            Lower("user__name"), "user__email"
        )[:MENTION_SUGGESTIONS]
    )


def task_watchers(*, task: Task, members: list[Membership]) -> list[Membership]:
    """The task's watchers among ``members`` (the organization's, already loaded), in their
    order: one query for the ids."""
    watching = set(Watch.objects.filter(task=task).values_list("membership_id", flat=True))
    return [m for m in members if m.pk in watching]


def viewer_unread(*, membership: Membership) -> Exists:
    """An annotation for task querysets: the member has an unread inbox item about the task."""
    return Exists(
        InboxItem.objects.filter(task=OuterRef("pk"), recipient=membership, read_at__isnull=True)
    )


BOARD_PAGE_SIZE = 25
BOARD_COUNT_CAP = 1000


def board_column(
    *,
    organization: Organization,
    tasks: QuerySet[Task],
    cursor: str | None = None,
    size: int = BOARD_PAGE_SIZE,
):
    """One page of a board column: ``tasks`` (already filtered to the column) in the manual
    order, the ``size`` after ``cursor`` (the last key of the previous page), as named row
    values (``name_rows``) plus their ``board_key``. Returns ``(rows, next_cursor)``;
    ``next_cursor`` is None on the last page. One query, reading the column's index in order."""
    ordered = tasks.board_order()
    if cursor:
        ordered = ordered.filter(board_key__lt=cursor)
    rows = list(ordered.values(*ROW_VALUES, "board_key", **row_label_ids())[: size + 1])
    more = len(rows) > size
    rows = name_rows(rows[:size], organization=organization)
    return rows, (rows[-1]["board_key"] if more else None)


def board_column_count(*, organization: Organization, tasks: QuerySet[Task]) -> int:
    """How many tasks a column holds, counted up to ``BOARD_COUNT_CAP + 1`` ("1,000+"), kept
    under the organization's task revision."""
    capped = tasks.order_by()[: BOARD_COUNT_CAP + 1]
    sql, params = capped.query.sql_with_params()
    name = (
        "board-count:" + hashlib.blake2b(repr((sql, params)).encode(), digest_size=16).hexdigest()
    )
    return revisions.cached(organization.pk, revisions.TASKS, name, capped.count)


def custom_field_names(*, organization: Organization) -> dict[str, str]:
    """Custom field key -> name across the organization's projects (the activity log names
    fields in changes; keys are made from names, so projects sharing a key name it alike)."""
    return dict(
        CustomField.objects.filter(organization=organization)
        .order_by("pk")
        .values_list("key", "name")
    )


def custom_field_usage(*, field: CustomField) -> dict[str, int]:
    """How many live tasks of the field's project hold each value of a choice field."""
    from workspace.custom_fields import FieldText

    return dict(
        Task.objects.filter(project_id=field.project_id, organization_id=field.organization_id)
        .annotate(value=FieldText(field.key))
        .filter(value__in=field.options)
        .order_by()
        .values("value")
        .annotate(count=Count("pk"))
        .values_list("value", "count")
    )


FIELD_COLUMNS = ("pk", "name", "key", "field_type", "options", "required", "position")


def project_for_list(*, organization: Organization, slug: str, membership: Membership):
    """The project as its list page shows it (or None), in one query: its lead, how the member
    last looked at it (``member_layout``, see ``project_layout``) and its custom fields in order
    (``definitions``, unsaved copies: the list's filters, columns and sort keys).

    The project, its lead and its fields are kept under the directory revision (their changes
    move it), so the query usually reads the member's layout alone; only when they are not kept
    does it read them too."""
    # Keyed by slug: the key is known before the project is read.
    key, kept = revisions.peek(organization.pk, revisions.DIRECTORY, f"project-for-list:{slug}")
    if kept is not None:
        project, rows = kept
        project.member_layout = project_layout(project=project, membership=membership)
    else:
        layout = ProjectView.objects.filter(project=OuterRef("pk"), membership=membership)
        fields = (
            CustomField.objects.filter(project=OuterRef("pk"))
            .order_by("position", "pk")
            .values(json=JSONObject(**{name: name for name in FIELD_COLUMNS}))
        )
        project = (
            Project.objects.filter(organization=organization, slug=slug)
            .select_related("lead__user")
            .defer("lead__user__password")  # kept in the shared cache: no password hash there
            .annotate(
                member_layout=Subquery(layout.values("layout")[:1]),
                field_rows=ArraySubquery(fields),
            )
            .first()
        )
        if project is None:
            return None
        rows = project.__dict__.pop("field_rows")
        member_layout = project.__dict__.pop("member_layout")  # the member's own: not kept
        revisions.keep(key, (project, rows))
        project.member_layout = member_layout
    project.organization = organization  # the one it was read in: no query for it
    project.definitions = [
        CustomField(organization=organization, project=project, **row) for row in rows
    ]
    return project


def project_layout(*, project: Project, membership: Membership) -> str | None:
    """How the member last looked at the project's tasks ("list", "board"), if ever."""
    return (
        ProjectView.objects.filter(project=project, membership=membership)
        .values_list("layout", flat=True)
        .first()
    )


# --- Command palette -------------------------------------------------------------------------

PALETTE_TASKS = 8
PALETTE_PROJECTS = 5


def palette_tasks(*, organization: Organization, query: str) -> list[dict]:
    """Tasks for the command palette: the task numbered ``query`` ("42" or "#42") first, then
    tasks whose title contains every word of it, newest first. Numbers and titles only."""
    query = " ".join(query.split())[:200]
    if not query:
        return []
    tasks = Task.objects.filter(organization=organization)
    number = query.removeprefix("#")
    by_title = Q()
    for word in query.split()[:8]:
        by_title &= Q(title__icontains=word)
    matches = by_title
    if number.isascii() and number.isdigit() and len(number) < 10:
        matches = Q(number=int(number)) | by_title
        tasks = tasks.annotate(exact=Case(When(number=int(number), then=0), default=1))
    else:
        tasks = tasks.annotate(exact=Value(1))
    return list(
        tasks.filter(matches)
        .order_by("exact", "-number")
        .values("number", "title", "status", "project__name")[:PALETTE_TASKS]
    )


def palette_projects(*, organization: Organization, query: str) -> list[tuple[str, str]]:
    """``(slug, name)`` of active projects whose name contains ``query``, by name."""
    query = " ".join(query.split())[:200]
    projects = Project.objects.filter(organization=organization).active()
    if query:
        projects = projects.filter(name__icontains=query)
    return list(projects.order_by(Lower("name")).values_list("slug", "name")[:PALETTE_PROJECTS])
