"""The weekly digest: what it counts, who gets it, and that each person gets one per week."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from huey.signals import SIGNAL_ENQUEUED

from tasks.digests import schedule_weekly_digests, send_weekly_digest
from tasks.tests.backends import disconnected
from tasks.tests.conftest import naive_utc, run_due
from workspace.models import Notification, NotificationKind, Organization, Role, Task, TaskStatus
from workspace.selectors import digest_summary
from workspace.tenancy import organization_scope
from workspace.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProjectFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

SITE_URL = "https://tandem.example"
MONDAY = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # the job's run: Monday 08:00 UTC
PERIOD_END = date(2026, 3, 9)
PERIOD_START = date(2026, 3, 2)  # the window is [Mar 2 00:00, Mar 9 00:00) UTC


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _site(settings, huey_memory):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def week(organization, owner, admin, member):
    """A week of Acme's work with known counts (see the comment on each task), plus noise that
    must not be counted: a deleted task, another organization's task, tasks outside the window."""
    mia = member  # "Mia Member"
    adam = admin  # "Adam Admin"
    tasks = {}
    with organization_scope(organization):
        website = ProjectFactory(organization=organization, name="Website")
        app = ProjectFactory(organization=organization, name="app")  # sorted case-insensitively

        def task(key, project, **fields):
            fields.setdefault("created_at", at(1, month=1))
            tasks[key] = TaskFactory(project=project, title=f"Task {key}", **fields)

        # Counted:
        task("W1", website, assignee=mia, created_at=at(3))  # created
        task(
            "W2",
            website,
            assignee=adam,
            created_at=at(20, month=2),
            status=TaskStatus.DONE,
            completed_at=at(5),
        )  # completed
        task(
            "W3",
            website,
            created_at=at(4),
            status=TaskStatus.IN_PROGRESS,
            due_date=date(2026, 3, 6),
        )  # created, overdue, unassigned
        task("A1", app, assignee=mia, due_date=date(2026, 2, 1))  # overdue (for weeks)
        task(
            "A2",
            app,
            assignee=mia,
            created_at=at(8, 23, 59, 59),
            status=TaskStatus.DONE,
            completed_at=at(8, 23, 59, 59),
        )  # created and completed, the window's last second
        task("A0", app, created_at=at(2, 0, 0, 0))  # created, the window's first second
        # Not counted:
        task("X1", app, created_at=at(9, 0, 0, 0))  # created at the window's end (this week)
        task(
            "X2",
            app,
            assignee=adam,
            created_at=at(1, 23, 59, 59),
            status=TaskStatus.DONE,
            completed_at=at(1, 23, 59, 59),
        )  # created and completed just before the window
        task("X3", app, due_date=PERIOD_END)  # due on the day the period ends: not overdue yet
        task(
            "X4",
            app,
            due_date=date(2026, 3, 1),
            status=TaskStatus.DONE,
            completed_at=at(28, month=2),
        )  # was due, but done
        task("X5", app, due_date=date(2026, 3, 1), status=TaskStatus.CANCELLED)  # cancelled
        task(
            "X6",
            website,
            assignee=mia,
            created_at=at(3),
            due_date=date(2026, 3, 4),
            deleted_at=at(6),
        )  # deleted
    other = OrganizationFactory(name="Globex", slug="globex")
    with organization_scope(other):
        TaskFactory(
            project=ProjectFactory(organization=other, name="Website"),
            created_at=at(3),
            due_date=date(2026, 3, 4),
        )
    return tasks


EXPECTED_TOTALS = {"created": 4, "completed": 2, "overdue": 2}
EXPECTED_PER_PROJECT = [
    ("app", 2, 1, 1),
    ("Website", 2, 1, 1),
]
EXPECTED_PER_ASSIGNEE = [
    ("Adam Admin", 0, 1, 0),
    ("Mia Member", 2, 1, 1),
    ("Unassigned", 2, 0, 1),
]


