"""Realistic generated data in bulk: for demos, benchmarks and load tests.

Everything is derived from a seed, so the same seed always describes the same organizations;
seeding again skips the organizations that already exist (idempotent per seed value)."""

import functools
import random
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from workspace import markdown
from workspace.models import (
    AuditAction,
    AuditLog,
    Comment,
    EventKind,
    InboxItem,
    Label,
    Membership,
    Organization,
    Plan,
    Priority,
    Project,
    Role,
    Task,
    TaskLabel,
    TaskStatus,
    Watch,
)
from workspace.tenancy import organization_scope

FIRST = (
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Donald",
    "Katherine",
    "Tim",
    "Hedy",
    "Guido",
    "Sophie",
    "John",
    "Mary",
    "Claude",
    "Jean",
    "Anita",
    "Bjarne",
    "Niklaus",
    "Evelyn",
    "Leslie",
    "Shafi",
    "Yukihiro",
)
LAST = (
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Knuth",
    "Johnson",
    "Berners-Lee",
    "Lamarr",
    "Rossum",
    "Wilson",
    "McCarthy",
    "Jackson",
    "Shannon",
    "Sammet",
    "Borg",
    "Stroustrup",
    "Wirth",
    "Boyd",
    "Lamport",
    "Goldwasser",
    "Matsumoto",
)
VERBS = (
    "Fix",
    "Write",
    "Review",
    "Ship",
    "Design",
    "Plan",
    "Update",
    "Migrate",
    "Test",
    "Document",
    "Refactor",
    "Investigate",
    "Draft",
    "Prepare",
    "Clean up",
    "Automate",
    "Measure",
    "Translate",
    "Archive",
    "Schedule",
)
THINGS = (
    "the onboarding flow",
    "the pricing page",
    "the release notes",
    "login rate limits",
    "the weekly report",
    "the invoice export",
    "search indexing",
    "the mobile layout",
    "error pages",
    "the API client",
    "backups",
    "the billing webhook",
    "dark mode",
    "the changelog",
    "e-mail templates",
    "the data retention policy",
    "accessibility issues",
    "the sprint board",
    "customer feedback",
    "the status page",
    "the design system",
    "caching",
    "the import wizard",
    "permissions",
    "the roadmap",
)
PROJECTS = (
    "Website",
    "Mobile app",
    "Platform",
    "Billing",
    "Growth",
    "Support",
    "Infrastructure",
    "Design system",
    "Data",
    "Security",
    "Integrations",
    "Docs",
)
SENTENCES = [
    "Customers asked for this twice last week.",
    "See the spec in the shared drive before starting.",
    "Blocked until the API change lands.",
    "Pair with someone from support for the edge cases.",
    "Keep the old behaviour behind a flag for a release.",
    "This came up in the retro; small but annoying.",
]
COMMENTS = [
    "Started on this, first draft by Friday.",
    "Can we split this into two tasks?",
    "Done on my side, needs a review.",
    "Moved the due date, waiting on legal.",
    "Looks good to me.",
    "I can take this if nobody else has time.",
]
PASSWORD = "tandem-seed-password"  # noqa: S105 - seeded demo accounts, printed by the command
BATCH = 5000


@dataclass
class SeedPlan:
    orgs: int
    users_per_org: int
    tasks_per_org: int
    comments_per_task: int = 0
    seed: int = 1
    plan: str = Plan.FREE
    prefix: str = "seed"


def _organization_slug(plan: SeedPlan, index: int) -> str:
    return f"{plan.prefix}{plan.seed}-{index + 1}"


def seed(plan: SeedPlan, progress=None) -> list[Organization]:
    """Create the organizations of ``plan`` that do not exist yet; return all of them."""
    password = make_password(PASSWORD)  # hashed once: hashing per user would dominate
    organizations = []
    for index in range(plan.orgs):
        slug = _organization_slug(plan, index)
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None:
            organization = _seed_organization(plan, index, slug, password, progress)
        organizations.append(organization)
    return organizations


