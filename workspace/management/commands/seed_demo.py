from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from workspace.models import Plan
from workspace.seeding import PASSWORD, SeedPlan, seed


class Command(BaseCommand):
    help = (
        "Generate realistic organizations (members, projects, tasks, comments, some deleted "
        "rows, audit entries) in bulk. Idempotent per seed: existing organizations are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=1)
        parser.add_argument("--users-per-org", type=int, default=10)
        parser.add_argument("--tasks-per-org", type=int, default=1000)
        parser.add_argument("--comments-per-task", type=int, default=0)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--plan", choices=Plan.values, default=Plan.FREE)
        parser.add_argument(
            "--prefix", default="seed", help="organization slugs: <prefix><seed>-<n>"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, orgs, users_per_org, tasks_per_org, comments_per_task, **options):
        if min(orgs, users_per_org) < 1 or min(tasks_per_org, comments_per_task) < 0:
            raise CommandError("Counts must be positive (tasks and comments may be 0).")
        plan = SeedPlan(
            orgs=orgs,
            users_per_org=users_per_org,
            tasks_per_org=tasks_per_org,
            comments_per_task=comments_per_task,
            seed=options["seed"],
            plan=options["plan"],
            prefix=options["prefix"],
        )
        with tqdm(
            total=orgs * tasks_per_org, unit="task", disable=options["quiet"], file=self.stderr
        ) as bar:
            organizations = seed(plan, progress=bar.update)
        for organization in organizations:
            self.stdout.write(f"{organization.slug}: user1@{organization.slug}.example.com")
        self.stdout.write(f"Every seeded user signs in with the password {PASSWORD}")
