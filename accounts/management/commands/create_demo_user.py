from django.core.management.base import BaseCommand

from accounts.services import user_ensure_verified

DEMO_EMAIL = "demo@tandem.localhost"
DEMO_PASSWORD = "tandem-demo-password"  # noqa: S105 - printed for local development on purpose


class Command(BaseCommand):
    help = "Create (or reset) the demo user and print its credentials."

    def add_arguments(self, parser):
        parser.add_argument("--email", default=DEMO_EMAIL)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, email, password, **options):
        user_ensure_verified(email=email, name="Demo User", password=password)
        self.stdout.write(self.style.SUCCESS("Demo user ready. Sign in at /accounts/login/ with"))
        self.stdout.write(f"  e-mail:   {email}\n  password: {password}")