def _seed_organization(plan: SeedPlan, index: int, slug: str, password: str, progress):
    rng = random.Random(f"{plan.seed}:{index}")  # noqa: S311 - demo data
    now = timezone.now()
    with transaction.atomic():
        organization = Organization.objects.create(
            name=f"{rng.choice(PROJECTS)} Team {plan.seed}-{index + 1}", slug=slug, plan=plan.plan
        )
        with organization_scope(organization):
            members = _seed_members(plan, organization, slug, password, rng)
            projects = _seed_projects(organization, members, rng, now)
    with organization_scope(organization):
        # The status histories draw from a stream of their own (see _task).
        moves = random.Random(f"{plan.seed}:{index}:moves")  # noqa: S311 - demo data
        _seed_tasks(plan, organization, members, projects, rng, now, progress, moves)
    return organization


# Seeded labels and the share of tasks carrying each: common ones and a rare one, so that
# filters by label are measured both ways (make bench, the query plan tests).
SEED_LABELS = (
    ("bug", "red", 0.15),
    ("frontend", "blue", 0.25),
    ("backend", "indigo", 0.2),
    ("docs", "teal", 0.08),
    ("customer", "amber", 0.1),
    ("blocked", "grey", 0.01),
)


def _seed_labels(organization) -> list[tuple[Label, float]]:
    labels = Label.objects.bulk_create(
        [
            Label(organization=organization, name=name, colour=colour)
            for name, colour, _share in SEED_LABELS
        ]
    )
    return list(zip(labels, [share for *_rest, share in SEED_LABELS], strict=True))


def _seed_task_labels(organization, tasks, labels, rng) -> None:
    TaskLabel.objects.bulk_create(
        [
            TaskLabel(organization=organization, task=task, label=label)
            for task in tasks
            for label, share in labels
            if rng.random() < share
        ],
        batch_size=BATCH,
    )


def _seed_members(plan, organization, slug, password, rng) -> list[Membership]:
    users = User.objects.bulk_create(
        [
            User(
                email=f"user{n + 1}@{slug}.example.com",
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                password=password,
            )
            for n in range(plan.users_per_org)
        ]
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )
    roles = [Role.OWNER] + [Role.ADMIN] * min(2, len(users) - 1)
    return Membership.objects.bulk_create(
        [
            Membership(
                organization=organization,
                user=user,
                role=roles[n] if n < len(roles) else Role.MEMBER,
            )
            for n, user in enumerate(users)
        ]
    )


def _seed_projects(organization, members, rng, now) -> list[Project]:
    names = rng.sample(PROJECTS, k=min(len(PROJECTS), 6))
    return Project.objects.bulk_create(
        [
            Project(
                organization=organization,
                name=name,
                slug=name.lower().replace(" ", "-"),
                description=rng.choice(SENTENCES),
                lead=rng.choice(members),
                created_by=members[0].user,
                created_at=now - timedelta(days=400),
                status="archived" if n == len(names) - 1 else "active",
            )
            for n, name in enumerate(names)
        ]
    )


STATUS_WEIGHTS = (
    (TaskStatus.TODO, 40),
    (TaskStatus.IN_PROGRESS, 15),
    (TaskStatus.DONE, 40),
    (TaskStatus.CANCELLED, 5),
)
PRIORITY_WEIGHTS = (
    (Priority.LOW, 25),
    (Priority.MEDIUM, 45),
    (Priority.HIGH, 22),
    (Priority.URGENT, 8),
)


@functools.lru_cache(maxsize=4096)
def _html(text: str) -> str:
    """The stored rendering of a generated text (the same few texts come back: render once)."""
    return markdown.render(text).html


