"""`joinedup demo-users`: print the demo users' sign-in details (`make demo` prints them last, before serving)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from joinedup_lab.demo.load import sign_in_details


class Command(BaseCommand):
    help = ("Print each demo user's username, password, role and agency, and how to pass the second sign-in step "
            "(from var/demo-credentials.json; demo only, never in production).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--credentials", type=Path, default=settings.VAR_DIR / "demo-credentials.json",
            help="Where `joinedup demo` keeps the passwords and authenticator keys (default var/demo-credentials.json).",
        )

    def handle(self, *args, credentials: Path, **options):
        if getattr(settings, "JOINEDUP_ENVIRONMENT", "") == "production":
            raise CommandError("demo-users: refused in production; there are no demo users there")
        try:
            lines = sign_in_details(credentials)
        except ValueError as exc:
            raise CommandError(f"--credentials: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)
