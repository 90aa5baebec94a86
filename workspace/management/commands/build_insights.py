from django.core.management.base import BaseCommand, CommandError

from workspace.models import Organization
from workspace.services.insights import insights_snapshot_build
from workspace.tenancy import organization_scope


class Command(BaseCommand):
    help = "Build the insights snapshot of every organization (or of those given by address)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="ADDRESS")

    def handle(self, *args, slugs, **options):
        organizations = Organization.objects.order_by("pk")
        if slugs:
            organizations = organizations.filter(slug__in=slugs)
            missing = set(slugs) - set(organizations.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No organization at: {', '.join(sorted(missing))}")
        for organization in organizations:
            with organization_scope(organization):
                rollup = insights_snapshot_build(organization=organization)
            cells, tasks = len(rollup.cells), len(rollup.states)
            self.stdout.write(f"{organization.slug}: {cells} rows, {tasks} tasks")