def test_digest_summary_counts_the_week(organization, week):
    with organization_scope(organization):
        summary = digest_summary(
            organization=organization, period_start=PERIOD_START, period_end=PERIOD_END
        )

    assert summary["period_start"] == PERIOD_START
    assert summary["period_end"] == PERIOD_END
    assert summary["totals"] == EXPECTED_TOTALS
    assert [
        (row["project__name"], row["created"], row["completed"], row["overdue"])
        for row in summary["per_project"]
    ] == EXPECTED_PER_PROJECT
    assert [
        (row["name"], row["created"], row["completed"], row["overdue"])
        for row in summary["per_assignee"]
    ] == EXPECTED_PER_ASSIGNEE
    assert summary["top_overdue"] == [week["A1"], week["W3"]]  # most overdue first


def test_digest_summary_of_a_quiet_week(organization):
    with organization_scope(organization):
        summary = digest_summary(
            organization=organization, period_start=PERIOD_START, period_end=PERIOD_END
        )

    assert summary["totals"] == {"created": 0, "completed": 0, "overdue": 0}
    assert summary["per_project"] == []
    assert summary["per_assignee"] == []
    assert summary["top_overdue"] == []


def test_digest_summary_lists_at_most_top_overdue_tasks(organization):
    with organization_scope(organization):
        project = ProjectFactory(organization=organization)
        overdue = [
            TaskFactory(project=project, due_date=date(2026, 2, day)) for day in range(12, 0, -1)
        ]
        summary = digest_summary(
            organization=organization, period_start=PERIOD_START, period_end=PERIOD_END, top=3
        )

    assert summary["totals"]["overdue"] == 12
    assert summary["top_overdue"] == overdue[::-1][:3]


def test_digest_summary_keeps_projects_with_the_same_name_apart(organization):
    """Project names are not unique (only slugs are: project_create makes "website-2" for a
    second "Website"), so the per-project rows must be per project, not per name."""
    with organization_scope(organization):
        first = ProjectFactory(organization=organization, name="Website", slug="website")
        second = ProjectFactory(organization=organization, name="Website", slug="website-2")
        TaskFactory(project=first, created_at=at(3))
        TaskFactory(project=second, created_at=at(4))
        TaskFactory(project=second, created_at=at(5))
        summary = digest_summary(
            organization=organization, period_start=PERIOD_START, period_end=PERIOD_END
        )

    assert sorted(row["created"] for row in summary["per_project"]) == [1, 2]


def digests(mailoutbox):
    return {m.to[0]: m for m in mailoutbox}


def send(organization, period_end=PERIOD_END):
    """Run the job; returns its outcome (``{result: count}``) when it succeeds."""
    return send_weekly_digest(organization.pk, period_end.isoformat()).get()


def send_failing(organization, period_end=PERIOD_END):
    """Run a job that is going to fail (Huey logs it and schedules its retry)."""
    send_weekly_digest(organization.pk, period_end.isoformat())


def test_the_digest_mail_shows_the_counts_and_links(
    organization, owner, week, smtp, mailoutbox, settings
):
    with time_machine.travel(MONDAY, tick=False):
        assert send(organization) == {"sent": 2}

    message = digests(mailoutbox)[owner.user.email]
    assert message.subject == "Acme: your week in Tandem (2 done, 2 overdue)"
    a1, w3 = week["A1"], week["W3"]
    task_list_url = f"{SITE_URL}/o/acme/tasks/"
    assert message.body.startswith("Acme — week of Mar 2 to Mar 9, 2026\n")
    assert "Created: 4\nCompleted: 2\nOverdue: 2\n" in message.body
    assert (
        "By project (created / completed / overdue)\n- app: 2 / 1 / 1\n- Website: 2 / 1 / 1\n"
        in message.body
    )
    assert (
        "By assignee (created / completed / overdue)\n"
        "- Adam Admin: 0 / 1 / 0\n- Mia Member: 2 / 1 / 1\n- Unassigned: 2 / 0 / 1\n"
        in message.body
    )
    assert (
        "Most overdue\n"
        f"- #{a1.number} Task A1 (due Feb 1, Mia Member): {SITE_URL}/o/acme/tasks/{a1.number}/\n"
        f"- #{w3.number} Task W3 (due Mar 6): {SITE_URL}/o/acme/tasks/{w3.number}/\n"
        in message.body
    )
    assert f"All tasks: {task_list_url}" in message.body
    for hidden in ("X1", "X2", "X3", "X4", "X5", "X6"):
        assert f"Task {hidden}" not in message.body
    assert "Globex" not in message.body