def _history(status, created, now, moves, done_share) -> list[tuple]:
    """When the task moved through its statuses: ``[(at, old, new)]``, ending in ``status``.
    Three quarters of finished tasks went through "In progress" first (their cycle time)."""

    def after(start, days, share):  # some time in the next ``days`` days, and not after now
        return start + min(timedelta(days=days), now - start) * share

    if status == TaskStatus.IN_PROGRESS:
        return [(after(created, 10, moves.random()), TaskStatus.TODO, TaskStatus.IN_PROGRESS)]
    if status == TaskStatus.DONE:
        done = after(created, 30, done_share)
        if moves.random() < 0.75:
            started = created + (done - created) * moves.uniform(0.05, 0.6)
            return [
                (started, TaskStatus.TODO, TaskStatus.IN_PROGRESS),
                (done, TaskStatus.IN_PROGRESS, TaskStatus.DONE),
            ]
        return [(done, TaskStatus.TODO, TaskStatus.DONE)]
    if status == TaskStatus.CANCELLED:
        return [(after(created, 20, moves.random()), TaskStatus.TODO, TaskStatus.CANCELLED)]
    return []


def _task(organization, number, members, projects, rng, now, moves) -> tuple[Task, list[tuple]]:
    """A task and its status history. Its fields draw from ``rng`` exactly as they did before
    the history was recorded, so that a seed still describes the same tasks (the benchmark
    relies on its task #1 and #2); the history draws from ``moves``."""
    status = rng.choices(*zip(*STATUS_WEIGHTS, strict=True))[0]
    created = now - timedelta(days=rng.uniform(0, 365))
    due = None
    if rng.random() < 0.7:
        due = (created + timedelta(days=rng.randint(1, 60))).date()
    deleted = rng.random() < 0.02
    task = Task(
        organization=organization,
        number=number,
        project=rng.choice(projects),
        title=f"{rng.choice(VERBS)} {rng.choice(THINGS)}",
        description=(description := " ".join(rng.sample(SENTENCES, k=rng.randint(0, 3)))),
        description_html=_html(description),
        status=status,
        priority=rng.choices(*zip(*PRIORITY_WEIGHTS, strict=True))[0],
        due_date=due,
        assignee=rng.choice(members) if rng.random() < 0.8 else None,
        created_by=rng.choice(members).user,
        created_at=created,
    )
    done_share = rng.uniform(0, 30) / 30 if status == TaskStatus.DONE else None
    deleted_share = rng.randint(1, 120) / 120 if deleted else None
    history = _history(status, created, now, moves, done_share)
    task.started_at = next((at for at, _old, new in history if new == TaskStatus.IN_PROGRESS), None)
    task.completed_at = history[-1][0] if status == TaskStatus.DONE else None
    if deleted:  # some time after its last change
        last = history[-1][0] if history else created
        task.deleted_at = last + (now - last) * deleted_share
    return task, history


def _entries(organization, task, history, members, moves, task_type) -> list[AuditLog]:
    """The entries the services would have written: created (by its creator), each status
    change (by its labels, as ``describe_changes`` records them), deleted."""
    labels = dict(TaskStatus.choices)

    def entry(action, at, changed=None, actor=None):
        return AuditLog(
            organization=organization,
            actor_id=actor or moves.choice(members).user_id,
            action=action,
            content_type_id=task_type,
            object_id=task.pk,
            object_repr=str(task)[:200],
            changed_fields=changed or {},
            created_at=at,
        )

    entries = [entry(AuditAction.CREATED, task.created_at, actor=task.created_by_id)]
    entries.extend(
        entry(AuditAction.UPDATED, at, {"status": [labels[old], labels[new]]})
        for at, old, new in history
    )
    if task.deleted_at is not None:
        entries.append(entry(AuditAction.DELETED, task.deleted_at))
    return entries


def _seed_tasks(plan, organization, members, projects, rng, now, progress, moves) -> None:
    start = (Task.all_objects.aggregate(last=Max("number"))["last"] or 0) + 1
    task_type = ContentType.objects.get_for_model(Task).pk
    total = plan.tasks_per_org
    # Labels draw from a stream of their own: the rest of the data is as it was before them.
    label_rng = random.Random(f"{plan.seed}:{organization.slug}:labels")  # noqa: S311 - demo
    labels = _seed_labels(organization) if total else []
    for offset in range(0, total, BATCH):
        size = min(BATCH, total - offset)
        with transaction.atomic():
            made = [
                _task(organization, start + offset + n, members, projects, rng, now, moves)
                for n in range(size)
            ]
            tasks = Task.objects.bulk_create([task for task, _history in made])
            _seed_comments(plan, organization, tasks, members, rng)
            _seed_watches(organization, tasks, members)
            _seed_task_labels(organization, tasks, labels, label_rng)
            AuditLog.objects.bulk_create(
                [
                    entry
                    for task, (_made, history) in zip(tasks, made, strict=True)
                    for entry in _entries(organization, task, history, members, moves, task_type)
                ],
                batch_size=BATCH,
            )
        if progress is not None:
            progress(size)
    Organization.objects.filter(pk=organization.pk).update(task_counter=start + total - 1)


