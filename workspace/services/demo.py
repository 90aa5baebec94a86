"""Demo data for `make run`: a user to sign in with, an organization with teammates, projects,
tasks and comments."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import user_ensure_verified
from workspace.models import Membership, Organization, Priority, Project, Role, TaskStatus
from workspace.services.comments import comment_create
from workspace.services.organizations import organization_create
from workspace.services.projects import project_create
from workspace.services.tasks import task_create, task_update
from workspace.tenancy import organization_scope

DEMO_EMAIL = "demo@tandem.localhost"
DEMO_PASSWORD = "tandem-demo-password"  # noqa: S105 - printed for local development on purpose
DEMO_TEAM = [
    ("Ada Lovelace", "ada@tandem.localhost", Role.ADMIN),
    ("Grace Hopper", "grace@tandem.localhost", Role.MEMBER),
    ("Alan Turing", "alan@tandem.localhost", Role.MEMBER),
]


@transaction.atomic
def demo_ensure(
    *, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD
) -> tuple[User, Organization]:
    """Idempotent: running it again resets the demo password and keeps everything else."""
    user = user_ensure_verified(email=email, name="Demo User", password=password)
    organization = Organization.objects.filter(slug="demo").first()
    if organization is None:
        organization = organization_create(name="Demo", owner=user)
    with organization_scope(organization):
        Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": Role.OWNER}
        )
        for name, mate_email, role in DEMO_TEAM:
            mate = User.objects.filter(email=mate_email).first() or user_ensure_verified(
                email=mate_email, name=name, password=password
            )
            Membership.objects.get_or_create(
                organization=organization, user=mate, defaults={"role": role}
            )
        if not Project.all_objects.exists():
            _demo_work(organization)
    return user, organization


DEMO_PROJECTS = {
    "Website relaunch": [
        "Write the new landing page copy",
        "Pick a color palette",
        "Migrate the blog posts",
        "Set up redirects from old URLs",
        "Accessibility review of the navigation",
        "Compress hero images",
        "Add the pricing table",
        "Cookie banner that respects no",
    ],
    "Mobile app": [
        "Design the onboarding screens",
        "Push notification opt-in",
        "Offline mode for task lists",
        "Crash on rotating the task detail",
        "Dark mode",
        "App store screenshots",
        "Beta testers sign-up form",
    ],
    "Operations": [
        "Renew the TLS certificates",
        "Quarterly access review",
        "Back-up restore drill",
        "Update the on-call rota",
        "Invoice the October hours",
    ],
}


def _demo_work(organization: Organization) -> None:
    rng = random.Random(42)  # noqa: S311 - demo data, not security
    members = list(Membership.objects.filter(organization=organization).select_related("user"))
    owner = next(m for m in members if m.role == Role.OWNER)
    today = timezone.localdate()
    for project_name, titles in DEMO_PROJECTS.items():
        project = project_create(
            organization=organization,
            actor=owner,
            name=project_name,
            description=f"Everything for the {project_name.lower()}.",
            lead=rng.choice(members),
        )
        for title in titles:
            actor = rng.choice(members)
            task = task_create(
                organization=organization,
                actor=actor,
                project=project,
                title=title,
                priority=rng.choice(Priority.values),
                due_date=today + timedelta(days=rng.randint(0, 30)) if rng.random() < 0.7 else None,
                assignee=rng.choice([*members, None]),
            )
            roll = rng.random()
            if roll < 0.25:
                task_update(task=task, actor=actor, data={"status": TaskStatus.DONE})
            elif roll < 0.5:
                task_update(task=task, actor=actor, data={"status": TaskStatus.IN_PROGRESS})
            elif roll < 0.6:
                task_update(
                    task=task,
                    actor=actor,
                    data={"due_date": today - timedelta(days=rng.randint(1, 10))},
                )
            if rng.random() < 0.4:
                comment_create(
                    task=task,
                    actor=rng.choice(members),
                    body="Looks good to me. See https://example.com/spec for the details.",
                )