def test_the_digest_has_an_inline_styled_html_part(organization, owner, week, smtp, mailoutbox):
    with time_machine.travel(MONDAY, tick=False):
        send(organization)

    message = digests(mailoutbox)[owner.user.email]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    # Mail clients drop <style> blocks and stylesheets: every style is inline.
    assert "<style" not in html
    assert "<link" not in html
    assert 'style="' in html
    a1, w3 = week["A1"], week["W3"]
    links = re.findall(r'<a href="([^"]+)"', html)
    assert f"{SITE_URL}/o/acme/tasks/{a1.number}/" in links
    assert f"{SITE_URL}/o/acme/tasks/{w3.number}/" in links
    assert f"{SITE_URL}/o/acme/tasks/" in links
    assert all(link.startswith(SITE_URL) for link in links)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "4 created 2 completed 2 overdue" in text
    assert "app 2 1 1 Website 2 1 1" in text
    assert "Adam Admin 0 1 0 Mia Member 2 1 1 Unassigned 2 0 1" in text
    assert "Task X6" not in html


def test_the_digest_goes_to_admins_and_owners_who_want_it(
    organization, owner, admin, member, week, smtp, mailoutbox
):
    no_digest = MembershipFactory(
        organization=organization, role=Role.ADMIN, user__receive_digest=False
    )
    gone = MembershipFactory(organization=organization, role=Role.OWNER, user__is_active=False)
    other = OrganizationFactory()
    MembershipFactory(organization=other, role=Role.OWNER)

    with time_machine.travel(MONDAY, tick=False):
        assert send(organization) == {"sent": 2}

    assert sorted(digests(mailoutbox)) == sorted([owner.user.email, admin.user.email])
    for absent in (member, no_digest, gone):
        assert absent.user.email not in digests(mailoutbox)


def test_the_digest_has_an_unsubscribe_link_for_the_digest_only(
    organization, admin, week, smtp, mailoutbox, client
):
    with time_machine.travel(MONDAY, tick=False):
        send(organization)

    message = digests(mailoutbox)[admin.user.email]
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith(f"{SITE_URL}/unsubscribe/")
    assert f"Unsubscribe from the weekly digest: {url}" in message.body

    page = client.get(url.removeprefix(SITE_URL))
    assert "Stop sending the weekly digest to" in page.content.decode()
    client.post(url.removeprefix(SITE_URL))

    admin.user.refresh_from_db()
    assert admin.user.receive_digest is False
    assert admin.user.notify_by_email is True
    # Next week, no digest for Adam.
    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        assert send(organization, PERIOD_END + timedelta(days=7)) == {"sent": 1}
    assert [m.to[0] for m in mailoutbox].count(admin.user.email) == 1


def test_running_the_job_twice_sends_one_digest_per_person(
    organization, owner, admin, week, smtp, mailoutbox
):
    with time_machine.travel(MONDAY, tick=False):
        assert send(organization) == {"sent": 2}
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        assert send(organization) == {}

    assert sorted(m.to[0] for m in mailoutbox) == sorted([owner.user.email, admin.user.email])
    with organization_scope(organization):
        rows = Notification.objects.filter(kind=NotificationKind.DIGEST)
        assert rows.count() == 2
        assert all(n.sent_at is not None for n in rows)


def test_a_new_week_is_a_new_digest(organization, owner, admin, week, smtp, mailoutbox):
    with time_machine.travel(MONDAY, tick=False):
        send(organization)
    with time_machine.travel(MONDAY + timedelta(days=7), tick=False):
        assert send(organization, PERIOD_END + timedelta(days=7)) == {"sent": 2}

    assert len(mailoutbox) == 4
    assert "Week of Mar 9 to Mar 16, 2026" in mailoutbox[-1].alternatives[0][0]