def _seed_watches(organization, tasks, members) -> None:
    """Creators and assignees watch their tasks, as they do when tasks are made in the app."""
    by_user = {m.user_id: m.pk for m in members}
    watches = set()
    for task in tasks:
        if task.created_by_id in by_user:
            watches.add((task.pk, by_user[task.created_by_id]))
        if task.assignee_id is not None:
            watches.add((task.pk, task.assignee_id))
    Watch.objects.bulk_create(
        [
            Watch(organization=organization, task_id=task, membership_id=membership)
            for task, membership in sorted(watches)
        ],
        batch_size=BATCH,
    )


INBOX_KINDS = (
    EventKind.COMMENTED,
    EventKind.COMMENTED,
    EventKind.STATUS_CHANGED,
    EventKind.ASSIGNED,
    EventKind.MENTIONED,
    EventKind.COMPLETED,
    EventKind.DUE_DATE_CHANGED,
    EventKind.OVERDUE,
)


def seed_inbox(*, organization: Organization, membership: Membership, items: int, seed: int = 1):
    """Give ``membership`` an inbox of ``items`` threads (the newest tasks of the organization,
    about a third unread), as if a month of work had happened around them. Tops up to ``items``
    when some exist already. Runs in the organization's scope."""
    existing = set(InboxItem.objects.filter(recipient=membership).values_list("task_id", flat=True))
    missing = items - len(existing)
    if missing <= 0:
        return 0
    rng = random.Random(f"inbox:{seed}:{membership.pk}")  # noqa: S311 - demo data
    now = timezone.now()
    others = list(
        Membership.objects.filter(organization=organization)
        .exclude(pk=membership.pk)
        .values_list("user_id", flat=True)
    )
    tasks = (
        Task.objects.filter(organization=organization)
        .exclude(pk__in=existing)
        .order_by("-number")
        .values_list("pk", "status", "due_date")[:missing]
    )
    rows = []
    for task_id, status, due in tasks:
        kind = rng.choice(INBOX_KINDS)
        at = now - timedelta(minutes=rng.randint(1, 30 * 24 * 60))
        actor = None if kind == EventKind.OVERDUE else rng.choice(others) if others else None
        event = {"kind": kind.value, "actor": actor, "at": at.isoformat()}
        if kind in (EventKind.STATUS_CHANGED, EventKind.COMPLETED):
            event["status"] = status
        if kind in (EventKind.DUE_DATE_CHANGED, EventKind.OVERDUE):
            event["due"] = due.isoformat() if due else None
        unread = rng.random() < 0.35
        rows.append(
            InboxItem(
                organization=organization,
                recipient=membership,
                task_id=task_id,
                kind=kind.value,
                actor_id=actor,
                last_event_at=at,
                recent=[event],
                unread_events=1 if unread else 0,
                has_mention=kind == EventKind.MENTIONED,
                read_at=None if unread else at + timedelta(minutes=5),
                seen_until=None if unread else at + timedelta(minutes=5),
            )
        )
    InboxItem.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _seed_comments(plan, organization, tasks, members, rng) -> None:
    if not plan.comments_per_task:
        return
    Comment.objects.bulk_create(
        [
            Comment(
                organization=organization,
                task=task,
                author=rng.choice(members).user,
                body=(body := rng.choice(COMMENTS)),
                body_html=_html(body),
                created_at=task.created_at + timedelta(hours=n + 1),
            )
            for task in tasks
            for n in range(plan.comments_per_task)
        ],
        batch_size=BATCH,
    )
