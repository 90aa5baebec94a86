from django.core.management.base import BaseCommand

from workspace.services.demo import DEMO_EMAIL, DEMO_PASSWORD, demo_ensure


class Command(BaseCommand):
    help = "Create (or refresh) the demo organization and user, and print the credentials."

    def add_arguments(self, parser):
        parser.add_argument("--email", default=DEMO_EMAIL)
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, email, password, **options):
        _user, organization = demo_ensure(email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"Demo organization '{organization}' is ready."))
        self.stdout.write("Sign in at http://127.0.0.1:8000/accounts/login/ with")
        self.stdout.write(f"  e-mail:   {email}\n  password: {password}")