def test_a_digest_whose_reader_opted_out_after_it_was_queued_is_skipped(
    organization, owner, admin, week, smtp, mailoutbox, huey_memory
):
    """Queued for Adam by a run whose deliveries failed; then Adam switched the digest off."""
    smtp.failures.extend([disconnected(), disconnected()])
    with time_machine.travel(MONDAY, tick=False):
        send_failing(organization)  # both deliveries fail; the job will be retried
    assert mailoutbox == []
    admin.user.receive_digest = False
    admin.user.save(update_fields=["receive_digest"])

    moment = MONDAY + timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        assert len(run_due(huey_memory, moment)) == 1

    assert [m.to[0] for m in mailoutbox] == [owner.user.email]
    with organization_scope(organization):
        adams = Notification.objects.get(kind=NotificationKind.DIGEST, recipient=admin.user)
    assert adams.skipped_at is not None


def test_a_transient_failure_retries_only_the_digests_not_sent(
    organization, owner, admin, week, smtp, mailoutbox, huey_memory
):
    smtp.failures.append(disconnected())  # the first digest (the owner's) fails
    with time_machine.travel(MONDAY, tick=False):
        send_failing(organization)

    assert [m.to[0] for m in mailoutbox] == [admin.user.email]
    [retry] = huey_memory.scheduled()
    assert retry.name == "send_weekly_digest"
    assert retry.args == (organization.pk, "2026-03-09")
    assert retry.eta == naive_utc(MONDAY + timedelta(seconds=60))

    moment = MONDAY + timedelta(seconds=60)
    with time_machine.travel(moment, tick=False):
        assert len(run_due(huey_memory, moment)) == 1

    assert sorted(m.to[0] for m in mailoutbox) == sorted([owner.user.email, admin.user.email])
    assert huey_memory.scheduled() == []


def test_schedule_weekly_digests_queues_one_job_per_organization(
    organization, owner, admin, week, smtp, mailoutbox, huey_memory
):
    globex = Organization.objects.get(slug="globex")
    globex_owner = MembershipFactory(organization=globex, role=Role.OWNER)
    empty = OrganizationFactory()  # no admin who would get a digest: its job sends nothing
    queued = []

    def record(signal, task, *args):
        queued.append(task)

    huey_memory.signal(SIGNAL_ENQUEUED)(record)
    try:
        with time_machine.travel(MONDAY, tick=False):
            count = schedule_weekly_digests.call_local()
    finally:
        huey_memory.disconnect_signal(record, SIGNAL_ENQUEUED)

    assert count == 3
    jobs = [task for task in queued if task.name == "send_weekly_digest"]
    assert sorted(task.args for task in jobs) == sorted(
        (org.pk, "2026-03-09") for org in (organization, globex, empty)
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [owner.user.email, admin.user.email, globex_owner.user.email]
    )
    acme_digest = digests(mailoutbox)[owner.user.email]
    assert acme_digest.subject == "Acme: your week in Tandem (2 done, 2 overdue)"
    globex_digest = digests(mailoutbox)[globex_owner.user.email]
    assert globex_digest.subject == "Globex: your week in Tandem (0 done, 1 overdue)"


def test_the_digest_gives_the_week_s_throughput_and_median_cycle_time_with_the_charts_link(
    organization, owner, week, smtp, mailoutbox
):
    """Two tasks completed this week (W2 after a day in progress, A2 after 12 hours: a median of
    18 hours), two the week before (X2, X4: never in progress, so no cycle time)."""
    with organization_scope(organization):
        Task.objects.filter(pk=week["W2"].pk).update(started_at=at(4))
        Task.objects.filter(pk=week["A2"].pk).update(started_at=at(8, 11, 59, 59))
    with time_machine.travel(MONDAY, tick=False):
        send(organization)

    message = digests(mailoutbox)[owner.user.email]
    assert (
        "Throughput: 2 completed (the week before: 2)\n"
        "Median cycle time: 18 h (the week before: no finished task was started)\n"
        f"Charts: {SITE_URL}/o/acme/insights/\n" in message.body
    )
    [(html, _mimetype)] = message.alternatives
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "2 tasks completed (the week before: 2)" in text
    assert "Median cycle time, from the first move to In progress to Done: 18 h" in text
    assert f'<a href="{SITE_URL}/o/acme/insights/"' in html
