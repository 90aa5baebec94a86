"""``manage.py seed_demo``: realistic generated organizations, in bulk, idempotent per seed."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from workspace import markdown
from workspace.models import (
    AuditAction,
    AuditLog,
    Comment,
    InboxItem,
    Membership,
    Organization,
    Project,
    Role,
    Task,
    TaskStatus,
    Watch,
)
from workspace.seeding import PASSWORD, seed_inbox
from workspace.services.tasks import task_create
from workspace.tenancy import all_tenants, organization_scope

pytestmark = pytest.mark.django_db

TASKS = 400


def seed_demo(**options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def snapshot(organization) -> list[tuple]:
    with organization_scope(organization):
        return list(
            Task.all_objects.order_by("number").values_list(
                "number", "title", "status", "priority", "due_date", "assignee__user__email"
            )
        )


@pytest.fixture
def seeded():
    out, err = seed_demo(orgs=2, users_per_org=5, tasks_per_org=TASKS, comments_per_task=2, seed=9)
    return Organization.objects.filter(slug__startswith="seed9-").order_by("slug"), out, err


def test_creates_each_organization_with_members_who_can_sign_in(seeded):
    organizations, out, _ = seeded

    assert [o.slug for o in organizations] == ["seed9-1", "seed9-2"]
    for organization in organizations:
        with organization_scope(organization):
            roles = Counter(Membership.objects.values_list("role", flat=True))
        assert roles == {Role.OWNER: 1, Role.ADMIN: 2, Role.MEMBER: 2}
        first = f"user1@{organization.slug}.example.com"
        assert first in out
        assert User.objects.get(email=first).check_password(PASSWORD)
    assert PASSWORD in out


def test_tasks_are_spread_like_a_real_backlog(seeded):
    organization = seeded[0][0]

    with organization_scope(organization):
        tasks = Task.all_objects.all()
        assert tasks.count() == TASKS
        assert set(Counter(tasks.values_list("status", flat=True))) == {
            "todo",
            "in_progress",
            "done",
            "cancelled",
        }
        assert tasks.values("priority").distinct().count() == 4
        assert tasks.values("project").distinct().count() == Project.objects.count() > 1
        assert 0 < tasks.filter(assignee=None).count() < TASKS // 2
        assert 0 < tasks.filter(due_date=None).count() < TASKS // 2
        deleted = tasks.filter(deleted_at__isnull=False).count()
        assert 0 < deleted < TASKS // 10  # some soft-deleted rows, most alive
        assert Task.objects.count() == TASKS - deleted
        assert not tasks.filter(status="done", completed_at=None).exists()
        assert Comment.objects.count() == 2 * TASKS
        created = AuditLog.objects.filter(action=AuditAction.CREATED, object_repr__startswith="#")
        assert created.count() == TASKS


def test_creators_and_assignees_watch_and_texts_are_rendered_as_in_the_app(seeded):
    organization = seeded[0][0]

    with organization_scope(organization):
        for task in Task.all_objects.select_related("assignee")[:50]:
            watchers = set(
                Watch.objects.filter(task=task).values_list("membership__user_id", flat=True)
            )
            expected = {task.created_by_id} | ({task.assignee.user_id} if task.assignee else set())
            assert watchers == expected
            assert task.description_html == markdown.render(task.description).html
        comment = Comment.objects.first()
        assert comment.body_html == f"<p>{comment.body}</p>\n"


def test_seed_inbox_fills_a_members_inbox_and_tops_it_up(seeded):
    organization = seeded[0][0]

    with organization_scope(organization):
        member = Membership.objects.filter(role=Role.MEMBER).first()
        assert seed_inbox(organization=organization, membership=member, items=300) == 300
        assert seed_inbox(organization=organization, membership=member, items=300) == 0
        assert seed_inbox(organization=organization, membership=member, items=350) == 50
        items = InboxItem.objects.filter(recipient=member)
        assert items.count() == 350
        assert items.values("task").distinct().count() == 350
        unread = items.filter(read_at__isnull=True).count()
        assert 50 < unread < 200
        assert items.filter(has_mention=True).exists()
        assert not items.filter(actor=member.user).exists()  # never their own actions


def test_tasks_are_numbered_per_organization_and_numbering_continues_after(seeded):
    organization = seeded[0][1]

    with organization_scope(organization):
        numbers = list(Task.all_objects.order_by("number").values_list("number", flat=True))
        owner = Membership.objects.get(role=Role.OWNER)
        task = task_create(
            organization=Organization.objects.get(pk=organization.pk),
            actor=owner,
            project=Project.objects.first(),
            title="Written by hand after seeding",
        )

    assert numbers == list(range(1, TASKS + 1))
    assert task.number == TASKS + 1


def test_running_again_with_the_same_seed_changes_nothing(seeded):
    organizations, _, _ = seeded
    before = [snapshot(o) for o in organizations]
    with all_tenants():
        counts = (Task.objects.count(), Comment.objects.count(), AuditLog.objects.count())

    out, _ = seed_demo(
        orgs=2, users_per_org=5, tasks_per_org=TASKS, comments_per_task=2, seed=9, quiet=True
    )

    assert [snapshot(o) for o in organizations] == before
    with all_tenants():
        assert (Task.objects.count(), Comment.objects.count(), AuditLog.objects.count()) == counts
    assert "seed9-2: user1@seed9-2.example.com" in out


def test_the_same_seed_describes_the_same_data_and_another_seed_other_data():
    seed_demo(users_per_org=3, tasks_per_org=50, seed=4, prefix="a", quiet=True)
    seed_demo(users_per_org=3, tasks_per_org=50, seed=4, prefix="b", quiet=True)
    seed_demo(users_per_org=3, tasks_per_org=50, seed=5, prefix="c", quiet=True)
    a, b, c = (Organization.objects.get(slug=s) for s in ("a4-1", "b4-1", "c5-1"))

    def without_emails(rows):
        return [row[:-1] for row in rows]  # e-mails name the organization

    assert without_emails(snapshot(a)) == without_emails(snapshot(b))
    assert without_emails(snapshot(a)) != without_emails(snapshot(c))


def test_shows_progress_unless_quiet():
    _, err = seed_demo(users_per_org=2, tasks_per_org=30, seed=6)
    _, quiet = seed_demo(users_per_org=2, tasks_per_org=30, seed=7, quiet=True)

    assert "30/30" in err
    assert quiet == ""


def test_the_plan_option_sets_the_organizations_plan():
    seed_demo(users_per_org=2, tasks_per_org=0, seed=8, plan="pro", quiet=True)

    assert Organization.objects.get(slug="seed8-1").plan == "pro"


@pytest.mark.parametrize(
    "options", [{"orgs": 0}, {"users_per_org": 0}, {"tasks_per_org": -1}, {"comments_per_task": -2}]
)
def test_refuses_counts_out_of_range(options):
    with pytest.raises(CommandError, match="Counts must be positive"):
        seed_demo(quiet=True, **options)

    assert not Organization.objects.exists()


def test_tasks_come_with_the_status_history_the_services_would_have_recorded(seeded):
    """Insights read statuses back from the log: each change is an entry (by its labels), at a
    time between the task's creation and now; started and completed times match them."""
    organization = seeded[0][0]
    labels = dict(TaskStatus.choices)

    with organization_scope(organization):
        tasks = {task.pk: task for task in Task.all_objects.all()}
        changes = AuditLog.objects.filter(action=AuditAction.UPDATED).order_by("created_at")
        deletions = AuditLog.objects.filter(action=AuditAction.DELETED)
        last = {}
        for entry in changes:
            task = tasks[entry.object_id]
            old, new = entry.changed_fields["status"]
            assert task.created_at <= entry.created_at <= timezone.now()
            assert old in labels.values()
            assert new in labels.values()
            last[task.pk] = new
        assert {pk: labels[t.status] for pk, t in tasks.items() if pk in last} == last
        assert all(t.status == TaskStatus.TODO for pk, t in tasks.items() if pk not in last)
        in_progress = [t for t in tasks.values() if t.status == TaskStatus.IN_PROGRESS]
        assert all(t.started_at is not None for t in in_progress)
        done = [t for t in tasks.values() if t.status == TaskStatus.DONE]
        started = [t for t in done if t.started_at is not None]
        assert 0.5 < len(started) / len(done) < 0.95
        assert all(t.started_at < t.completed_at <= timezone.now() for t in started)
        deleted = {t.pk: t.deleted_at for t in tasks.values() if t.deleted_at is not None}
        assert dict(deletions.values_list("object_id", "created_at")) == deleted
